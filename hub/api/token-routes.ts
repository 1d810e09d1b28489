import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '../../core/actor.js';
import { type AuthService, publicToken } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

export interface TokenRouteServices {
  auth: AuthService;
}

export async function tokenRoutes(app: FastifyInstance, s: TokenRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { auth } = s;
  const tags = ['auth'];

  api.get(
    '/api/v1/tokens',
    { config: { access: 'authenticated' }, schema: { tags, summary: 'Your API tokens' } },
    async (req) => {
      const p = principalOf(req);
      return auth.tokens.list(p.user.id).map((t) => publicToken(t, p.user.username));
    },
  );

  api.post(
    '/api/v1/tokens',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary:
          'Create an API token for an integration (shown once). Scopes default to your permissions and cannot exceed them',
        body: z.strictObject({
          name: z.string().min(1).max(100),
          scopes: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length).optional(),
          expiresInDays: z.int().min(1).max(3650).optional(),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const { token, info } = auth.createToken(p, req.body, req.ip);
      return reply.code(201).send({ token, ...publicToken(info, p.user.username) });
    },
  );

  api.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Revoke a token (yours, or anyone’s with users:manage); it stops working at once',
        params: z.strictObject({ id: z.string().max(64) }),
      },
    },
    async (req) => publicToken(auth.revokeToken(principalOf(req), req.params.id, req.ip)),
  );
}
