import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { personActor } from '../../core/actor.js';
import { ProfileInputSchema } from '../../platform/people/profile-schema.js';
import type { ProfileService } from '../../platform/people/profile-service.js';
import { personOf, principalOf } from './access.js';

const UserIdParams = z.strictObject({ id: z.coerce.number().int().positive() });

export interface ProfileRouteServices {
  profiles: ProfileService;
}

/** Personal notification profiles: contacts, channel per kind of message, quiet hours, language. */
export async function profileRoutes(app: FastifyInstance, s: ProfileRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { profiles } = s;
  const tags = ['people'];

  api.get(
    '/api/v1/me/profile',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'My notification profile: contacts, channels per kind of message, quiet hours, language',
      },
    },
    async (req) => profiles.view(principalOf(req).user.id),
  );

  api.put(
    '/api/v1/me/profile',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Save my notification profile (the whole of it; blank contacts are cleared). Audited',
        body: ProfileInputSchema,
      },
    },
    async (req) => profiles.save(personActor(personOf(req)), principalOf(req).user.id, req.body),
  );

  api.get(
    '/api/v1/users/:id/profile',
    {
      config: { access: 'users:manage' },
      schema: { tags, summary: "A user's notification profile", params: UserIdParams },
    },
    async (req) => profiles.view(req.params.id),
  );

  api.put(
    '/api/v1/users/:id/profile',
    {
      config: { access: 'users:manage' },
      schema: {
        tags,
        summary: "Save a user's notification profile (the whole of it). Audited",
        params: UserIdParams,
        body: ProfileInputSchema,
      },
    },
    async (req) => profiles.save(personActor(personOf(req)), req.params.id, req.body),
  );
}
