import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { AuthService } from '../../platform/security/auth-service.js';
import { installAccessControl, type RouteAccess } from './access.js';
import { HttpProblem, registerProblemHandlers } from './problem.js';

/**
 * The HTTP server before any route: zod schemas, problem+json for every error, the access check (so every
 * route registered after it must declare its access), security headers, rate limits, OpenAPI.
 */
export async function createHttpServer(o: {
  site: SiteModel;
  log: Logger;
  auth: AuthService;
  audit: AuditLog;
}): Promise<{ http: FastifyInstance; routes: RouteAccess[] }> {
  const { site, log, auth, audit } = o;
  const http = Fastify({
    // Request lines are info; the hub logs what goes wrong, not every dashboard poll.
    loggerInstance: log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: site.hub.http.bodyLimitBytes,
    trustProxy: site.hub.http.trustProxy,
  });
  http.setValidatorCompiler(validatorCompiler);
  http.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(http);
  // Before any route: every route registered from here on must declare its access rule.
  const routes = installAccessControl(http, auth, audit);
  await http.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        // The hub is often reached over plain HTTP on a site network: never rewrite its URLs to https.
        upgradeInsecureRequests: null,
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
      },
    },
  });
  await http.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new HttpProblem(429, 'Too Many Requests', `too many attempts; try again in ${ctx.after}`),
  });
  await http.register(fastifySwagger, {
    openapi: {
      info: { title: 'Facility hub API', version: '1' },
      tags: [
        'health',
        'auth',
        'users',
        'audit',
        'site',
        'points',
        'commands',
        'devices',
        'alerts',
        'rules',
        'tickets',
        'visitors',
      ].map((name) => ({
        name,
      })),
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'hub_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await http.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  return { http, routes };
}

/** Serve the built dashboard at /. */
export async function serveDashboard(http: FastifyInstance): Promise<void> {
  await http.register(fastifyStatic, { root: dashboardDir(), index: 'index.html' });
}

/** The built dashboard (`npm run build:dashboard`, which demo, build and the tests run). */
function dashboardDir(): string {
  for (const rel of ['../../dashboard/dist/', '../../../dashboard/dist/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  throw new Error('dashboard/dist not found: build the dashboard first (npm run build:dashboard)');
}
