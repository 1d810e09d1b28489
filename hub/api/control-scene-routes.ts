import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DemandService } from '../../domains/control/demand-service.js';
import type { OccupancyService } from '../../domains/control/occupancy-service.js';
import type { ScenePerson, SceneService } from '../../domains/control/scene-service.js';
import { personOf, principalOf } from './access.js';

export interface ControlSceneRouteServices {
  scenes: SceneService;
  occupancy: OccupancyService;
  demand: DemandService;
}

const IdParams = z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) });

/** The caller as a scene sees them: permissions (per point) and roles (the scene's list). */
function scenePerson(req: FastifyRequest): ScenePerson {
  return { ...personOf(req), roles: principalOf(req).user.roles };
}

/** Scenes (list, activate with confirmation, release; API scenes for control:manage), occupancy, demand limiting. */
export async function controlSceneRoutes(app: FastifyInstance, s: ControlSceneRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/control/scenes',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['control'],
        summary:
          'Scenes (site file and API): level, roles, commands and their points, whether the caller may activate it, active or not (who, when, why, how many points it still holds)',
      },
    },
    async (req) => s.scenes.list(scenePerson(req)),
  );

  api.post(
    '/api/v1/control/scenes/:id/activate',
    {
      // the scene's own roles and each point's permission are checked by the service
      config: { access: 'site:read' },
      schema: {
        tags: ['control'],
        summary:
          "Activate a scene: every command at the scene's level, as the caller (a role the scene lists; each point's permission). Needs confirm: true and a reason; audited",
        params: IdParams,
        body: z.strictObject({ confirm: z.boolean().optional(), reason: z.string().max(500).optional() }),
      },
    },
    async (req) => s.scenes.activate(req.params.id, scenePerson(req), req.body),
  );

  api.post(
    '/api/v1/control/scenes/:id/release',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['control'],
        summary: 'Release a scene: its level is relinquished on the points where it still holds it; audited',
        params: IdParams,
        body: z.strictObject({ reason: z.string().max(500).optional() }).optional(),
      },
    },
    async (req) => s.scenes.release(req.params.id, scenePerson(req), req.body ?? {}),
  );

  api.post(
    '/api/v1/control/scenes',
    {
      config: { access: 'control:manage' },
      schema: {
        tags: ['control'],
        summary:
          'Create a scene (the site file’s schema, checked the same way; 409 when the id is taken); audited',
        body: z.strictObject({ scene: z.looseObject({ id: IdParams.shape.id }) }),
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(s.scenes.put(req.body.scene.id, req.body.scene, scenePerson(req), { create: true })),
  );

  api.put(
    '/api/v1/control/scenes/:id',
    {
      config: { access: 'control:manage' },
      schema: {
        tags: ['control'],
        summary:
          'Create or replace a scene (the site file’s schema, checked the same way); site-file scenes are read only (409); audited',
        params: IdParams,
        body: z.strictObject({ scene: z.unknown() }),
      },
    },
    async (req) => s.scenes.put(req.params.id, req.body.scene, scenePerson(req)),
  );

  api.delete(
    '/api/v1/control/scenes/:id',
    {
      config: { access: 'control:manage' },
      schema: {
        tags: ['control'],
        summary: 'Remove a scene made through the API (released first); audited',
        params: IdParams,
      },
    },
    async (req, reply) => {
      s.scenes.remove(req.params.id, scenePerson(req));
      return reply.code(204).send();
    },
  );

  api.get(
    '/api/v1/control/occupancy',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['control'],
        summary:
          'Per zone with occupancy control: people, motion, CO₂, occupied or empty since when, DCV, lighting and setback, and what it commands now',
      },
    },
    async () => s.occupancy.describe(),
  );

  api.get(
    '/api/v1/control/demand',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['control'],
        summary:
          'Per demand-limit plan: the 15-minute demand forecast, the limit and thresholds, the stage, which loads are shed since when',
      },
    },
    async () => s.demand.describe(),
  );
}
