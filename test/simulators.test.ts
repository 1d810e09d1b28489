import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import bacnet, { ObjectType as O, PropertyIdentifier as P, ApplicationTag as T } from '@bacnet-js/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { BacnetDeviceConfig } from '../adapters/bacnet/bacnet-schema.js';
import type { OpcuaDevice } from '../adapters/opcua/opcua-schema.js';
import { SYSTEM } from '../core/actor.js';
import type { SiteModel } from '../core/model/site-model.js';
import { parseSiteText } from '../hub/site-file.js';
import { BacnetSimulation } from '../simulators/bacnet-simulation.js';
import { siteHour } from '../simulators/curves.js';
import { type Simulation, startSimulation } from '../simulators/main.js';
import { startTestHub, type TestHub, tempDataDir, waitFor } from './hub-harness.js';
import { freePort } from './services.js';

// CommonJS with an ES-module flag: Node's import puts the class on `default`, vitest's unwraps it
const Client = ((bacnet as { default?: unknown }).default ?? bacnet) as typeof bacnet.default;
type Client = InstanceType<typeof Client>;

const DEMO_SITE = 'config/demo-site.yaml';
const ENGINEER = { actor: 'eng', via: 'session' as const, permissions: new Set(['setpoint:write' as const]) };

/** A UDP port free on `host` now (the BACnet library's transport takes no port 0). */
async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * The demo site file with its BACnet/IP and Modbus ports moved to free ones (beside other test files, other
 * checkouts' tests and a running demo): the hub's BACnet socket, each BACnet device's address and the broadcast
 * list, each Modbus port; hosts as written. `ports` maps each BACnet port of the file to the one used.
 */
async function demoSiteOnFreePorts(env: NodeJS.ProcessEnv) {
  const doc = parseDocument(await readFile(DEMO_SITE, 'utf8'));
  const ports = new Map<number, number>();
  const moved = async (host: string, port: number) => {
    if (!ports.has(port)) ports.set(port, await freeUdpPort(host));
    return ports.get(port)!;
  };
  const movedAddress = async (hostPort: string) => {
    const [host, port] = hostPort.split(':') as [string, string];
    return `${host}:${await moved(host, Number(port))}`;
  };
  const devices = doc.get('devices');
  if (!isSeq(devices)) throw new Error(`${DEMO_SITE}: no devices`);
  const modbusPorts = new Map<number, number>();
  for (const d of devices.items) {
    if (isMap(d) && d.get('protocol') === 'modbus') {
      const port = Number(d.get('port'));
      if (!modbusPorts.has(port)) modbusPorts.set(port, await freePort());
      d.set('port', modbusPorts.get(port));
    }
    if (!isMap(d) || d.get('protocol') !== 'bacnet') continue;
    d.set('localPort', await moved(String(d.get('localAddress')), Number(d.get('localPort'))));
    d.set('address', await movedAddress(String(d.get('address'))));
    const broadcast = d.get('broadcast', true);
    if (isSeq(broadcast))
      for (const [i, b] of broadcast.items.entries())
        broadcast.set(i, await movedAddress(String((b as { value?: unknown }).value ?? b)));
  }
  return { site: parseSiteText(doc.toString(), DEMO_SITE, env), ports };
}

/** The demo site, end to end: simulators publish, the hub ingests, fault injection shows in health. */
describe('simulators driving the demo site', () => {
  let site: SiteModel;
  let t: TestHub;
  let sim: Simulation;
  /** The demo site's BACnet ports (47808 the hub's, 47809 the AHU's, 47810 the lighting's) → the ones used. */
  let bacnetPorts: Map<number, number>;
  const control = (path: string) =>
    fetch(`${sim.controlUrl}${path}`, { method: 'POST' }).then((r) => r.json());
  const get = <T>(path: string) => fetch(`${sim.controlUrl}${path}`).then((r) => r.json() as Promise<T>);
  const device = (id: string) => t.hub.supervisor.deviceHealth().find((d) => d.deviceId === id)!;
  const latest = (pointId: string) => t.hub.latest.get(pointId)!;

  beforeAll(async () => {
    const mqttPort = await freePort();
    ({ site, ports: bacnetPorts } = await demoSiteOnFreePorts({
      HUB_HTTP_HOST: '127.0.0.1',
      HUB_HTTP_PORT: '0',
      HUB_MQTT_HOST: '127.0.0.1',
      HUB_MQTT_PORT: String(mqttPort),
      HUB_LOG_LEVEL: 'silent',
      HUB_DATA_DIR: tempDataDir(),
    }));
    t = await startTestHub(site, { live: false });
    const passwords = Object.fromEntries(
      site.devicesOf('mqtt').map((d) => [d.id, t.hub.deviceCredentials.issue(SYSTEM, d.id).password]),
    );
    // the OPC UA servers start too: on free ports, beside other test files
    const opcuaPorts = new Map<number, number>();
    for (const d of site.devicesOf('opcua') as OpcuaDevice[])
      opcuaPorts.set(Number(d.endpoint.split(':').pop()), await freePort());
    sim = await startSimulation(
      site,
      `mqtt://127.0.0.1:${mqttPort}`,
      { host: '127.0.0.1', port: 0 },
      passwords,
      // the Modbus and BACnet devices answer where the site file (now on free ports) puts them
      { opcuaPort: (p) => opcuaPorts.get(p)! },
    );
  });
  afterAll(async () => {
    // the hub first: its BACnet links cancel their COV subscriptions while the devices still answer
    await t?.stop();
    await sim?.stop();
  });

  it('every simulated MQTT device comes online with believable values', async () => {
    const mqttDevices = site.devicesOf('mqtt').map((d) => d.id);
    await waitFor(() => mqttDevices.every((id) => device(id).state === 'online'), 10_000);
    await waitFor(() => t.hub.latest.get('gate-south/exits_total')?.value !== null);
    const temp = t.hub.latest.get('b1-f1-env/temp_c')!;
    expect(temp.quality).toBe('good');
    expect(temp.value as number).toBeGreaterThan(15);
    expect(temp.value as number).toBeLessThan(32);
    const co2 = t.hub.latest.get('b2-f1-env/co2_ppm')!.value as number;
    expect(co2).toBeGreaterThanOrEqual(380);
    expect(co2).toBeLessThan(1200);
    expect(typeof t.hub.latest.get('gate-north/door_open')!.value).toBe('boolean');
    expect(t.hub.pipeline.counters.rejected).toBe(0);
  });

  it('garbage is counted against the device and topic; the device stays online', async () => {
    expect(await control('/devices/env-b1-f2/garbage?kind=wrong-type&count=3')).toEqual({ sent: 3 });
    expect(await control('/devices/env-b1-f2/garbage?kind=not-json&count=2')).toEqual({ sent: 2 });
    await waitFor(() => device('env-b1-f2').malformed === 5);
    expect(device('env-b1-f2').malformedByTopic).toEqual({ 'site/hq/b1-f2-env/telemetry': 5 });
    expect(device('env-b1-f2').state).toBe('online');
  });

  it('a stopped device goes offline, and comes back when started', async () => {
    await control('/devices/gate-north-ctl/stop');
    await waitFor(() => device('gate-north-ctl').state === 'offline');
    expect(device('gate-north-ctl').lastError?.message).toBe('MQTT client disconnected');
    await control('/devices/gate-north-ctl/start');
    await waitFor(() => device('gate-north-ctl').state === 'online', 10_000);
  });

  it('a frozen device keeps sending the same values', async () => {
    await control('/devices/env-b2-f2/freeze');
    const frozenAt = Date.now();
    // deadband passes an unchanged value once per interval: the heartbeats show what the device sends
    const sent = () =>
      t.readings.filter((r) => r.pointId === 'b2-f2-env/humidity_pct' && r.ts > frozenAt + 300);
    await waitFor(() => sent().length >= 2, 15_000);
    expect(new Set(sent().map((r) => r.value)).size).toBe(1);
    await control('/devices/env-b2-f2/unfreeze');
  });

  describe('BACnet/IP devices of the demo site', () => {
    let client: Client;
    const bacnetDevices = () => site.devicesOf('bacnet') as unknown as BacnetDeviceConfig[];
    const addressOf = (id: string) => bacnetDevices().find((d) => d.id === id)!.address!;
    const AHU = 'ddc-b2-ahu-1';
    const LIGHTING = 'lc-b1-f2';
    const bacnetPoints = () => site.points.filter((p) => p.protocol === 'bacnet').map((p) => p.id);
    const link = (id: string) => t.hub.supervisor.linkHealth().find((l) => l.linkId === `bacnet:${id}`)!;

    beforeAll(async () => {
      // the library's own client and transport: the independent side for what the simulators serve
      client = new Client({ interface: '127.0.0.1', port: await freeUdpPort(), apduTimeout: 1000 });
      client.on('error', () => undefined);
      await new Promise<void>((resolve) => client.once('listening', () => resolve()));
    });
    afterAll(() => client?.close());

    it('are the two the site file names, each on its address, the hub on its own port', () => {
      expect(bacnetDevices().map((d) => [d.id, d.instance])).toEqual([
        [AHU, 1001],
        [LIGHTING, 2001],
      ]);
      expect([...bacnetPorts.keys()].sort()).toEqual([47808, 47809, 47810]);
      expect(addressOf(AHU)).toBe(`127.0.0.1:${bacnetPorts.get(47809)}`);
      expect(addressOf(LIGHTING)).toBe(`127.0.0.1:${bacnetPorts.get(47810)}`);
      expect(new Set(bacnetDevices().map((d) => `${d.localAddress}:${d.localPort}`))).toEqual(
        new Set([`127.0.0.1:${bacnetPorts.get(47808)}`]),
      );
      expect(sim.bacnet.status(AHU)).toMatchObject({ address: addressOf(AHU), instance: 1001, model: 'ahu' });
      expect(sim.bacnet.status(LIGHTING)).toMatchObject({
        address: addressOf(LIGHTING),
        instance: 2001,
        model: 'lighting',
      });
    });

    it('answer the library’s own client: I-Am from each address, present values of the objects the site names', async () => {
      const iAms = new Map<number, string | undefined>();
      const onIAm = (m: { payload: { deviceId: number }; header?: { sender: { address?: string } } }) =>
        iAms.set(m.payload.deviceId, m.header?.sender.address);
      client.on('iAm', onIAm);
      for (const d of bacnetDevices()) client.whoIs({ address: d.address! });
      await waitFor(() => iAms.size === 2, 3_000);
      client.off('iAm', onIAm);
      expect(iAms).toEqual(
        new Map([
          [1001, addressOf(AHU)],
          [2001, addressOf(LIGHTING)],
        ]),
      );
      const rat = await client.readProperty(
        { address: addressOf(AHU) },
        { type: O.ANALOG_INPUT, instance: 2 },
        P.PRESENT_VALUE,
      );
      expect(rat.values[0]!.value as number).toBeGreaterThan(20);
      expect(rat.values[0]!.value as number).toBeLessThan(27);
      // every object the site file names is there, with a present value
      for (const p of site.points.filter((x) => x.protocol === 'bacnet')) {
        const [type, instance] = (p.config as unknown as { object: string }).object.split(':');
        const objectId = {
          type: O[type!.toUpperCase().replaceAll('-', '_') as 'DEVICE'],
          instance: +instance!,
        };
        const r = await client.readProperty({ address: addressOf(p.deviceId!) }, objectId, P.PRESENT_VALUE);
        expect(r.values, p.id).toHaveLength(1);
      }
    });

    it('feed the hub: every BACnet point with a value, both devices online, COV where the site file says', async () => {
      await waitFor(
        () => bacnetPoints().every((id) => latest(id)?.value !== null && latest(id)?.value !== undefined),
        15_000,
        () => `values for ${bacnetPoints().filter((id) => latest(id)?.value == null)}`,
      );
      for (const id of bacnetPoints()) expect(latest(id).quality, id).toBe('good');
      expect(device(AHU).state).toBe('online');
      expect(device(LIGHTING).state).toBe('online');
      expect(latest('b2-ahu-1/return_air_temp_c').value as number).toBeCloseTo(23.5, 0);
      expect(typeof latest('b1-f2-lighting/zone_1').value).toBe('boolean');
      // the airflow is polled (cov: false), the rest subscribed
      const covPoints = site.points.filter(
        (p) => p.deviceId === AHU && (p.config as { cov?: boolean }).cov !== false,
      ).length;
      expect(link(AHU).stats?.covSubscriptions).toBe(covPoints);
      expect(sim.bacnet.status(AHU).covSubscriptions).toBe(covPoints);
      expect(sim.bacnet.status(LIGHTING).covSubscriptions).toBe(site.pointsByDevice.get(LIGHTING)!.length);
      expect(sim.bacnet.status(AHU).reads).toBeGreaterThan(0);
    });

    it('Who-Is on the hub’s socket finds both, through the broadcast list the site file gives', async () => {
      const found = (await t.hub.supervisor.discover('bacnet', { timeoutMs: 500 })) as {
        deviceId: number;
        address: string;
        name?: string;
      }[];
      expect(found.map((d) => [d.deviceId, d.address])).toEqual([
        [1001, addressOf(AHU)],
        [2001, addressOf(LIGHTING)],
      ]);
      expect(found[0]!.name).toBe('Canteen AHU controller 食堂空调箱控制器');
    });

    it('show the hub’s writes in the priority array: the setpoint at 8, then relinquished', async () => {
      await t.hub.commands.write(ENGINEER, 'b2-ahu-1/supply_air_setpoint_c', 18.5, 'test', 8);
      type Obj = { object: string; presentValue: number; priorities?: Record<string, number> };
      const av = () =>
        get<Obj[]>(`/bacnet/${AHU}/objects`).then(
          (objects) => objects.find((o) => o.object === 'analog-value:1')!,
        );
      expect(await av()).toMatchObject({ presentValue: 18.5, priorities: { 8: 18.5 } });
      await waitFor(() => latest('b2-ahu-1/supply_air_setpoint_c').value === 18.5, 5_000);
      await t.hub.commands.relinquish(ENGINEER, 'b2-ahu-1/supply_air_setpoint_c', 8, 'test');
      expect((await av()).priorities).toEqual({});
      await waitFor(() => latest('b2-ahu-1/supply_air_setpoint_c').value === 16, 5_000);
    });

    it('an object fault turns the point bad, out of service uncertain with the value written by hand', async () => {
      // polled: the hub reads the reliability along with the value
      await control(`/bacnet/${AHU}/objects/analog-input:3/fault?reliability=no-sensor`);
      await waitFor(() => latest('b2-ahu-1/airflow_m3h').quality === 'bad', 15_000);
      expect(latest('b2-ahu-1/airflow_m3h').reason).toBe('BACnet fault: no-sensor');
      expect(
        await control(`/bacnet/${AHU}/objects/analog-input:3/fault?reliability=no-fault-detected`),
      ).toMatchObject({ object: 'analog-input:3', reliability: 'no-fault-detected' });
      await waitFor(() => latest('b2-ahu-1/airflow_m3h').quality === 'good', 15_000);
      // by COV: the notification's status flags
      await control(`/bacnet/${AHU}/objects/analog-input:2/fault?outOfService=true`);
      await control(`/bacnet/${AHU}/objects/analog-input:2/value?value=31.5`);
      await waitFor(() => latest('b2-ahu-1/return_air_temp_c').value === 31.5, 5_000);
      expect(latest('b2-ahu-1/return_air_temp_c')).toMatchObject({
        quality: 'uncertain',
        reason: 'BACnet out of service',
      });
      await control(`/bacnet/${AHU}/objects/analog-input:2/fault?outOfService=false`);
      await waitFor(() => latest('b2-ahu-1/return_air_temp_c').quality === 'good', 5_000);
      expect(await control(`/bacnet/${AHU}/objects/analog-input:9/fault?inAlarm=true`)).toMatchObject({
        statusCode: 404,
      });
      expect(await control(`/bacnet/${AHU}/objects/analog-input:2/fault?reliability=bogus`)).toMatchObject({
        error: expect.stringMatching(/reliability/),
      });
    });

    it('COV off: SubscribeCOV is rejected until it is on again', async () => {
      const subscribe = () =>
        client
          .subscribeCov(
            { address: addressOf(LIGHTING) },
            { type: O.ANALOG_INPUT, instance: 1 },
            77,
            false,
            false,
            30,
          )
          .then(
            () => 'ok',
            (e: Error) => e.message,
          );
      expect(await control(`/bacnet/${LIGHTING}/cov?on=false`)).toMatchObject({ cov: false });
      expect(await subscribe()).toMatch(/^BacnetAbort/); // a Reject, as the library reports one
      expect(await control(`/bacnet/${LIGHTING}/cov?on=true`)).toMatchObject({ cov: true });
      expect(await subscribe()).toBe('ok');
      const before = sim.bacnet.status(LIGHTING).covSubscriptions;
      expect(await control(`/bacnet/${LIGHTING}/drop-subscriptions`)).toEqual({ dropped: before });
      expect(sim.bacnet.status(LIGHTING).covSubscriptions).toBe(0);
    });

    it('slow and garbage: late answers, broken datagrams to the hub’s socket (counted, nothing else)', async () => {
      await control(`/devices/${AHU}/slow?ms=400`);
      const started = Date.now();
      await client.readProperty(
        { address: addressOf(AHU) },
        { type: O.ANALOG_INPUT, instance: 1 },
        P.PRESENT_VALUE,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      expect(await control(`/devices/${AHU}/slow?ms=0`)).toMatchObject({ slowMs: 0 });
      const before = Number(link(AHU).stats?.malformed ?? 0);
      const sent = (await control(`/devices/${AHU}/garbage?kind=truncated&count=3`)) as { to: string[] };
      expect(sent.to).toContain(String(link(AHU).stats?.address));
      await waitFor(() => Number(link(AHU).stats?.malformed ?? 0) >= before + 3, 5_000);
      expect(device(AHU).state).toBe('online');
    });

    it('a stopped BACnet device falls silent: its points go bad, it goes offline; started, it comes back', async () => {
      expect(await control(`/devices/${AHU}/stop`)).toMatchObject({ state: 'offline' });
      try {
        // the polled airflow times out at once; the COV points at their next renewal; then the breaker opens
        await waitFor(() => latest('b2-ahu-1/airflow_m3h').quality === 'bad', 30_000);
        await waitFor(() => device(AHU).state === 'offline', 150_000);
        expect(latest('b2-ahu-1/return_air_temp_c').quality).toBe('bad'); // a COV point too
        expect(device(LIGHTING).state).toBe('online'); // a link of its own
      } finally {
        expect(await control(`/devices/${AHU}/start`)).toMatchObject({ state: 'online' });
      }
      await waitFor(
        () => device(AHU).state === 'online' && latest('b2-ahu-1/airflow_m3h').quality === 'good',
        30_000,
      );
    }, 200_000);
  });
});

/** The BACnet simulation of any site file: models by asset kind, the objects points name, host and ports. */
describe('BacnetSimulation of a site file', () => {
  const site = parseSiteText(
    `
site: { id: s, name: S, timezone: Asia/Shanghai }
mqtt: { mode: 'off' }
zones: [{ id: z, name: Z }]
devices:
  - { id: ahu-ctl, protocol: bacnet, instance: 11, address: '127.0.0.1:47901' }
  - { id: fcu-ctl, protocol: bacnet, instance: 12, address: 127.0.0.1 }
  - { id: found-by-who-is, protocol: bacnet, instance: 13 }
assets:
  - id: ahu
    name: AHU
    kind: ahu
    zone: z
    device: ahu-ctl
    points:
      - { name: supply_c, unit: degC, object: analog-input:1 }
      - { name: co2_setpoint_ppm, unit: ppm, kind: command, min: 400, max: 1200, object: analog-value:7 }
  - id: fcu
    name: FCU
    kind: fan-coil
    zone: z
    device: fcu-ctl
    points:
      - { name: room_c, unit: degC, min: 10, max: 30, object: analog-input:3 }
      - { name: speed, kind: command, min: 1, max: 3, object: multi-state-value:2 }
      - { name: on, type: boolean, kind: command, object: binary-value:4 }
  - { id: other, name: Other, kind: generic, zone: z, device: found-by-who-is, points: [{ name: x, object: analog-input:1 }] }
`,
    'bacnet-sim.yaml',
  );
  let sim: BacnetSimulation;
  let client: Client;

  beforeAll(async () => {
    sim = new BacnetSimulation(site, { host: '127.0.0.78', portOf: () => 0, tickMs: 100 });
    await sim.start();
    client = new Client({
      interface: '127.0.0.78',
      port: await freeUdpPort('127.0.0.78'),
      apduTimeout: 1000,
    });
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => client.once('listening', () => resolve()));
  });
  afterAll(async () => {
    client?.close();
    await sim?.stop();
  });

  it('simulates the devices with an address, on the host and ports it is given, with the model of the asset', () => {
    expect([...sim.devices.keys()]).toEqual(['ahu-ctl', 'fcu-ctl']);
    for (const id of sim.devices.keys()) expect(sim.status(id).address).toMatch(/^127\.0\.0\.78:\d+$/);
    expect(sim.status('ahu-ctl')).toMatchObject({ instance: 11, model: 'ahu' });
    expect(sim.status('fcu-ctl')).toMatchObject({ instance: 12, model: 'generic' });
  });

  it('serves the objects the points name that the model lacks: commandable where they are commands', async () => {
    const fcu = { address: sim.status('fcu-ctl').address };
    const room = await client.readProperty(fcu, { type: O.ANALOG_INPUT, instance: 3 }, P.PRESENT_VALUE);
    expect(room.values[0]!.value as number).toBeCloseTo(20, 0); // the middle of its range
    await client.writeProperty(
      fcu,
      { type: O.MULTI_STATE_VALUE, instance: 2 },
      P.PRESENT_VALUE,
      [{ type: T.UNSIGNED_INTEGER, value: 3 }],
      { priority: 8 },
    );
    expect(sim.objects('fcu-ctl').find((o) => o.object === 'multi-state-value:2')).toMatchObject({
      presentValue: 3,
      priorities: { 8: 3 },
    });
    expect(sim.object('ahu-ctl', 'analog-value:7').priority).toHaveLength(16);
    expect(sim.objects('ahu-ctl').map((o) => o.object)).toContain('analog-input:3'); // the model's own airflow
  });

  it('on a shutdown, waits (bounded) until the COV subscriptions are cancelled', async () => {
    const ahu = { address: sim.status('ahu-ctl').address };
    const ai1 = { type: O.ANALOG_INPUT, instance: 1 };
    await client.subscribeCov(ahu, ai1, 5, false, false, 60);
    expect(await sim.unsubscribed(200)).toBe(false);
    const cancelled = sim.unsubscribed(3_000);
    await client.subscribeCov(ahu, ai1, 5, true, false, 0);
    expect(await cancelled).toBe(true);
  });

  it("runs the AHU's time program at priority 16: the fan on 06:00-22:00 site time", () => {
    const hour = siteHour(Date.now(), 'Asia/Shanghai');
    // a minute's margin either side of a switch
    if (Math.abs(hour - 6) < 0.02 || Math.abs(hour - 22) < 0.02) return;
    const on = hour >= 6 && hour < 22 ? 1 : 0;
    expect(sim.object('ahu-ctl', 'binary-value:1').priority![15]).toBe(on);
  });
});
