import type { FastifyInstance } from 'fastify';
import type { HubServices } from '../services.js';

export async function deviceRoutes(app: FastifyInstance, s: HubServices): Promise<void> {
  app.get(
    '/api/v1/devices',
    {
      schema: {
        tags: ['devices'],
        summary: 'Links (connections) and devices: state, last error, counters, malformed messages per topic',
      },
    },
    async () => ({
      links: s.supervisor.linkHealth(),
      devices: s.supervisor
        .deviceHealth()
        .map((d) => ({ ...d, name: s.site.deviceById.get(d.deviceId)?.name })),
      pipeline: s.pipeline.counters,
    }),
  );
}
