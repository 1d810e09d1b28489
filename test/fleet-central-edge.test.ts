import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { FleetSiteAnswer, FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  connectDevice,
  influxQuery,
  sessionAs,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * Our own edge node and our own host application together: a site hub with `upstream:` publishing to the shared
 * mosquitto, and a central hub following its group. What the central shows and writes is what the site read.
 */

const GROUP = `edge-central-${process.pid}`;
const db = `edge_central_${process.pid}`;
const ROOM_TOPIC = 'site/t1/room-1/telemetry';
const HOST_ID = `edge-central-${process.pid}`;

describe('a site hub with upstream, followed by a central hub', () => {
  const mqttUrl = inject('mosquittoUrl');
  const influxUrl = inject('influxUrl');
  let central: Hub;
  let site: Hub | undefined;
  let viewer: TestSession;
  let device: MqttClient;

  const get = async <T>(url: string): Promise<T> => {
    const res = await central.http.inject({ method: 'GET', url, headers: viewer.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };
  const row = async () =>
    (await get<FleetSitesAnswer>('/api/v1/fleet/sites')).sites.find((s) => s.id === 't1');
  const point = async (asset: string, name: string) =>
    (await get<FleetSiteAnswer>('/api/v1/fleet/sites/t1')).assets
      .find((a) => a.id === asset)
      ?.points.find((p) => p.name === name);

  const centralDir = tempDataDir();
  const startCentral = async () => {
    central = await buildHub(
      testHubOptions(
        parseSiteText(
          `
site: { id: central, name: Fleet }
hub: { mode: central, http: { host: 127.0.0.1, port: 0 }, dataDir: ${centralDir}, logLevel: silent }
mqtt: { mode: off }
storage: { mode: influxdb, influxdb: { url: ${influxUrl}, database: ${db} } }
zones: [{ id: fleet, name: Fleet, kind: campus }]
central: { url: ${mqttUrl}, hostId: ${HOST_ID}, groups: [${GROUP}], keepAliveS: 5 }
`,
          'central.yaml',
        ),
        { live: false },
      ),
    );
    await central.start();
  };

  beforeAll(async () => {
    await startCentral();
    viewer = await sessionAs(central, ['viewer']);
    const mqttPort = await freePort();
    const doc = parse(testSiteYaml({ mqttPort }));
    doc.storage = { mode: 'off' };
    doc.upstream = {
      url: mqttUrl,
      groupId: GROUP,
      keepAliveS: 5,
      summaryIntervalMs: 1000,
      primaryHostId: HOST_ID,
      commands: { remoteWrites: true },
    };
    site = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'site.yaml'), { live: false }));
    await site.start();
    device = await connectDevice(site, mqttPort, 'env-1');
  });

  afterAll(async () => {
    await device?.endAsync().catch(() => undefined);
    await site?.stop();
    await central?.stop();
  });

  it('the site is online at the central with its assets, readings and summary, and in its InfluxDB', async () => {
    await waitFor(
      async () => (await row())?.state === 'online',
      10_000,
      () => 't1 online at the central',
    );
    await waitFor(
      async () => (await row())?.assets === 4,
      5_000,
      () => "t1's assets",
    );
    expect(await row()).toMatchObject({ name: 'Test site', timezone: 'UTC', points: 8, alertsActive: 0 });
    const ahu = (await get<FleetSiteAnswer>('/api/v1/fleet/sites/t1')).assets.find((a) => a.id === 'ahu-1')!;
    expect(ahu).toMatchObject({ name: 'AHU 1', kind: 'ahu', zone: 'b1', zoneName: 'Building 1' });
    expect(ahu.points[0]).toMatchObject({
      name: 'supply_temp_sp_c',
      unit: 'degC',
      kind: 'command',
      writable: true,
    });
    expect(central.fleet!.asset('t1', 'ahu-1')!.points.get('supply_temp_sp_c')).toMatchObject({
      type: 'Double',
      alias: expect.any(Number),
    });

    const ts = Date.now();
    await device.publishAsync(
      ROOM_TOPIC,
      JSON.stringify({ ts, temp_c: 22.5, humidity_pct: 40, air: { co2: 600 } }),
    );
    await waitFor(
      async () => (await point('room-1', 'temp_c'))?.value === 22.5,
      10_000,
      () => 'the reading',
    );
    expect(await point('room-1', 'temp_c')).toMatchObject({
      ts,
      quality: 'good',
      unit: 'degC',
      stale: false,
    });
    await waitFor(
      async () =>
        (await influxQuery(influxUrl, db, `SELECT * FROM raw."env-sensor" WHERE site = 't1'`)).values
          .length === 1,
      10_000,
      () => 'the reading in the central InfluxDB',
    );
    const lines = await influxQuery(influxUrl, db, `SELECT * FROM raw."env-sensor" WHERE site = 't1'`);
    expect(lines.columns).toEqual(['time', 'asset', 'co2_ppm', 'humidity_pct', 'site', 'temp_c', 'zone']);
    expect(lines.values).toEqual([[ts, 'room-1', 600, 40, 't1', 22.5, 'b1-f1']]);
    expect((await row())!.seqGaps).toBe(0);
  });

  it('while its primary host (the central) is down the site spools, and the central gets that stretch on return', async () => {
    await central.stop(); // STATE offline: the site ends its session (NDEATH) and waits in a new one
    await waitFor(
      async () => site!.upstream!.health().state === 'waiting-for-host',
      10_000,
      () => `the site waiting for the central: ${JSON.stringify(site!.upstream!.health())}`,
    );
    expect(site!.upstream!.health().primaryHost).toMatchObject({ id: HOST_ID, online: false });
    const ts = Date.now();
    await device.publishAsync(
      ROOM_TOPIC,
      JSON.stringify({ ts, temp_c: 23.5, humidity_pct: 41, air: { co2: 610 } }),
    );
    await waitFor(
      async () => site!.upstream!.health().spool.lines >= 1,
      10_000,
      () => 'the reading spooled while the central is down',
    );
    await startCentral();
    viewer = await sessionAs(central, ['viewer']);
    await waitFor(
      async () => (await point('room-1', 'temp_c'))?.value === 23.5,
      15_000,
      () => 'the reading of the stretch at the central',
    );
    const q = `SELECT temp_c FROM raw."env-sensor" WHERE site = 't1' AND time = ${ts}ms`;
    await waitFor(
      async () => (await influxQuery(influxUrl, db, q)).values.length === 1,
      15_000,
      () => 'the reading of the stretch in the central InfluxDB',
    );
    expect(site!.upstream!.health()).toMatchObject({ state: 'connected', primaryHost: { online: true } });
  });

  it('an orderly stop of the site is its NDEATH: offline at the central, values kept as stale', async () => {
    await device.endAsync();
    await site!.stop();
    site = undefined;
    await waitFor(
      async () => (await row())?.state === 'offline',
      10_000,
      () => 't1 offline',
    );
    expect(await point('room-1', 'temp_c')).toMatchObject({ value: 23.5, stale: true });
  });
});
