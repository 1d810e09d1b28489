import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MalformedKind } from './bacnet-frames.js';
import { type BacnetSimulation, reliabilityOf } from './bacnet-simulation.js';
import type { GateSimulation } from './gate-controllers.js';
import { gateRoutes } from './gate-routes.js';
import type { ModbusSimulation, SimulatedModbusDevice } from './modbus-devices.js';
import type { GarbageKind, SimulatedMqttDevice } from './mqtt-devices.js';
import type { OpcuaSimulation } from './opcua-servers.js';
import { installSameSiteGuard } from './same-site-guard.js';

const GARBAGE_KINDS = ['not-json', 'wrong-type', 'nan', 'oversize', 'no-fields'] as const;
const BACNET_GARBAGE_KINDS = [
  'truncated',
  'bad-length',
  'bad-pdu-type',
  'not-bacnet',
] as const satisfies readonly MalformedKind[];

/**
 * Fault injection over HTTP, for demos and tests:
 *   GET  /devices                         status of every simulated device (MQTT, Modbus and BACnet)
 *   POST /devices/:id/stop | /start       power a device off / on (a Modbus unit stops answering; its
 *                                         port stops accepting connections when no unit behind it is on;
 *                                         a BACnet device falls silent, its port still bound, or answers again)
 *   POST /devices/:id/freeze | /unfreeze  stick its values (BACnet: the model stands still)
 *   POST /devices/:id/garbage?kind=not-json&count=5   MQTT: publish bad messages
 *   POST /devices/:id/garbage?count=5     Modbus: the next reads return random register values
 *   POST /devices/:id/garbage?kind=truncated&count=5  BACnet: broken datagrams (truncated, bad-length,
 *                                         bad-pdu-type, not-bacnet) to whoever talked to it in the last minute
 *   POST /devices/:id/slow?ms=2000        Modbus, BACnet: answer late (ms=0 restores)
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
 *   POST /ticks?on=false|true             stop / restart time in the models, OPC UA and BACnet (nothing
 *                                         changes while stopped)
 * BACnet (404 for an unknown device or object; an object is `analog-input:1`, `binary-value:1` …):
 *   GET  /bacnet                          status of each simulated device (address, answering, COV, APDU,
 *                                         subscriptions, the peers that talked to it, service counts)
 *   GET  /bacnet/:device/objects          each object: present value, the priorities set, health
 *   POST /bacnet/:device/objects/:object/fault?reliability=no-sensor&outOfService=true&inAlarm=true&overridden=true
 *                                         the object's health, any of the four (reliability=no-fault-detected
 *                                         and false clear); a reliability other than no-fault-detected sets the
 *                                         fault flag
 *   POST /bacnet/:device/objects/:object/value?value=12.5   an input's value (held while it is out of
 *                                         service, else the model moves on), a commandable object's at
 *                                         priority 16 (value=null relinquishes it)
 *   POST /bacnet/:device/cov?on=false|true        SubscribeCOV rejected from now on / taken again
 *   POST /bacnet/:device/drop-subscriptions       forget its COV subscriptions (a restarted controller)
 *   POST /bacnet/:device/max-apdu?octets=128      a smaller max APDU: longer answers become an Abort
 * Gate controllers (the visitor gate protocol): GET /gates, POST /gates/:id/scan | door | tailgate | offline |
 * online, POST /gates/visitors, POST /gates/traffic — see gate-routes.ts.
 *
 * No login: it answers only to loopback names, the address it was reached on and `host` (where it listens),
 * and refuses what a browser marks cross-site (same-site-guard.ts).
 */
