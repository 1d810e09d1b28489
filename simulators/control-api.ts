import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ModbusSimulation, SimulatedModbusDevice } from './modbus-devices.js';
import type { GarbageKind, SimulatedMqttDevice } from './mqtt-devices.js';

const GARBAGE_KINDS = ['not-json', 'wrong-type', 'nan', 'oversize', 'no-fields'] as const;

/**
 * Fault injection over HTTP, for demos and tests:
 *   GET  /devices                         status of every simulated device (MQTT and Modbus)
 *   POST /devices/:id/stop | /start       power a device off / on (a Modbus unit stops answering; its
 *                                         port stops accepting connections when no unit behind it is on)
 *   POST /devices/:id/freeze | /unfreeze  stick its values
 *   POST /devices/:id/garbage?kind=not-json&count=5   MQTT: publish bad messages
 *   POST /devices/:id/garbage?count=5     Modbus: the next reads return random register values
 *   POST /devices/:id/slow?ms=2000        Modbus: answer late (ms=0 restores)
 *   POST /devices/:id/exception?code=2&register=0x0034   Modbus: answer reads covering the register (all
 *                                         reads without register) with that exception code (code=0 clears)
 *   POST /devices/:id/reset-counter       Modbus: the energy/volume counter restarts at 0 (a replaced meter)
 */
export function buildControlApi(
  devices: Map<string, SimulatedMqttDevice>,
  modbus?: ModbusSimulation,
): FastifyInstance {
  const app = Fastify();
  const notFound = (id: string) =>
    Object.assign(new Error(`no simulated device "${id}"`), { statusCode: 404 });
  const device = (id: string) => {
    const d = devices.get(id);
    if (!d) throw notFound(id);
    return d;
  };
  const modbusDevice = (id: string): SimulatedModbusDevice => {
    const d = modbus?.devices.get(id);
    if (d) return d;
    if (devices.has(id))
      throw Object.assign(new Error(`"${id}" is an MQTT device; this fault is for Modbus devices`), {
        statusCode: 400,
      });
    throw notFound(id);
  };
  const badQuery = (issues: z.core.$ZodIssue[]) => ({
    error: issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
  });

  app.get('/devices', async () => [
    ...[...devices.values()].map((d) => ({ protocol: 'mqtt', ...d.status })),
    ...[...(modbus?.devices.values() ?? [])].map((d) => d.status),
  ]);
  app.post<{ Params: { id: string } }>('/devices/:id/stop', async (req) => {
    const { id } = req.params;
    if (modbus?.devices.has(id)) {
      await modbus.setOnline(id, false);
      return modbusDevice(id).status;
    }
    await device(id).stop();
    return device(id).status;
  });
  app.post<{ Params: { id: string } }>('/devices/:id/start', async (req) => {
    const { id } = req.params;
    if (modbus?.devices.has(id)) {
      await modbus.setOnline(id, true);
      return modbusDevice(id).status;
    }
    device(id).start();
    return device(id).status;
  });
  const freeze = (on: boolean) => async (req: { params: { id: string } }) => {
    const { id } = req.params;
    const d = modbus?.devices.get(id) ?? device(id);
    d.freeze(on);
    return d.status;
  };
  app.post<{ Params: { id: string } }>('/devices/:id/freeze', freeze(true));
  app.post<{ Params: { id: string } }>('/devices/:id/unfreeze', freeze(false));

  const GarbageQuery = z.object({
    kind: z.enum(GARBAGE_KINDS).default('not-json'),
    count: z.coerce.number().int().min(1).max(10_000).default(1),
  });
  app.post<{ Params: { id: string }; Querystring: unknown }>('/devices/:id/garbage', async (req, reply) => {
    const q = GarbageQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    const m = modbus?.devices.get(req.params.id);
    if (m) {
      m.garbage(q.data.count);
      return { armed: q.data.count, pending: m.status.garbagePending };
    }
    const sent = device(req.params.id).sendGarbage(q.data.kind as GarbageKind, q.data.count);
    return { sent };
  });

  const SlowQuery = z.object({ ms: z.coerce.number().int().min(0).max(600_000) });
  app.post<{ Params: { id: string }; Querystring: unknown }>('/devices/:id/slow', async (req, reply) => {
    const d = modbusDevice(req.params.id);
    const q = SlowQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    d.slow(q.data.ms);
    return d.status;
  });

  /** 52 or 0x34 */
  const address = z
    .string()
    .regex(/^(0x[0-9a-f]{1,4}|\d{1,5})$/i, { error: 'expected an address, decimal or 0x hex' })
    .transform(Number)
    .refine((n) => n <= 0xffff, { error: 'expected an address 0–65535' });
  const ExceptionQuery = z.object({
    code: z.coerce.number().int().min(0).max(255),
    register: address.optional(),
  });
  app.post<{ Params: { id: string }; Querystring: unknown }>('/devices/:id/exception', async (req, reply) => {
    const d = modbusDevice(req.params.id);
    const q = ExceptionQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    d.setException(q.data.code, q.data.register);
    return d.status;
  });

  app.post<{ Params: { id: string } }>('/devices/:id/reset-counter', async (req, reply) => {
    const d = modbusDevice(req.params.id);
    if (!d.resetCounter())
      return reply.code(400).send({ error: `"${req.params.id}" has no energy or volume counter` });
    return d.status;
  });
  return app;
}
