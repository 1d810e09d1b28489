import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  DataType,
  type DataValue,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
} from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpcuaDevice } from '../adapters/opcua/opcua-schema.js';
import { type OpcuaPoint, resolveOpcuaPoints } from '../adapters/opcua/points.js';
import type { SiteModel } from '../core/model/site-model.js';
import { loadSiteFile } from '../hub/site-file.js';
import { buildControlApi } from '../simulators/control-api.js';
import { OpcuaSimulation } from '../simulators/opcua-servers.js';
import { freePort } from './services.js';
import { waitFor } from './wait.js';

/** The demo site's OPC UA servers, seen through a plain node-opcua client (not the hub's adapter). */
describe('OPC UA simulators of the demo site', () => {
  let site: SiteModel;
  let sim: OpcuaSimulation;
  let points: Map<string, OpcuaPoint>;
  const clientPki = mkdtempSync(join(tmpdir(), 'opcua-sim-client-pki-'));
  const api = () => buildControlApi(new Map(), undefined, sim);
  const post = async (url: string) => {
    const r = await api().inject({ method: 'POST', url });
    return { code: r.statusCode, body: r.json() as Record<string, unknown> };
  };

  interface Conn {
    session: ClientSession;
    namespaces: string[];
    close(): Promise<void>;
  }
  const open: Conn[] = [];
  const connect = async (
    deviceId: string,
    security: { mode: MessageSecurityMode; policy: SecurityPolicy; userName?: string; password?: string } = {
      mode: MessageSecurityMode.None,
      policy: SecurityPolicy.None,
    },
  ): Promise<Conn> => {
    const client = OPCUAClient.create({
      securityMode: security.mode,
      securityPolicy: security.policy,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0 },
      clientCertificateManager: new OPCUACertificateManager({
        rootFolder: clientPki,
        automaticallyAcceptUnknownCertificate: true,
      }),
    });
    await client.connect(sim.servers.get(deviceId)!.endpointUrl);
    try {
      const session = await client.createSession(
        security.userName
          ? { type: UserTokenType.UserName, userName: security.userName, password: security.password ?? '' }
          : undefined,
      );
      const namespaces = await session.readNamespaceArray();
      const conn = {
        session,
        namespaces,
        async close() {
          await session.close().catch(() => {});
          await client.disconnect();
        },
      };
      open.push(conn);
      return conn;
    } catch (err) {
      await client.disconnect();
      throw err;
    }
  };
  /** A point's node id as this server numbers its namespaces now. */
  const nodeOf = (c: Conn, pointId: string) => {
    const p = points.get(pointId)!;
    return `ns=${c.namespaces.indexOf(p.address.namespaceUri!)};${p.address.idType}=${p.address.id}`;
  };
  const read = (c: Conn, pointId: string, attributeId = AttributeIds.Value): Promise<DataValue> =>
    c.session.read({ nodeId: nodeOf(c, pointId), attributeId });

  beforeAll(async () => {
    site = await loadSiteFile('config/demo-site.yaml', { HUB_LOG_LEVEL: 'silent' });
    points = resolveOpcuaPoints(site).points;
    const ports = new Map<number, number>();
    for (const d of site.devicesOf('opcua') as OpcuaDevice[])
      ports.set(Number(d.endpoint.split(':').pop()), await freePort());
    sim = new OpcuaSimulation(site, { portOf: (p) => ports.get(p)!, users: { hub: 'pw' }, tickMs: 100 });
    await sim.start();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close().catch(() => {})));
    await sim?.stop();
    rmSync(clientPki, { recursive: true, force: true });
  });

  it('serves every OPC UA point of the site at its node, with its browse name and data type', async () => {
    for (const device of site.devicesOf('opcua')) {
      const c = await connect(device.id);
      const mine = [...points.values()].filter((p) => p.device.id === device.id);
      expect(mine.length).toBeGreaterThan(0);
      for (const p of mine) {
        const [name, type, value] = await Promise.all([
          read(c, p.point.id, AttributeIds.BrowseName),
          read(c, p.point.id, AttributeIds.DataType),
          read(c, p.point.id),
        ]);
        expect(name.value.value.name, p.point.id).toBe(p.point.name);
        const expected =
          p.point.type === 'boolean'
            ? DataType.Boolean
            : p.point.type === 'string'
              ? DataType.String
              : p.point.kind === 'state'
                ? DataType.Int32
                : DataType.Double;
        expect(type.value.value.value, p.point.id).toBe(expected);
        expect(value.statusCode, p.point.id).toBe(StatusCodes.Good);
        expect(value.value.dataType, p.point.id).toBe(expected);
      }
      // the assets hang under Objects, by id
      const objects = await c.session.browse({
        nodeId: 'i=85',
        browseDirection: BrowseDirection.Forward,
        resultMask: 63,
      });
      const names = objects.references!.map((r) => r.browseName.name);
      for (const assetId of new Set(mine.map((p) => p.point.assetId))) expect(names).toContain(assetId);
      await c.close();
    }
  });

  it('numbers with min and max are AnalogItems with an EURange', async () => {
    const c = await connect('bms-b1-plant');
    const path = await c.session.translateBrowsePath({
      startingNode: nodeOf(c, 'b1-chiller-1/chw_supply_temp_c'),
      relativePath: {
        elements: [
          {
            referenceTypeId: 'i=46',
            isInverse: false,
            includeSubtypes: true,
            targetName: { name: 'EURange' },
          },
        ],
      },
    });
    const range = await c.session.read({
      nodeId: path.targets![0]!.targetId,
      attributeId: AttributeIds.Value,
    });
    expect(range.value.value).toMatchObject({ low: 0, high: 30 });
    await c.close();
  });

  it('a setpoint write reaches the model, whose supply air then follows it; bad writes are refused', async () => {
    const c = await connect('bms-b1-air');
    const write = (pointId: string, dataType: DataType, value: unknown) =>
      c.session.write({
        nodeId: nodeOf(c, pointId),
        attributeId: AttributeIds.Value,
        value: { value: { dataType, value } },
      });
    expect(await write('b1-ahu-1/supply_air_setpoint_c', DataType.Double, 20)).toBe(StatusCodes.Good);
    expect(await write('b1-ahu-1/supply_air_setpoint_c', DataType.Double, 99)).toBe(
      StatusCodes.BadOutOfRange,
    );
    expect(await write('b1-ahu-1/supply_air_temp_c', DataType.Double, 5)).toBe(StatusCodes.BadNotWritable);
    const model = sim.models.get('b1-ahu-1')!;
    expect(model.value('supply_air_setpoint_c')).toBe(20);
    model.step(15 * 60_000); // 15 minutes of model time
    sim.tick();
    const temp = (await read(c, 'b1-ahu-1/supply_air_temp_c')).value.value as number;
    expect(temp).toBeGreaterThan(19.5);
    expect(temp).toBeLessThan(20.5);
    await c.close();
  });

  it('a subscription sees values change; the server counts its data-change notifications', async () => {
    const c = await connect('bms-b1-plant');
    const before = sim.servers.get('bms-b1-plant')!.status.notifications;
    const sub = await c.session.createSubscription2({
      requestedPublishingInterval: 100,
      requestedMaxKeepAliveCount: 10,
      requestedLifetimeCount: 100,
      publishingEnabled: true,
    });
    const item = await sub.monitor(
      { nodeId: nodeOf(c, 'b1-cw-pump-1/outlet_pressure_kpa'), attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    const seen: number[] = [];
    item.on('changed', (dv: DataValue) => seen.push(dv.value.value as number));
    await waitFor(
      () => new Set(seen).size > 3,
      5_000,
      () => `values seen: ${seen.join(', ')}`,
    );
    expect(new Set(seen).size).toBeGreaterThan(3);
    await sub.terminate();
    expect(sim.servers.get('bms-b1-plant')!.status.notifications - before).toBeGreaterThanOrEqual(
      seen.length,
    );
    await c.close();
  });

  it('a status override is served as the statusCode; stuck, drift and faults go through the control API', async () => {
    const c = await connect('bms-b1-plant');
    expect((await post('/points/b1-chiller-1/cop/status?code=BadSensorFailure')).code).toBe(200);
    expect((await read(c, 'b1-chiller-1/cop')).statusCode).toBe(StatusCodes.BadSensorFailure);
    await post('/points/b1-chiller-1/cop/status?code=UncertainLastUsableValue');
    expect((await read(c, 'b1-chiller-1/cop')).statusCode).toBe(StatusCodes.UncertainLastUsableValue);
    await post('/points/b1-chiller-1/cop/status?code=Good');
    expect((await read(c, 'b1-chiller-1/cop')).statusCode).toBe(StatusCodes.Good);

    expect((await post('/points/b1-chiller-1/cop/status?code=NotAStatus')).code).toBe(400);
    expect((await post('/points/b1-chiller-1/nope/stuck?on=true')).code).toBe(404);
    expect((await post('/points/nope/cop/drift?perHour=1')).code).toBe(404);
    expect((await post('/assets/b1-chiller-1/filter-clogging?paPerHour=10')).code).toBe(400);
    expect((await post('/assets/b1-cw-pump-1/vibration-rise?mmsPerHour=abc')).code).toBe(400);
    expect((await post('/opcua/nope/restart')).code).toBe(404);

    await post('/points/b1-cw-pump-2/current_a/stuck?on=true');
    const stuck = (await read(c, 'b1-cw-pump-2/current_a')).value.value;
    await new Promise((r) => setTimeout(r, 300));
    expect((await read(c, 'b1-cw-pump-2/current_a')).value.value).toBe(stuck);
    await post('/points/b1-cw-pump-2/current_a/stuck?on=false');

    expect((await post('/assets/b1-chiller-2/fault?code=101')).body).toMatchObject({ faultCode: 101 });
    expect((await read(c, 'b1-chiller-2/fault_code')).value.value).toBe(101);
    expect((await read(c, 'b1-chiller-2/running')).value.value).toBe(false);
    await post('/assets/b1-chiller-2/fault?code=0');
    expect((await read(c, 'b1-chiller-2/running')).value.value).toBe(true);
    await c.close();
  });

  it('a restart with shiftNamespaces moves the namespace index; the certificate stays the same', async () => {
    const server = sim.servers.get('bms-b1-plant')!;
    const cert = readFileSync(server.certificateFile, 'utf8');
    const before = (await connect('bms-b1-plant')).namespaces.indexOf('urn:facility-hub:sim:plant');
    await Promise.all(open.splice(0).map((c) => c.close()));
    const restarted = await post('/opcua/bms-b1-plant/restart?downMs=200&shiftNamespaces=true');
    expect(restarted.body).toMatchObject({ running: true });
    const c = await connect('bms-b1-plant');
    const after = c.namespaces.indexOf('urn:facility-hub:sim:plant');
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
    expect((await read(c, 'b1-chiller-1/chw_setpoint_c')).statusCode).toBe(StatusCodes.Good);
    expect(readFileSync(server.certificateFile, 'utf8')).toBe(cert);
    const listed = (await api().inject({ method: 'GET', url: '/opcua' })).json() as { deviceId: string }[];
    expect(listed.map((s) => s.deviceId).sort()).toEqual(['bms-b1-air', 'bms-b1-plant', 'lift-b1']);
    await c.close();
  });

  it('SignAndEncrypt with Basic256Sha256 and a user name login works; a wrong password is refused', async () => {
    const secure = { mode: MessageSecurityMode.SignAndEncrypt, policy: SecurityPolicy.Basic256Sha256 };
    const c = await connect('lift-b1', { ...secure, userName: 'hub', password: 'pw' });
    const state = await read(c, 'b1-elevator-1/state');
    expect(state.statusCode).toBe(StatusCodes.Good);
    expect(['idle', 'moving-up', 'moving-down', 'door-open']).toContain(state.value.value);
    await c.close();
    await expect(connect('lift-b1', { ...secure, userName: 'hub', password: 'wrong' })).rejects.toThrow();
  });
});