export function buildControlApi(
  devices: Map<string, SimulatedMqttDevice>,
  modbus?: ModbusSimulation,
  opcua?: OpcuaSimulation,
  gates?: GateSimulation,
  bacnet?: BacnetSimulation,
  opts: { host?: string } = {},
): FastifyInstance {
  const app = Fastify();
  installSameSiteGuard(app, opts.host);
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
    const other = devices.has(id) ? 'an MQTT' : bacnet?.devices.has(id) ? 'a BACnet' : undefined;
    if (other)
      throw Object.assign(new Error(`"${id}" is ${other} device; this fault is for Modbus devices`), {
        statusCode: 400,
      });
    throw notFound(id);
  };
  const isBacnet = (id: string) => bacnet?.devices.has(id) === true;
  const badQuery = (issues: z.core.$ZodIssue[]) => ({
    error: issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
  });

  app.get('/devices', async () => [
    ...[...devices.values()].map((d) => ({ protocol: 'mqtt', ...d.status })),
    ...[...(modbus?.devices.values() ?? [])].map((d) => d.status),
    ...[...(bacnet?.devices.keys() ?? [])].map((id) => bacnet!.status(id)),
  ]);
  app.post<{ Params: { id: string } }>('/devices/:id/stop', async (req) => {
    const { id } = req.params;
    if (isBacnet(id)) return bacnet!.setAnswering(id, false);
    if (modbus?.devices.has(id)) {
      await modbus.setOnline(id, false);
      return modbusDevice(id).status;
    }
    await device(id).stop();
    return device(id).status;
  });
  app.post<{ Params: { id: string } }>('/devices/:id/start', async (req) => {
    const { id } = req.params;
    if (isBacnet(id)) return bacnet!.setAnswering(id, true);
    if (modbus?.devices.has(id)) {
      await modbus.setOnline(id, true);
      return modbusDevice(id).status;
    }
    device(id).start();
    return device(id).status;
  });
  const freeze = (on: boolean) => async (req: { params: { id: string } }) => {
    const { id } = req.params;
    if (isBacnet(id)) return bacnet!.freeze(id, on);
    const d = modbus?.devices.get(id) ?? device(id);
    d.freeze(on);
    return d.status;
  };
  app.post<{ Params: { id: string } }>('/devices/:id/freeze', freeze(true));
  app.post<{ Params: { id: string } }>('/devices/:id/unfreeze', freeze(false));

  const count = z.coerce.number().int().min(1).max(10_000).default(1);
  const GarbageQuery = z.object({ kind: z.enum(GARBAGE_KINDS).default('not-json'), count });
  const BacnetGarbageQuery = z.object({ kind: z.enum(BACNET_GARBAGE_KINDS).default('truncated'), count });
  app.post<{ Params: { id: string }; Querystring: unknown }>('/devices/:id/garbage', async (req, reply) => {
    if (isBacnet(req.params.id)) {
      const q = BacnetGarbageQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
      return bacnet!.garbage(req.params.id, q.data.kind, q.data.count);
    }
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
    const q = SlowQuery.safeParse(req.query);
    if (isBacnet(req.params.id)) {
      if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
      return bacnet!.slow(req.params.id, q.data.ms);
    }
    const d = modbusDevice(req.params.id);
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
  if (bacnet) bacnetRoutes(app, bacnet, badQuery);
  if (opcua || bacnet)
    postRoute(app, badQuery)('/ticks', z.object({ on: bool.default(true) }), (_, q) => {
      if (opcua) opcua.paused = !q.on;
      if (bacnet) bacnet.paused = !q.on;
      return { ticking: q.on, ticks: opcua?.ticks ?? 0, ...(bacnet && { bacnetTicks: bacnet.ticks }) };
    });
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

/** A POST route: validate the query, then run the fault; the simulation's errors carry their HTTP status. */
const postRoute =
  (app: FastifyInstance, badQuery: BadQuery) =>
  <S extends z.ZodType>(
    path: string,
    schema: S,
    run: (params: Record<string, string>, q: z.output<S>) => unknown,
  ) =>
    app.post<{ Params: Record<string, string>; Querystring: unknown }>(path, async (req, reply) => {
      const q = schema.safeParse(req.query);
      if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
      return run(req.params, q.data);
    });

function bacnetRoutes(app: FastifyInstance, bacnet: BacnetSimulation, badQuery: BadQuery): void {
  const route = postRoute(app, badQuery);
  const reliability = z.string().transform((name, ctx) => {
    const r = reliabilityOf(name);
    if (r === undefined)
      ctx.addIssue({ code: 'custom', message: 'expected a BACnet reliability such as no-sensor' });
    return r ?? 0;
  });
  app.get('/bacnet', async () => [...bacnet.devices.keys()].map((id) => bacnet.status(id)));
  app.get<{ Params: { device: string } }>('/bacnet/:device/objects', async (req) =>
    bacnet.objects(req.params.device),
  );
  route(
    '/bacnet/:device/objects/:object/fault',
    z
      .object({
        reliability: reliability.optional(),
        outOfService: bool.optional(),
        inAlarm: bool.optional(),
        overridden: bool.optional(),
      })
      .refine((q) => Object.values(q).some((v) => v !== undefined), {
        error: 'give reliability, outOfService, inAlarm or overridden',
      }),
    ({ device, object }, q) =>
      bacnet.fault(
        device!,
        object!,
        Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)),
      ),
  );
  route(
    '/bacnet/:device/objects/:object/value',
    z.object({ value: z.union([z.literal('null').transform(() => null), finite]) }),
    ({ device, object }, q) => bacnet.setValue(device!, object!, q.value),
  );
  route('/bacnet/:device/cov', z.object({ on: bool.default(true) }), ({ device }, q) =>
    bacnet.setCov(device!, q.on),
  );
  route('/bacnet/:device/drop-subscriptions', z.object({}), ({ device }) =>
    bacnet.dropSubscriptions(device!),
  );
  route('/bacnet/:device/max-apdu', z.object({ octets: z.coerce.number().int() }), ({ device }, q) =>
    bacnet.setMaxApdu(device!, q.octets),
  );
}

function opcuaRoutes(app: FastifyInstance, opcua: OpcuaSimulation, badQuery: BadQuery): void {
  const route = postRoute(app, badQuery);
  const pointStatus = (asset: string, point: string) => ({
    asset,
    point,
    value: opcua.model(asset).value(point),
    status: opcua.model(asset).status(point),
  });

  route('/opcua/:device/expire-sessions', z.object({}), ({ device }) => ({
    expired: opcua.server(device!).expireSessions(),
  }));
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
