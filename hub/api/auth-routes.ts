import { stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { AuthSettings } from '../../core/config/site-schema.js';
import {
  type AuthService,
  type Principal,
  publicUser,
  SESSION_COOKIE,
} from '../../platform/security/auth-service.js';
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
  clock: Clock;
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
        rateLimit: { max: limits.loginAttemptsPerMinute, timeWindow: 60_000 },
      },
      schema: {
        tags: ['auth'],
        summary: 'Log in: sets an http-only session cookie and returns the CSRF token',
        body: Credentials,
      },
    },
    async (req, reply) => {
      const result = await auth.login(req.body.username, req.body.password, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      });
      if (!result.ok && result.reason === 'locked') {
        const retryS = Math.max(1, Math.ceil((result.lockedUntil - s.clock.now()) / 1000));
        reply.header('retry-after', String(retryS));
        throw new HttpProblem(
          423,
          'Locked',
          `too many failed logins: the account is locked until ${new Date(result.lockedUntil).toISOString()}, or until an admin unlocks it`,
          { lockedUntil: result.lockedUntil },
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
        summary: "Change one's own password; other sessions end",
        body: z.strictObject({ currentPassword: z.string().max(256), newPassword: z.string().max(256) }),
      },
    },
    async (req, reply) => {
      await auth.changeOwnPassword(principalOf(req), req.body.currentPassword, req.body.newPassword, req.ip);
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
