import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idSchema } from '../../core/config/zod-helpers.js';
import { notFound } from '../../core/errors.js';
import {
  type AuthService,
  managerOf,
  publicToken,
  publicUser,
} from '../../platform/security/auth-service.js';
import { ROLES } from '../../platform/security/roles.js';
import { principalOf } from './access.js';

const RolesSchema = z.array(z.enum(ROLES)).min(1).max(ROLES.length);
const UserIdParams = z.strictObject({ id: z.coerce.number().int().positive() });
const access = 'users:manage' as const;

export interface UserRouteServices {
  auth: AuthService;
}

export async function userRoutes(app: FastifyInstance, s: UserRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { auth } = s;
  const tags = ['users'];

  api.get(
    '/api/v1/users',
    { config: { access }, schema: { tags, summary: 'Every user, with roles and lock state' } },
    async () => auth.users.list().map(publicUser),
  );

  api.post(
    '/api/v1/users',
    {
      config: { access },
      schema: {
        tags,
        summary:
          'Create a user; without a password the hub generates one and returns it once. Only roles whose permissions you hold',
        body: z.strictObject({
          username: idSchema.describe('lower-case letters, digits, - and _'),
          displayName: z.string().min(1).max(100).optional(),
          roles: RolesSchema,
          password: z.string().max(256).optional(),
        }),
      },
    },
    async (req, reply) => {
      const { user, generatedPassword } = await auth.createUser(
        managerOf(principalOf(req), req.ip),
        req.body,
      );
      return reply.code(201).send({ user: publicUser(user), password: generatedPassword });
    },
  );

  api.get(
    '/api/v1/users/:id',
    { config: { access }, schema: { tags, summary: 'One user', params: UserIdParams } },
    async (req) => {
      const user = auth.users.get(req.params.id);
      if (!user) throw notFound('user', req.params.id);
      return publicUser(user);
    },
  );

  api.patch(
    '/api/v1/users/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Change display name, roles, or disable (which ends their sessions and tokens)',
        params: UserIdParams,
        body: z.strictObject({
          displayName: z.string().min(1).max(100).optional(),
          roles: RolesSchema.optional(),
          disabled: z.boolean().optional(),
        }),
      },
    },
    async (req) => publicUser(auth.updateUser(managerOf(principalOf(req), req.ip), req.params.id, req.body)),
  );

  api.post(
    '/api/v1/users/:id/password',
    {
      config: { access },
      schema: {
        tags,
        summary:
          'Set a new password (or generate one, returned once); the user is logged out everywhere and their API tokens are revoked',
        params: UserIdParams,
        body: z.strictObject({ password: z.string().max(256).optional() }).optional(),
      },
    },
    async (req) => {
      const r = await auth.resetPassword(
        managerOf(principalOf(req), req.ip),
        req.params.id,
        req.body?.password,
      );
      return { password: r.generatedPassword, revokedTokens: r.revokedTokens };
    },
  );

  api.post(
    '/api/v1/users/:id/unlock',
    {
      config: { access },
      schema: {
        tags,
        summary: "Lift the login throttles of the user's name, from every address",
        params: UserIdParams,
      },
    },
    async (req) => {
      auth.unlock(managerOf(principalOf(req), req.ip), req.params.id);
      return publicUser(auth.users.get(req.params.id)!);
    },
  );

  api.delete(
    '/api/v1/users/:id',
    {
      config: { access },
      schema: { tags, summary: 'Remove a user (the audit log keeps their name)', params: UserIdParams },
    },
    async (req, reply) => {
      const p = principalOf(req);
      auth.deleteUser(managerOf(p, req.ip), req.params.id, p);
      return reply.code(204).send();
    },
  );

  api.get(
    '/api/v1/users/:id/tokens',
    { config: { access }, schema: { tags, summary: "A user's API tokens", params: UserIdParams } },
    async (req) => {
      const user = auth.users.get(req.params.id);
      if (!user) throw notFound('user', req.params.id);
      return auth.tokens.list(user.id).map((t) => publicToken(t, user.username));
    },
  );
}
