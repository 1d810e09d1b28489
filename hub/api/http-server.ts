import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Server as TlsServer } from 'node:tls';
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
import type { HttpsCertificate } from '../tls/https-certificate.js';
import { installAccessControl, type RouteAccess } from './access.js';
import { HttpProblem, registerProblemHandlers } from './problem.js';

/**
 * The HTTP server before any route: zod schemas, problem+json for every error, the access check (so every
 * route registered after it must declare its access), security headers, rate limits, OpenAPI. With `tls`, it
 * is an HTTPS server (the certificate swapped on reload) that sends Strict-Transport-Security.
 */
export async function createHttpServer(o: {
  site: SiteModel;
  log: Logger;
  auth: AuthService;
  audit: AuditLog;
  tls?: HttpsCertificate;
}): Promise<{ http: FastifyInstance; routes: RouteAccess[] }> {
  const { site, log, auth, audit, tls } = o;
  const options = {
    // Request lines are info; the hub logs what goes wrong, not every dashboard poll.
    loggerInstance: log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: site.hub.http.bodyLimitBytes,
    trustProxy: site.hub.http.trustProxy,
  };
  // socket.io (hub/live) attaches to this same server, so it is served over wss with it
  const http = tls
    ? (Fastify({ ...options, https: tls.serverOptions }) as unknown as FastifyInstance)
    : Fastify(options);
  if (tls) tls.attach(http.server as unknown as TlsServer);
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
    // Only with the hub's own TLS (a TLS proxy in front sends its own, if it wants one).
    hsts: tls
      ? {
          maxAge: tls.settings.hsts.maxAgeS,
          includeSubDomains: tls.settings.hsts.includeSubDomains,
          preload: false,
        }
      : false,
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
        'control',
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