/** Ports p..p+count-1 all free now (the process maps the site's 4840..4842 by one offset). */
async function freePortRun(count: number): Promise<number> {
  const bindable = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (;;) {
    const first = await freePort();
    if (first + count > 65_535) continue;
    let ok = true;
    for (let i = 1; i < count && ok; i++) ok = await bindable(first + i);
    if (ok) return first;
  }
}

describe('the standalone OPC UA simulator process', () => {
  interface Ready {
    ready: true;
    controlUrl: string;
    servers: Record<string, { endpointUrl: string; certificateFile: string }>;
  }
  const pki = mkdtempSync(join(tmpdir(), 'opcua-sim-process-pki-'));
  let offset: number;

  /** Start it; resolves with its ready line and a function that SIGTERMs it and resolves its exit code. */
  const launch = () =>
    new Promise<{ ready: Ready; stop: () => Promise<number | null> }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'simulators/opcua-process.ts',
          'config/demo-site.yaml',
          '--control-port',
          '0',
          '--port-offset',
          String(offset),
          '--pki',
          pki,
          '--users',
          '{"hub":"pw"}',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const newline = out.indexOf('\n');
        if (newline < 0) return;
        resolve({
          ready: JSON.parse(out.slice(0, newline)) as Ready,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      });
      void exited.then((code) => reject(new Error(`exited with ${code} before it was ready`)));
    });

  beforeAll(async () => {
    offset = (await freePortRun(3)) - 4840;
  });
  afterAll(() => rmSync(pki, { recursive: true, force: true }));

  it('prints one ready line, serves, stops cleanly on SIGTERM and keeps its certificate across restarts', async () => {
    const first = await launch();
    expect(first.ready.ready).toBe(true);
    expect(first.ready.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(first.ready.servers).sort()).toEqual(['bms-b1-air', 'bms-b1-plant', 'lift-b1']);
    const plant = first.ready.servers['bms-b1-plant']!;
    expect(plant.endpointUrl).toBe(`opc.tcp://127.0.0.1:${4840 + offset}`);
    const cert = readFileSync(plant.certificateFile, 'utf8');
    expect(cert).toContain('BEGIN CERTIFICATE');
    const status = (await (await fetch(`${first.ready.controlUrl}/opcua`)).json()) as { running: boolean }[];
    expect(status.every((s) => s.running)).toBe(true);

    const client = OPCUAClient.create({
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0 },
      clientCertificateManager: new OPCUACertificateManager({
        rootFolder: pki,
        automaticallyAcceptUnknownCertificate: true,
      }),
    });
    await client.connect(plant.endpointUrl);
    const session = await client.createSession();
    const ns = (await session.readNamespaceArray()).indexOf('urn:facility-hub:sim:plant');
    const dv = await session.read({
      nodeId: `ns=${ns};s=b1-chiller-1.chw_setpoint_c`,
      attributeId: AttributeIds.Value,
    });
    expect(dv.value.value).toBe(7);
    await session.close();
    await client.disconnect();

    expect(await first.stop()).toBe(0);
    const second = await launch();
    expect(readFileSync(second.ready.servers['bms-b1-plant']!.certificateFile, 'utf8')).toBe(cert);
    expect(await second.stop()).toBe(0);
  }, 30_000);
});
