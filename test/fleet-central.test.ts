import sparkplugClient from 'sparkplug-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FleetSiteAnswer, FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { loadSiteFile, parseSiteText } from '../hub/site-file.js';
import { type SimAsset, SimEdgeNode } from './fleet-edge-sim.js';
import {
  influxQuery,
  sessionAs,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';

/**
 * The central hub (hub.mode: central) as a Sparkplug B host application, against the shared mosquitto and
 * InfluxDB, fed by edge nodes simulated with Eclipse Tahu's own codec (test/fleet-edge-sim.ts).
 */

const GROUP = `fleet-${process.pid}`;
const HOST_ID = `central-${process.pid}`;
const db = `fleet_${process.pid}`;

function centralYaml(dataDir: string, mqttUrl: string, influxUrl: string): string {
  return `
site: { id: central, name: Fleet }
hub:
  mode: central
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${dataDir}
  logLevel: silent
mqtt: { mode: off }
storage:
  mode: influxdb
  influxdb: { url: ${influxUrl}, database: ${db} }
zones:
  - { id: fleet, name: Fleet, kind: campus }
central:
  url: ${mqttUrl}
  hostId: ${HOST_ID}
  groups: [${GROUP}]
  keepAliveS: 5
  silentAfterS: 5
  rebirthHoldoffMs: 2000
  sites:
    - { group: ${GROUP}, node: listed, name: Listed site }
`;
}

const ASSETS: SimAsset[] = [
  {
    id: 'meter-1',
    name: 'Main meter',
    kind: 'electricity-meter',
    zone: 'b1',
    zoneName: 'Building 1',
    points: [
      { name: 'active_power_w', unit: 'W', value: 1200 },
      { name: 'energy_kwh', unit: 'kWh', kind: 'counter', value: 5000 },
    ],
  },
  {
    id: 'ahu-1',
    name: 'AHU 1',
    kind: 'ahu',
    zone: 'b1-roof',
    zoneName: 'Roof',
    points: [
      { name: 'supply_temp_c', unit: 'degC', value: 16.5 },
      { name: 'fan_on', type: 'Boolean', kind: 'state', value: true },
      { name: 'supply_temp_sp_c', unit: 'degC', kind: 'command', value: 16 },
    ],
  },
];

describe('central hub: a Sparkplug B host application', () => {
  const mqttUrl = inject('mosquittoUrl');
  const influxUrl = inject('influxUrl');
  const dataDir = tempDataDir();
  let hub: Hub;
  let viewer: TestSession;
  const nodes: SimEdgeNode[] = [];

  const sim = (node: string, extra: Partial<ConstructorParameters<typeof SimEdgeNode>[0]> = {}) => {
    const n = new SimEdgeNode({ url: mqttUrl, group: GROUP, node, assets: ASSETS, ...extra });
    nodes.push(n);
    return n;
  };
  const get = async <T>(url: string): Promise<T> => {
    const res = await hub.http.inject({ method: 'GET', url, headers: viewer.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };
  const sites = () => get<FleetSitesAnswer>('/api/v1/fleet/sites');
  const siteRow = async (id: string) => (await sites()).sites.find((s) => s.id === id);
  const detail = (id: string) => get<FleetSiteAnswer>(`/api/v1/fleet/sites/${id}`);
  /** Online with every asset born (the DBIRTHs follow the NBIRTH). */
  const born = (id: string, assets = ASSETS.length) =>
    waitFor(
      async () =>
        (await siteRow(id))?.state === 'online' &&
        (await detail(id)).assets.filter((a) => a.state === 'online').length === assets,
      5_000,
      () => `${id} online with its assets`,
    );
  const startCentral = async () => {
    const h = await buildHub(
      testHubOptions(parseSiteText(centralYaml(dataDir, mqttUrl, influxUrl), 'central.yaml'), {
        live: false,
      }),
    );
    await h.start();
    await waitFor(
      () => h.fleet!.stats().connected,
      10_000,
      () => 'the central connected to the broker',
    );
    return h;
  };

  beforeAll(async () => {
    hub = await startCentral();
    viewer = await sessionAs(hub, ['viewer']);
  });

  afterAll(async () => {
    for (const n of nodes) n.kill();
    await hub?.stop();
  });

  it('lists a configured site as unknown before it is heard from', async () => {
    const answer = await sites();
    expect(answer.broker).toEqual({ connected: true, url: mqttUrl });
    expect(await siteRow('listed')).toMatchObject({ state: 'unknown', name: 'Listed site', since: null });
  });

  it('a birth makes a site online with its summary, assets and latest values', async () => {
    const a = sim('site-a', {
      site: {
        name: 'Site A 园区',
        timezone: 'Asia/Shanghai',
        alertsActive: 3,
        powerW: 52_000,
        energyTodayKwh: 410.5,
      },
    });
    await a.connect();
    await born('site-a');
    const row = (await siteRow('site-a'))!;
    expect(row).toMatchObject({
      group: GROUP,
      name: 'Site A 园区',
      timezone: 'Asia/Shanghai',
      alertsActive: 3,
      alertsCritical: 0,
      powerW: 52_000,
      energyTodayKwh: 410.5,
      assets: 2,
      points: 5,
      births: 1,
      seqGaps: 0,
    });
    const d = await detail('site-a');
    const ahu = d.assets.find((x) => x.id === 'ahu-1')!;
    expect(ahu).toMatchObject({
      name: 'AHU 1',
      kind: 'ahu',
      zone: 'b1-roof',
      zoneName: 'Roof',
      state: 'online',
    });
    expect(ahu.points.find((p) => p.name === 'supply_temp_sp_c')).toMatchObject({
      unit: 'degC',
      kind: 'command',
      writable: true,
      value: 16,
      quality: 'good',
      stale: false,
    });
    expect(ahu.points.find((p) => p.name === 'fan_on')).toMatchObject({ value: true, writable: false });

    // data by alias moves the latest values; NDATA the summary
    const ts = Date.now();
    a.ddata('meter-1', { active_power_w: 1500 }, ts);
    a.ndata({ 'Site/Alerts active': 4, 'Site/Power W': 61_000 });
    await waitFor(
      async () => (await siteRow('site-a'))?.alertsActive === 4,
      5_000,
      () => 'NDATA taken',
    );
    expect((await siteRow('site-a'))!.powerW).toBe(61_000);
    const meter = (await detail('site-a')).assets.find((x) => x.id === 'meter-1')!;
    expect(meter.points.find((p) => p.name === 'active_power_w')).toMatchObject({ value: 1500, ts });
    expect((await detail('site-a')).assets.map((x) => x.zone)).toEqual(['b1', 'b1-roof']);
  });

  it('writes every data metric to InfluxDB with the site tag, historical included, and serves the trend', async () => {
    const b = sim('site-b');
    await b.connect();
    await born('site-b');
    // live readings newer than the births' values, historical ones older
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 250_000;
    // 100 live readings, then 50 older replayed (historical), one of them bad
    b.series('meter-1', 'active_power_w', t0 + 300_000, 100, 1000, (i) => 1000 + i);
    for (let i = 0; i < 50; i++)
      b.ddata('meter-1', { active_power_w: 500 + i }, t0 + i * 1000, {
        historical: true,
        ...(i === 7 ? { quality: 0 } : {}),
      });
    b.ddata('ahu-1', { supply_temp_c: 17.25, fan_on: false }, t0 + 400_000);
    const count = async () =>
      (
        await influxQuery(
          influxUrl,
          db,
          `SELECT count(active_power_w) FROM raw."electricity-meter" WHERE site = 'site-b' AND asset = 'meter-1' AND zone = 'b1'`,
        )
      ).values[0]?.[1];
    await waitFor(
      async () => (await count()) === 149,
      15_000,
      () => 'InfluxDB has the 149 good readings',
    );
    const bad = await influxQuery(
      influxUrl,
      db,
      `SELECT active_power_w__bad FROM raw."electricity-meter" WHERE site = 'site-b'`,
    );
    expect(bad.values).toEqual([[t0 + 7000, 507]]);
    const ahu = await influxQuery(
      influxUrl,
      db,
      `SELECT supply_temp_c, fan_on FROM raw."ahu" WHERE site = 'site-b' AND asset = 'ahu-1'`,
    );
    expect(ahu.values).toEqual([[t0 + 400_000, 17.25, false]]);
    // the historical readings did not move the latest value (the live ones are newer)
    const meter = (await detail('site-b')).assets.find((x) => x.id === 'meter-1')!;
    expect(meter.points.find((p) => p.name === 'active_power_w')).toMatchObject({
      value: 1099,
      ts: t0 + 399_000,
    });
    // NBIRTH's summary went to the `site` measurement
    await waitFor(
      async () =>
        (await influxQuery(influxUrl, db, `SELECT alerts_active FROM raw.site WHERE site = 'site-b'`)).values
          .length > 0,
      10_000,
      () => 'the site summary in InfluxDB',
    );

    // the trend: raw over a short range, means per interval over a long one
    const raw = await get<{ values: [number, number][]; intervalMs: number | null; unit: string }>(
      `/api/v1/fleet/sites/site-b/assets/meter-1/history?point=active_power_w&from=${t0}&to=${t0 + 600_000}`,
    );
    expect(raw.unit).toBe('W');
    expect(raw.intervalMs).toBeNull();
    expect(raw.values).toHaveLength(149);
    expect(raw.values[0]).toEqual([t0, 500]);
    const means = await get<{ values: [number, number][]; intervalMs: number | null }>(
      `/api/v1/fleet/sites/site-b/assets/meter-1/history?point=active_power_w&from=${t0 - 86_400_000}&to=${t0 + 600_000}`,
    );
    expect(means.intervalMs).toBeGreaterThan(60_000);
    expect(means.values.length).toBeGreaterThan(0);
    const bool = await get<{ values: [number, number][] }>(
      `/api/v1/fleet/sites/site-b/assets/ahu-1/history?point=fan_on&from=${t0}&to=${t0 + 600_000}`,
    );
    expect(bool.values).toEqual([[t0 + 400_000, 0]]);
    const missing = await hub.http.inject({
      method: 'GET',
      url: '/api/v1/fleet/sites/site-b/assets/meter-1/history?point=nope',
      headers: viewer.headers,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('NDEATH makes a site offline (its values stale, kept); an NDEATH of an older session is ignored', async () => {
    const c = sim('site-c');
    await c.connect();
    await born('site-c');
    // a late will of an earlier session (bdSeq that is not the current one)
    c.client!.publish(c.topic('NDEATH'), c.encode(c.deathPayload(c.bdSeq + 7)), { qos: 1 });
    c.ddata('meter-1', { active_power_w: 999 }, Date.now());
    await waitFor(
      async () => hub.fleet!.stats().staleDeaths >= 1,
      5_000,
      () => 'the old NDEATH seen',
    );
    expect((await siteRow('site-c'))!.state).toBe('online');

    // the link dies silently: the broker publishes the will within 1.5× the keep-alive (5 s)
    const killedAt = Date.now();
    c.kill();
    await waitFor(
      async () => (await siteRow('site-c'))?.state === 'offline',
      12_000,
      () => 'site-c offline',
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const d = await detail('site-c');
    expect(d.assets.every((a) => a.state === 'offline')).toBe(true);
    const p = d.assets.find((a) => a.id === 'meter-1')!.points.find((x) => x.name === 'active_power_w')!;
    expect(p).toMatchObject({ value: 999, stale: true });

    // back: bdSeq + 1, births, online again
    await c.connect();
    await born('site-c');
    await waitFor(
      async () => (await detail('site-c')).assets.every((a) => a.state === 'online'),
      5_000,
      () => 'its assets born again',
    );
  }, 30_000);

  it('a silent site becomes stale, and online again when it speaks', async () => {
    const d = sim('site-d');
    await d.connect();
    await born('site-d');
    await waitFor(
      async () => (await siteRow('site-d'))?.state === 'stale',
      9_000,
      () => 'site-d stale',
    );
    const row = (await siteRow('site-d'))!;
    expect(row.since! - row.lastMessageAt!).toBeGreaterThanOrEqual(5_000);
    expect((await detail('site-d')).assets[0]!.points[0]!.stale).toBe(true);
    d.ddata('meter-1', { active_power_w: 1 }, Date.now());
    await waitFor(
      async () => (await siteRow('site-d'))?.state === 'online',
      5_000,
      () => 'site-d online again',
    );
    expect((await detail('site-d')).assets[0]!.points[0]!.stale).toBe(false);
  }, 20_000);

  it('a seq gap asks for one rebirth (held off), and the data after the gap is still taken', async () => {
    const e = sim('site-e');
    await e.connect();
    await born('site-e');
    e.autoRebirth = false;
    const t = Date.now();
    e.skipSeq(3);
    e.ddata('meter-1', { active_power_w: 10 }, t);
    e.skipSeq(2); // a second gap within the hold-off: no second request
    e.ddata('meter-1', { active_power_w: 11 }, t + 1);
    await waitFor(
      async () => (await siteRow('site-e'))?.seqGaps === 2,
      5_000,
      () => 'two gaps counted',
    );
    await waitFor(
      () => e.ncmds.length >= 1,
      5_000,
      () => 'a rebirth request',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(e.ncmds).toHaveLength(1);
    expect(e.ncmds[0]!.topic).toBe(e.topic('NCMD'));
    expect(e.ncmds[0]!.payload.metrics).toEqual([
      expect.objectContaining({ name: 'Node Control/Rebirth', type: 'Boolean', value: true }),
    ]);
    expect((await siteRow('site-e'))!.rebirthsRequested).toBe(1);
    const meter = (await detail('site-e')).assets.find((x) => x.id === 'meter-1')!;
    expect(meter.points.find((p) => p.name === 'active_power_w')!.value).toBe(11);
    // the node answers with births: the count goes up, the seq follows again
    e.births_();
    await waitFor(
      async () => (await siteRow('site-e'))?.births === 2,
      5_000,
      () => 'the rebirth',
    );
    e.ddata('meter-1', { active_power_w: 12 }, Date.now() + 1000);
    await waitFor(
      async () => (await detail('site-e')).assets.find((x) => x.id === 'meter-1')!.points[0]!.value === 12,
      5_000,
      () => 'data after the rebirth',
    );
    expect((await siteRow('site-e'))!.seqGaps).toBe(2);
  });

  it('an unknown alias and data before a birth ask for a rebirth', async () => {
    const f = sim('site-f');
    await f.connect();
    await born('site-f');
    f.ddata('meter-1', { active_power_w: 1 }, Date.now(), { alias: 4242 });
    await waitFor(
      () => f.ncmds.length === 1,
      5_000,
      () => 'a rebirth request for the unknown alias',
    );
    await waitFor(
      async () => (await siteRow('site-f'))?.births === 2,
      5_000,
      () => 'the rebirth',
    );
    expect(hub.fleet!.stats().unknownAliases).toBeGreaterThanOrEqual(1);

    // a node the central never saw born: its data is not taken, a rebirth is asked for
    const g = sim('site-g');
    await g.connect({ births: false });
    const before = hub.fleet!.stats().beforeBirth;
    g.ddata('meter-1', { active_power_w: 7 }, Date.now());
    await waitFor(
      () => g.ncmds.length === 1,
      5_000,
      () => 'a rebirth request for data before birth',
    );
    expect(hub.fleet!.stats().beforeBirth).toBe(before + 1);
    await waitFor(
      async () => (await siteRow('site-g'))?.state === 'online',
      5_000,
      () => 'site-g born',
    );
  });

  it('DDEATH makes an asset offline and its points stale; DBIRTH brings it back', async () => {
    const h = sim('site-h');
    await h.connect();
    await born('site-h');
    h.ddeath('ahu-1');
    const ahu = async () => (await detail('site-h')).assets.find((x) => x.id === 'ahu-1')!;
    await waitFor(
      async () => (await ahu()).state === 'offline',
      5_000,
      () => 'ahu-1 offline',
    );
    expect((await ahu()).points.every((p) => p.stale)).toBe(true);
    expect((await detail('site-h')).assets.find((x) => x.id === 'meter-1')!.state).toBe('online');
    h.dbirth('ahu-1');
    await waitFor(
      async () => (await ahu()).state === 'online',
      5_000,
      () => 'ahu-1 back',
    );
  });

  it('sendCommand publishes a DCMD to the asset', async () => {
    const a = nodes.find((n) => n.o.node === 'site-a')!;
    a.ndata({ 'Site/Alerts active': 5 });
    await waitFor(
      async () => (await siteRow('site-a'))?.state === 'online',
      5_000,
      () => 'site-a online',
    );
    await hub.fleet!.sendCommand('site-a', 'ahu-1', [
      { name: 'supply_temp_sp_c', type: 'Double', value: 18.5 },
      { name: 'Command/Requested by', type: 'String', value: 'alice at central' },
    ]);
    await waitFor(
      () => a.dcmds.length === 1,
      5_000,
      () => 'the DCMD',
    );
    expect(a.dcmds[0]!.topic).toBe(a.topic('DCMD', 'ahu-1'));
    expect(a.dcmds[0]!.payload.metrics).toEqual([
      expect.objectContaining({ name: 'supply_temp_sp_c', value: 18.5 }),
      expect.objectContaining({ name: 'Command/Requested by', value: 'alice at central' }),
    ]);
    await expect(hub.fleet!.sendCommand('nowhere', 'ahu-1', [])).rejects.toThrow(/no site/);
    await expect(hub.fleet!.sendCommand('site-a', 'nothing', [])).rejects.toThrow(/no asset/);
  });

  it("follows a third-party edge node: Eclipse Tahu's own client (sparkplug-client)", async () => {
    const tahu = sparkplugClient.newClient({
      serverUrl: mqttUrl,
      username: '',
      password: '',
      groupId: GROUP,
      edgeNode: 'tahu-node',
      clientId: `tahu-${process.pid}`,
      version: 'spBv1.0',
      keepalive: 5,
      publishDeath: true,
    });
    const ncmds: unknown[] = [];
    const births = () => {
      tahu.publishNodeBirth({
        timestamp: Date.now(),
        metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: false }],
      });
      tahu.publishDeviceBirth('plc-1', {
        timestamp: Date.now(),
        metrics: [
          { name: 'Inputs/Temperature', alias: 1, type: 'Float', value: 20.5, timestamp: Date.now() },
          { name: 'Outputs/Run', alias: 2, type: 'Boolean', value: false, timestamp: Date.now() },
        ],
      });
    };
    tahu.on('birth', births);
    tahu.on('ncmd', (p) => {
      ncmds.push(p);
      births();
    });
    try {
      await waitFor(
        async () => (await siteRow('tahu-node'))?.state === 'online',
        10_000,
        () => 'tahu-node online',
      );
      await waitFor(
        async () => (await detail('tahu-node')).assets.length === 1,
        5_000,
        () => 'its device',
      );
      const ts = Date.now() + 1000;
      tahu.publishDeviceData('plc-1', {
        timestamp: ts,
        metrics: [{ alias: 1, type: 'Float', value: 21.5, timestamp: ts }],
      });
      const plc = async () => (await detail('tahu-node')).assets[0]!;
      await waitFor(
        async () => (await plc()).points[0]!.value === 21.5,
        5_000,
        () => 'DDATA by alias',
      );
      expect(await plc()).toMatchObject({
        id: 'plc-1',
        name: 'plc-1',
        kind: 'generic',
        zone: '',
        state: 'online',
      });
      expect((await plc()).points.map((p) => [p.name, p.value])).toEqual([
        ['Inputs/Temperature', 21.5],
        ['Outputs/Run', false],
      ]);
      await waitFor(
        async () =>
          (
            await influxQuery(
              influxUrl,
              db,
              `SELECT "Inputs/Temperature" FROM raw."generic" WHERE site = 'tahu-node' AND asset = 'plc-1'`,
            )
          ).values.length === 1,
        10_000,
        () => "the Tahu node's reading in InfluxDB",
      );
      // an unknown alias: the Tahu client is asked for a rebirth, and answers
      tahu.publishDeviceData('plc-1', {
        timestamp: Date.now(),
        metrics: [{ alias: 9, type: 'Float', value: 1 }],
      });
      await waitFor(
        () => ncmds.length === 1,
        5_000,
        () => 'a rebirth request to the Tahu client',
      );
      await waitFor(
        async () => (await siteRow('tahu-node'))?.births === 2,
        5_000,
        () => 'the Tahu rebirth',
      );
    } finally {
      tahu.stop();
    }
    await waitFor(
      async () => (await siteRow('tahu-node'))?.state === 'offline',
      5_000,
      () => 'its NDEATH',
    );
  });

  it('40,000 readings from 4 sites land in InfluxDB exactly once, duplicates included', async () => {
    const POINTS = 50;
    const ASSETS_PER_SITE = 10;
    const ROUNDS = 20;
    const assets: SimAsset[] = Array.from({ length: ASSETS_PER_SITE }, (_, a) => ({
      id: `pump-${a}`,
      kind: 'pump',
      zone: 'plant',
      points: Array.from({ length: POINTS }, (_, p) => ({ name: `p${p}`, value: 0 })),
    }));
    const load = ['load-1', 'load-2', 'load-3', 'load-4'].map((id) => sim(id, { assets }));
    await Promise.all(load.map((n) => n.connect()));
    for (const n of load) await born(n.o.node, ASSETS_PER_SITE);
    const before = hub.fleet!.stats().metrics;
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const values = (round: number, a: number) =>
      Object.fromEntries(Array.from({ length: POINTS }, (_, p) => [`p${p}`, round * 10_000 + a * 100 + p]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of load)
        for (let a = 0; a < ASSETS_PER_SITE; a++) n.ddata(`pump-${a}`, values(round, a), t0 + round * 1000);
      await new Promise((r) => setImmediate(r));
    }
    // the same readings again, as a replay after a lost acknowledgement would send them
    for (const n of load) n.ddata('pump-0', values(3, 0), t0 + 3000, { historical: true });
    const total = load.length * ASSETS_PER_SITE * POINTS * ROUNDS;
    await waitFor(
      () => hub.fleet!.stats().metrics - before === total + load.length * POINTS,
      20_000,
      () => `${hub.fleet!.stats().metrics - before} of ${total + load.length * POINTS} metrics taken`,
    );
    for (const n of load) {
      await waitFor(
        async () => {
          const r = await influxQuery(
            influxUrl,
            db,
            `SELECT count(*) FROM raw."pump" WHERE site = '${n.o.node}'`,
          );
          return r.values[0]?.slice(1).every((c) => c === ASSETS_PER_SITE * ROUNDS) === true;
        },
        20_000,
        () => `${n.o.node}: ${ASSETS_PER_SITE * ROUNDS} values of each of its ${POINTS} fields`,
      );
      const r = await influxQuery(
        influxUrl,
        db,
        `SELECT count(*) FROM raw."pump" WHERE site = '${n.o.node}'`,
      );
      expect(r.columns).toHaveLength(POINTS + 1);
      // the sequence: every reading of one series, in order, with its own value
      const series = await influxQuery(
        influxUrl,
        db,
        `SELECT p7 FROM raw."pump" WHERE site = '${n.o.node}' AND asset = 'pump-3'`,
      );
      expect(series.values).toEqual(
        Array.from({ length: ROUNDS }, (_, round) => [t0 + round * 1000, round * 10_000 + 3 * 100 + 7]),
      );
      expect((await siteRow(n.o.node))!.seqGaps).toBe(0);
    }
  }, 60_000);

  it('health, readiness and Prometheus metrics carry the fleet', async () => {
    const health = await get<{
      fleet: { broker: { connected: boolean }; sites: { online: number; stale: number } };
    }>('/api/v1/health');
    expect(health.fleet.broker.connected).toBe(true);
    expect(health.fleet.sites.online + health.fleet.sites.stale).toBeGreaterThanOrEqual(3);
    const ready = await hub.http.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const metrics = await hub.http.inject({ method: 'GET', url: '/metrics', headers: viewer.headers });
    expect(metrics.body).toMatch(/hub_fleet_broker_connected 1/);
    expect(metrics.body).toMatch(/hub_fleet_sites\{state="online"\} \d+/);
    expect(metrics.body).toMatch(/hub_fleet_rebirths_requested_total \d+/);
    // mosquitto tells how many messages it dropped ($SYS, every second; broker-wide, so other files count too)
    await waitFor(
      () => hub.fleet!.stats().brokerDropped !== null,
      5_000,
      () => "mosquitto's dropped count",
    );
    expect(hub.fleet!.stats().brokerDropped).toBeGreaterThanOrEqual(0);
    const anonymous = await hub.http.inject({ method: 'GET', url: '/api/v1/fleet/sites' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('a restarted central asks every node it knew for a rebirth and publishes its STATE', async () => {
    const a = nodes.find((n) => n.o.node === 'site-a')!;
    const before = a.ncmds.length;
    const births = a.births;
    await hub.stop();
    hub = await startCentral();
    viewer = await sessionAs(hub, ['viewer'], `viewer-${Date.now()}`);
    await waitFor(
      () => a.ncmds.length > before,
      5_000,
      () => 'a rebirth request after the restart',
    );
    await waitFor(
      () => a.births > births,
      5_000,
      () => 'site-a reborn',
    );
    await waitFor(
      async () => (await siteRow('site-a'))?.state === 'online',
      5_000,
      () => 'site-a online',
    );
    expect((await siteRow('site-a'))!.name).toBe('Site A 园区');
    // a site that is gone is listed from its kept births: its asset and last known values, stale
    expect(await siteRow('tahu-node')).toMatchObject({ state: 'unknown', assets: 1, points: 2, births: 0 });
    const gone = (await detail('tahu-node')).assets[0]!;
    expect(gone).toMatchObject({ id: 'plc-1', state: 'offline' });
    expect(gone.points[0]).toMatchObject({ name: 'Inputs/Temperature', stale: true });
    expect(typeof gone.points[0]!.value).toBe('number');
    // every node it had heard from (live ones answer), none twice; the killed one is still listed
    expect(hub.fleet!.stats().rebirthsOnConnect).toBeGreaterThanOrEqual(8);
    expect(a.ncmds.length).toBe(before + 1);
    const state = await new Promise<string>((resolve) => {
      a.client!.subscribe(`spBv1.0/STATE/${HOST_ID}`);
      a.client!.on('message', (topic, buf) => {
        if (topic === `spBv1.0/STATE/${HOST_ID}`) resolve(buf.toString());
      });
    });
    expect(JSON.parse(state)).toMatchObject({ online: true, timestamp: expect.any(Number) });
    // an earlier session's will, published late, says offline: the central says online again
    const states: string[] = [];
    a.client!.on('message', (topic, buf) => {
      if (topic === `spBv1.0/STATE/${HOST_ID}`) states.push(buf.toString());
    });
    await a.client!.publishAsync(
      `spBv1.0/STATE/${HOST_ID}`,
      JSON.stringify({ online: false, timestamp: 1 }),
      {
        qos: 1,
        retain: true,
      },
    );
    await waitFor(
      () => states.some((x) => JSON.parse(x).online === true),
      5_000,
      () => `STATE online again (${states.join(' ')})`,
    );
  }, 30_000);
});

describe('config/central.yaml', () => {
  it('is a valid central site file', async () => {
    const site = await loadSiteFile('config/central.yaml');
    expect(site.hub.mode).toBe('central');
    expect(site.mqtt.mode).toBe('off');
    expect(site.storage.mode).toBe('influxdb');
    expect(site.config.central).toMatchObject({ groups: ['facility-hub'], hostId: 'facility-hub-central' });
  });

  it('a central section needs hub.mode central, and a central hub is no edge node', () => {
    const base = `site: { id: c, name: C }\nzones: [{ id: z, name: Z, kind: campus }]\n`;
    const central = 'central: { url: "mqtt://127.0.0.1:1883", groups: [g] }\n';
    expect(() => parseSiteText(`${base}${central}`, 'c.yaml')).toThrow(/hub.mode/);
    expect(() => parseSiteText(`${base}hub: { mode: central }\n`, 'c.yaml')).toThrow(/central/);
    expect(() =>
      parseSiteText(
        `${base}hub: { mode: central }\n${central}upstream: { url: "mqtt://127.0.0.1:1883", groupId: g }\n`,
        'c.yaml',
      ),
    ).toThrow(/not an edge node/);
  });
});
