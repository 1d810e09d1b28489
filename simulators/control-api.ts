import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GateSimulation } from './gate-controllers.js';
import { gateRoutes } from './gate-routes.js';
import type { ModbusSimulation, SimulatedModbusDevice } from './modbus-devices.js';
import type { GarbageKind, SimulatedMqttDevice } from './mqtt-devices.js';
import type { OpcuaSimulation } from './opcua-servers.js';

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
 * OPC UA (404 for an unknown device, asset or point; a point is an asset's point name):
 *   GET  /opcua                           status of each server (endpoint, running, namespaces, ticks,
 *                                         values changed, data-change notifications sent)
 *   POST /opcua/:device/restart?downMs=2000&shiftNamespaces=true   shut the server down, stay down downMs,
 *                                         start again (shiftNamespaces: its namespaces get other indexes)
 *   POST /points/:asset/:point/stuck?on=true|false    freeze the value / release it
 *   POST /points/:asset/:point/drift?perHour=2        add units per hour to the value (0 clears)
 *   POST /points/:asset/:point/status?code=BadSensorFailure   serve the value with that status (Good clears)
 *   POST /assets/:asset/fault?code=101                the asset's fault_code (0 clears); a chiller or pump stops
 *   POST /assets/:asset/filter-clogging?paPerHour=200 AHU: the filter's pressure drop rises (0 clears)
 *   POST /assets/:asset/vibration-rise?mmsPerHour=5   pump: its vibration rises (0 clears)
 *   POST /opcua/:device/expire-sessions   the server ends its sessions as timed out (its sockets stay open)
 *   POST /ticks?on=false|true             stop / restart time in the models (nothing changes while stopped)
 * Gate controllers (the visitor gate protocol): GET /gates, POST /gates/:id/scan | door | tailgate | offline |
 * online, POST /gates/visitors, POST /gates/traffic — see gate-routes.ts.
 */
export function buildControlApi(
  devices: Map<string, SimulatedMqttDevice>,
  modbus?: ModbusSimulation,
  opcua?: OpcuaSimulation,
  gates?: GateSimulation,
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

  if (opcua) opcuaRoutes(app, opcua, badQuery);
  if (gates) gateRoutes(app, gates, badQuery);

  app.post<{ Params: { id: string } }>('/devices/:id/reset-counter', async (req, reply) => {
    const d = modbusDevice(req.params.id);
    if (!d.resetCounter())
      return reply.code(400).send({ error: `"${req.params.id}" has no energy or volume counter` });
    return d.status;
  });
  return app;
}

type BadQuery = (issues: z.core.$ZodIssue[]) => { error: string };

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const finite = z.coerce.number().refine(Number.isFinite, { error: 'expected a number' });

function opcuaRoutes(app: FastifyInstance, opcua: OpcuaSimulation, badQuery: BadQuery): void {
  /** Validate the query, then run the fault; the simulation's errors carry their HTTP status. */
  const route = <S extends z.ZodType>(
    path: string,
    schema: S,
    run: (params: Record<string, string>, q: z.output<S>) => unknown,
  ) =>
    app.post<{ Params: Record<string, string>; Querystring: unknown }>(path, async (req, reply) => {
      const q = schema.safeParse(req.query);
      if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
      return run(req.params, q.data);
    });
  const pointStatus = (asset: string, point: string) => ({
    asset,
    point,
    value: opcua.model(asset).value(point),
    status: opcua.model(asset).status(point),
  });

  route('/opcua/:device/expire-sessions', z.object({}), ({ device }) => ({
    expired: opcua.server(device!).expireSessions(),
  }));
  route('/ticks', z.object({ on: bool.default(true) }), (_, q) => {
    opcua.paused = !q.on;
    return { ticking: q.on, ticks: opcua.ticks };
  });
  app.get('/opcua', async () =>
    [...opcua.servers.values()].map((s) => ({ ...s.status, ticks: opcua.ticks })),
  );
  route(
    '/opcua/:device/restart',
    z.object({
      downMs: z.coerce.number().int().min(0).max(600_000).default(0),
      shiftNamespaces: bool.default(false),
    }),
    async ({ device }, q) => {
      await opcua.restart(device!, q);
      return { ...opcua.server(device!).status, ticks: opcua.ticks };
    },
  );
  route('/points/:asset/:point/stuck', z.object({ on: bool.default(true) }), ({ asset, point }, q) => {
    opcua.setStuck(asset!, point!, q.on);
    return pointStatus(asset!, point!);
  });
  route('/points/:asset/:point/drift', z.object({ perHour: finite }), ({ asset, point }, q) => {
    opcua.setDrift(asset!, point!, q.perHour);
    return pointStatus(asset!, point!);
  });
  route(
    '/points/:asset/:point/status',
    z.object({
      code: z.string().regex(/^\w+$/, { error: 'expected a status name such as BadSensorFailure' }),
    }),
    ({ asset, point }, q) => {
      opcua.setPointStatus(asset!, point!, q.code);
      return pointStatus(asset!, point!);
    },
  );
  route(
    '/assets/:asset/fault',
    z.object({
      code: z.coerce
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1),
    }),
    ({ asset }, q) => {
      opcua.setFaultCode(asset!, q.code);
      return { asset, faultCode: opcua.model(asset!).faultCode };
    },
  );
  route(
    '/assets/:asset/filter-clogging',
    z.object({ paPerHour: finite.pipe(z.number().min(0)) }),
    ({ asset }, q) => {
      opcua.setFilterClogging(asset!, q.paPerHour);
      return { asset, paPerHour: q.paPerHour };
    },
  );
  route(
    '/assets/:asset/vibration-rise',
    z.object({ mmsPerHour: finite.pipe(z.number().min(0)) }),
    ({ asset }, q) => {
      opcua.setVibrationRise(asset!, q.mmsPerHour);
      return { asset, mmsPerHour: q.mmsPerHour };
    },
  );
}
