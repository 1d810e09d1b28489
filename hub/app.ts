import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { adapterFactories } from '../adapters/index.js';
import type { AdapterFactory } from '../adapters/types.js';
import { deviceRoutes } from './api/device-routes.js';
import { healthRoutes } from './api/health-routes.js';
import { registerProblemHandlers } from './api/problem.js';
import { siteRoutes } from './api/site-routes.js';
import { EventBus } from './bus.js';
import { type Clock, systemClock } from './clock.js';
import { LatestValues } from './latest/latest-values.js';
import { LiveGateway } from './live/live-gateway.js';
import { createLogger, type Logger } from './logger.js';
import type { SiteModel } from './model/site-model.js';
import { Pipeline } from './pipeline/pipeline.js';
import type { HubServices } from './services.js';
import type { BackoffOptions } from './supervisor/backoff.js';
import { Supervisor } from './supervisor/supervisor.js';

export interface HubOptions {
  site: SiteModel;
  log?: Logger;
  clock?: Clock;
  factories?: ReadonlyMap<string, AdapterFactory>;
  backoff?: BackoffOptions;
  /** Serve the live gateway (socket.io); off for tests that only inject HTTP. */
  live?: boolean;
}

export interface Hub extends HubServices {
  http: FastifyInstance;
  log: Logger;
  /** Listen on HTTP and connect every link. Returns the dashboard URL. */
  start(): Promise<string>;
  /** Close links, then the HTTP server; flushes the pipeline. */
  stop(): Promise<void>;
}

/** Wire the hub together. No side effects until start(). */
export async function buildHub(opts: HubOptions): Promise<Hub> {
  const { site } = opts;
  const log = opts.log ?? createLogger(site.hub.logLevel);
  const clock = opts.clock ?? systemClock;
  const bus = new EventBus(log.child({ component: 'bus' }));
  const pipeline = new Pipeline(site, bus, clock, log.child({ component: 'pipeline' }));
  const latest = new LatestValues(site, bus);
  const supervisor = new Supervisor({
    site,
    factories: opts.factories ?? adapterFactories,
    bus,
    clock,
    log: log.child({ component: 'supervisor' }),
    publish: pipeline.ingest,
    backoff: opts.backoff,
  });
  const services: HubServices = { site, bus, clock, pipeline, latest, supervisor, startedAt: clock.now() };

  const http = Fastify({
    // Request lines are info; the hub logs what goes wrong, not every dashboard poll.
    loggerInstance: log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  http.setValidatorCompiler(validatorCompiler);
  http.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(http);
  await http.register(fastifySwagger, {
    openapi: {
      info: { title: 'Facility hub API', version: '1' },
      tags: [{ name: 'health' }, { name: 'site' }, { name: 'points' }, { name: 'devices' }],
    },
    transform: jsonSchemaTransform,
  });
  await http.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  await http.register(async (app) => healthRoutes(app, services));
  await http.register(async (app) => siteRoutes(app, services));
  await http.register(async (app) => deviceRoutes(app, services));
  await http.register(fastifyStatic, { root: dashboardDir(), index: 'index.html' });
  if (opts.live !== false)
    services.live = new LiveGateway(http.server, services, log.child({ component: 'live' }));

  return {
    ...services,
    get live() {
      return services.live;
    },
    http,
    log,
    async start() {
      pipeline.startStaleness();
      supervisor.start();
      const { host, port } = site.hub.http;
      const address = await http.listen({ host, port });
      const url = new URL(address);
      if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
      log.info({ url: url.href }, 'hub started');
      return url.href;
    },
    async stop() {
      await supervisor.stop();
      pipeline.stop();
      await services.live?.close();
      await http.close();
      log.info('hub stopped');
    },
  };
}

function dashboardDir(): string {
  for (const rel of ['../dashboard/public/', '../../dashboard/public/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('dashboard/public not found');
}
