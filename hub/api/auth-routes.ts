import { stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '../../core/actor.js';
import type { AuthSettings } from '../../core/config/site-schema.js';
import {
  type AuthService,
  type Principal,
  publicUser,
  SESSION_COOKIE,
} from '../../platform/security/auth-service.js';
import { addressKey } from '../../platform/security/login-guard.js';
import { ROLE_PERMISSIONS, ROLE_TEXT, ROLES } from '../../platform/security/roles.js';
import { principalOf } from './access.js';
import { HttpProblem } from './problem.js';

const Credentials = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

function sessionCookie(req: FastifyRequest, value: string, maxAgeS: number): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value,
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: req.protocol === 'https',
    maxAge: maxAgeS,
  });
}

function describeSession(p: Principal) {
  return {
    user: publicUser(p.user),
    via: p.via,
    permissions: [...p.permissions],
    /** Send it back as the X-CSRF-Token header on every POST, PATCH, PUT and DELETE. */
    csrfToken: p.session?.csrfToken,
    expiresAt: p.session?.expiresAt ?? p.token?.expiresAt ?? null,
  };
}

export interface AuthRouteServices {
  auth: AuthService;
  /** hub.auth of the site file: login rate, session length. */
  limits: AuthSettings;
}

export async function authRoutes(app: FastifyInstance, s: AuthRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { auth, limits } = s;

  api.post(
    '/api/v1/auth/login',
    {
      config: {
        access: 'public',
        // every attempt from an address, whatever the name (password spraying); IPv6 counted by its /64
        rateLimit: {
          max: limits.loginAttemptsPerMinute,
          timeWindow: 60_000,
          keyGenerator: (req) => addressKey(req.ip),
        },
      },
      schema: {
        tags: ['auth'],
        summary:
          'Log in: sets an http-only session cookie and returns the CSRF token. Repeated failures for a name from one address make that pair wait (429 with Retry-After)',
        body: Credentials,
      },
    },
    async (req, reply) => {
      const result = await auth.login(req.body.username, req.body.password, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      });
      if (!result.ok && result.reason === 'throttled') {
        const retryS = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
        reply.header('retry-after', String(retryS));
        throw new HttpProblem(
          429,
          'Too Many Requests',
          `too many failed logins for this name from this address; try again in ${retryS} s`,
        );
      }
      if (!result.ok) throw new HttpProblem(401, 'Unauthorized', 'wrong username or password');
      reply.header('set-cookie', sessionCookie(req, result.cookieValue, limits.sessionMaxHours * 3600));
      return describeSession(auth.authenticate({ cookie: `${SESSION_COOKIE}=${result.cookieValue}` })!);
    },
  );

  api.post(
    '/api/v1/auth/logout',
    { config: { access: 'authenticated' }, schema: { tags: ['auth'], summary: 'End this session' } },
    async (req, reply) => {
      auth.logout(principalOf(req), req.ip);
      reply.header('set-cookie', sessionCookie(req, '', 0));
      return reply.code(204).send();
    },
  );

  api.get(
    '/api/v1/auth/session',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'Who is logged in, their permissions and the CSRF token' },
    },
    async (req) => describeSession(principalOf(req)),
  );

  api.post(
    '/api/v1/auth/password',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          "Change one's own password; other sessions end, and with revokeTokens the API tokens are revoked too",
        body: z.strictObject({
          currentPassword: z.string().max(256),
          newPassword: z.string().max(256),
          revokeTokens: z.boolean().optional().describe('also revoke every API token of yours'),
        }),
      },
    },
    async (req, reply) => {
      const { currentPassword, newPassword, revokeTokens } = req.body;
      const change = { current: currentPassword, next: newPassword, revokeTokens };
      await auth.changeOwnPassword(principalOf(req), change, req.ip);
      return reply.code(204).send();
    },
  );

  api.get(
    '/api/v1/auth/roles',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'The roles, what each may do, and every permission' },
    },
    async () => ({
      roles: ROLES.map((r) => ({ role: r, description: ROLE_TEXT[r], permissions: ROLE_PERMISSIONS[r] })),
      permissions: PERMISSIONS,
    }),
  );
}
