import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { createMetrics, type MetricSources } from './metrics.js';

export interface HealthRouteServices extends MetricSources {
  siteId: string;
  clock: Clock;
  startedAt: number;
}

export async function healthRoutes(app: FastifyInstance, s: HealthRouteServices): Promise<void> {
  const metrics = createMetrics(s);

  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Alive' } },
    async () => ({
      status: 'ok',
      uptimeS: Math.round((s.clock.now() - s.startedAt) / 1000),
    }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'Ready: config loaded, links started' },
    },
    async (_req, reply) => {
      const links = s.supervisor.linkHealth();
      const ready = links.every((l) => l.state === 'up');
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'starting',
        site: s.siteId,
        links: links.map((l) => ({ linkId: l.linkId, state: l.state })),
      });
    },
  );

  app.get(
    '/metrics',
    { config: { access: 'site:read' }, schema: { tags: ['health'], summary: 'Prometheus metrics' } },
    async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );
}
