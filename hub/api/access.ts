import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActingPerson, Permission } from '../../core/actor.js';
import { forbidden } from '../../core/errors.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { type AuthService, actorOf, type Principal } from '../../platform/security/auth-service.js';
import { safeEqual } from '../../platform/security/secrets.js';
import { unauthorized } from './problem.js';

/**
 * What a route needs: 'public' (anyone), 'authenticated' (any logged-in user or token), or a permission
 * (any of a list). Every route declares one in `config.access`; registering a route without it throws, so
 * a forgotten rule fails at start and in the tests, never silently in production.
 */
export type Access = 'public' | 'authenticated' | Permission | readonly Permission[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

/** Routes that plugins register (the dashboard's files, the OpenAPI viewer): public documents. */
function pluginRouteAccess(url: string): Access | undefined {
  if (url === '/' || url === '/*' || url === '/api/docs' || url.startsWith('/api/docs/')) return 'public';
  return undefined;
}

function allows(p: Principal, access: Exclude<Access, 'public' | 'authenticated'>): boolean {
  return typeof access === 'string' ? p.permissions.has(access) : access.some((a) => p.permissions.has(a));
}

/** The person behind a request that passed the access check. */
export function personOf(req: FastifyRequest): ActingPerson {
  const p = principalOf(req);
  return {
    username: p.user.username,
    permissions: p.permissions,
    via: p.via,
    ip: req.ip,
    tokenId: p.token?.id,
  };
}

/** The principal of a request that passed the access check (routes that are not public). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized('not logged in');
  return req.principal;
}

/** Install the access check on every route registered after this call; returns the live route table. */
export function installAccessControl(
  app: FastifyInstance,
  auth: AuthService,
  audit: AuditLog,
): RouteAccess[] {
  const table: RouteAccess[] = [];
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route) => {
    const access = route.config?.access ?? pluginRouteAccess(route.url);
    const methods = ([] as string[]).concat(route.method);
    if (!access)
      throw new Error(`route ${methods.join(',')} ${route.url} declares no access rule (config.access)`);
    for (const method of methods) if (method !== 'HEAD') table.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (url === undefined) return; // no such route: the not-found handler answers
    const access = req.routeOptions.config.access ?? pluginRouteAccess(url);
    if (access === 'public') return;
    const p = auth.authenticate(req.headers);
    if (!p) {
      reply.header('www-authenticate', 'Bearer realm="facility-hub"');
      throw unauthorized('log in, or send an API token as "Authorization: Bearer <token>"');
    }
    req.principal = p;
    const unsafe = UNSAFE.has(req.method);
    if (unsafe && p.via === 'session') {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, p.session!.csrfToken))
        throw forbidden(`missing or wrong ${CSRF_HEADER} header (read it from GET /api/v1/auth/session)`);
    }
    if (access === 'authenticated' || (access && allows(p, access))) return;
    const needed = typeof access === 'string' ? access : (access?.join(' or ') ?? 'a rule');
    if (unsafe)
      audit.record(actorOf(p, req.ip), {
        action: 'access.denied',
        target: `${req.method} ${url}`,
        outcome: 'denied',
        detail: `needs ${needed}`,
      });
    throw forbidden(
      `needs the permission ${needed}; ${p.user.username} has ${[...p.permissions].join(', ') || 'none'}`,
    );
  });

  return table;
}
