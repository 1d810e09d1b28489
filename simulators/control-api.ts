import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GarbageKind, SimulatedMqttDevice } from './mqtt-devices.js';

const GARBAGE_KINDS = ['not-json', 'wrong-type', 'nan', 'oversize', 'no-fields'] as const;

/**
 * Fault injection over HTTP, for demos and tests:
 *   GET  /devices                         status of every simulated device
 *   POST /devices/:id/stop | /start       power a device off / on
 *   POST /devices/:id/freeze | /unfreeze  stick its values
 *   POST /devices/:id/garbage?kind=not-json&count=5
 */
export function buildControlApi(devices: Map<string, SimulatedMqttDevice>): FastifyInstance {
  const app = Fastify();
  const device = (id: string) => {
    const d = devices.get(id);
    if (!d) throw Object.assign(new Error(`no simulated device "${id}"`), { statusCode: 404 });
    return d;
  };
  app.get('/devices', async () => [...devices.values()].map((d) => d.status));
  app.post<{ Params: { id: string } }>('/devices/:id/stop', async (req) => {
    await device(req.params.id).stop();
    return device(req.params.id).status;
  });
  app.post<{ Params: { id: string } }>('/devices/:id/start', async (req) => {
    device(req.params.id).start();
    return device(req.params.id).status;
  });
  app.post<{ Params: { id: string } }>('/devices/:id/freeze', async (req) => {
    device(req.params.id).freeze(true);
    return device(req.params.id).status;
  });
  app.post<{ Params: { id: string } }>('/devices/:id/unfreeze', async (req) => {
    device(req.params.id).freeze(false);
    return device(req.params.id).status;
  });
  const GarbageQuery = z.object({
    kind: z.enum(GARBAGE_KINDS).default('not-json'),
    count: z.coerce.number().int().min(1).max(10_000).default(1),
  });
  app.post<{ Params: { id: string }; Querystring: unknown }>('/devices/:id/garbage', async (req, reply) => {
    const q = GarbageQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: q.error.issues.map((i) => i.message).join('; ') });
    const sent = device(req.params.id).sendGarbage(q.data.kind as GarbageKind, q.data.count);
    return { sent };
  });
  return app;
}
