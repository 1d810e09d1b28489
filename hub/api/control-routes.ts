import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CommandRequester, CommandService } from '../../core/devices/command-service.js';
import { notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { PointControlState } from '../../domains/control/control-types.js';
import type { PriorityArrays } from '../../domains/control/priority-array.js';
import { actorOf } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

export interface ControlRouteServices {
  site: SiteModel;
  control: PriorityArrays;
  commands: CommandService;
}

const Value = z.union([z.number(), z.boolean(), z.string().max(1000)]);
const PointParams = z.strictObject({ asset: z.string(), point: z.string() });
const WRITE = { access: ['setpoint:write', 'gate:command'] as const };

/** Who asks, as the command service and the array check them. */
export function requesterOf(req: FastifyRequest): CommandRequester {
  const p = principalOf(req);
  return { ...actorOf(p, req.ip), permissions: p.permissions };
}

/**
 * The priority arrays of the command points: read them (with whether the caller may write each), override at
 * level 8 with a reason and an expiry, relinquish a level.
 */
export async function controlRoutes(app: FastifyInstance, s: ControlRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  const view = (state: PointControlState, req: FastifyRequest) => {
    const def = s.site.pointById.get(state.pointId)!;
    return {
      ...state,
      assetId: def.assetId,
      name: def.name,
      label: def.label,
      unit: def.unit,
      type: def.type,
      min: def.min,
      max: def.max,
      protocol: def.protocol,
      /**
       * What the device does once every level is relinquished: a BACnet object falls back to its own relinquish
       * default; a Modbus register, OPC UA node or MQTT device keeps the last value it was written.
       */
      whenRelinquished: def.protocol === 'bacnet' ? 'device-default' : 'keeps-last-value',
      mayWrite: principalOf(req).permissions.has(s.commands.permissionFor(def)),
    };
  };
  const stateOf = (asset: string, point: string) => {
    const id = `${asset}/${point}`;
    const state = s.control.state(id);
    if (!state) throw notFound('command point', id);
    return state;
  };

  api.get(
    '/api/v1/control/points',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['control'],
        summary:
          "Every command point's priority array (the held levels, the effective value and who holds it, pending writes, whether you may write it), and the override expiry's default and maximum (minutes)",
      },
    },
    async (req) => ({
      points: s.control.list().map((state) => view(state, req)),
      ...s.control.settings,
    }),
  );

  api.get(
    '/api/v1/control/points/:asset/:point',
    {
      config: { access: 'site:read' },
      schema: { tags: ['control'], summary: "One command point's priority array", params: PointParams },
    },
    async (req) => view(stateOf(req.params.asset, req.params.point), req),
  );

  api.post(
    '/api/v1/control/points/:asset/:point/override',
    {
      config: WRITE,
      schema: {
        tags: ['control'],
        summary:
          'Override a point at level 8 (manual-operator) with a reason; it relinquishes itself after minutes (default control.overrideMinutes, at most control.maxOverrideMinutes). Audited',
        params: PointParams,
        body: z.strictObject({
          value: Value,
          reason: z.string().trim().min(1).max(500).describe('required; kept in the audit log'),
          minutes: z.number().positive().optional(),
        }),
      },
    },
    async (req) => {
      const { asset, point } = req.params;
      const { state } = await s.control.override(
        requesterOf(req),
        `${asset}/${point}`,
        req.body.value,
        req.body.reason,
        req.body.minutes,
      );
      return view(state, req);
    },
  );

  api.delete(
    '/api/v1/control/points/:asset/:point/override',
    {
      config: WRITE,
      schema: {
        tags: ['control'],
        summary: "End the operator override (relinquish level 8): the next level's value rules. Audited",
        params: PointParams,
      },
    },
    async (req) => {
      const by = requesterOf(req);
      const state = await s.control.command({
        pointId: `${req.params.asset}/${req.params.point}`,
        level: 8,
        value: null,
        by,
        source: `operator:${by.actor}`,
        reason: 'override ended',
      });
      return view(state, req);
    },
  );

  api.post(
    '/api/v1/control/points/:asset/:point/relinquish',
    {
      config: WRITE,
      schema: {
        tags: ['control'],
        summary:
          'Relinquish any level of a point (a stuck schedule or scene value): the next level rules. Audited',
        params: PointParams,
        body: z.strictObject({
          level: z.int().min(1).max(16),
          reason: z.string().trim().min(1).max(500),
        }),
      },
    },
    async (req) => {
      const by = requesterOf(req);
      const state = await s.control.command({
        pointId: `${req.params.asset}/${req.params.point}`,
        level: req.body.level,
        value: null,
        by,
        source: `operator:${by.actor}`,
        reason: req.body.reason,
      });
      return view(state, req);
    },
  );
}
