import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Reading } from '../core/model/reading.js';
import type { SiteModel } from '../core/model/site-model.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { connectDevice, sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { freePort, type Mosquitto, makePki, startMosquitto } from './services.js';
import { testSiteYaml } from './site-fixtures.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * The site hub as a Sparkplug B edge node against a real mosquitto, read by an independent host: an MQTT
 * client decoding with Eclipse Tahu's own `sparkplug-payload` (not the hub's codec). The hub reaches the broker
 * through a TCP proxy the test can cut.
 */

// biome-ignore lint/suspicious/noExplicitAny: Tahu's decoded payloads (Longs, loose metrics)
type Any = any;
const tahu = sparkplugPayload.get('spBv1.0')!;
const num = (v: Any): number => (typeof v === 'number' ? v : Number(v.toString()));

interface Msg {
  type: string;
  node: string;
  device?: string;
  seq?: number;
  metrics: {
    name?: string;
    alias?: number;
    type: string;
    value: Any;
    ts?: number;
    historical: boolean;
    properties?: Any;
  }[];
}

/** A Sparkplug host that records everything under spBv1.0/g1/#, decoded by Tahu. */
async function tahuHost(url: string, opts: IClientOptions = {}) {
  const messages: Msg[] = [];
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId: `tahu-host-${Date.now()}`,
    reconnectPeriod: 0,
    ...opts,
  });
  client.on('message', (topic, buf) => {
    const [, , type, node, device] = topic.split('/');
    const p: Any = tahu.decodePayload(buf);
    messages.push({
      type: type!,
      node: node!,
      device,
      seq: p.seq == null ? undefined : num(p.seq),
      metrics: (p.metrics ?? []).map((m: Any) => ({
        name: m.name ?? undefined,
        alias: m.alias == null ? undefined : num(m.alias),
        type: m.type,
        value: m.value != null && typeof m.value === 'object' ? num(m.value) : m.value,
        ts: m.timestamp == null ? undefined : num(m.timestamp),
        historical: m.isHistorical === true,
        properties: m.properties,
      })),
    });
  });
  await client.subscribeAsync('spBv1.0/g1/#', { qos: 1 });
  return {
    messages,
    client,
    of: (type: string, device?: string) =>
      messages.filter((m) => m.type === type && (device === undefined || m.device === device)),
    send: (topic: string, payload: Any) =>
      client.publishAsync(topic, Buffer.from(tahu.encodePayload(payload)), { qos: 1 }),
  };
}

function edgeSite(
  brokerPort: number,
  dataDir = tempDataDir(),
  opts: { mqttPort?: number; upstream?: Record<string, unknown> } = {},
): SiteModel {
  const doc = parse(testSiteYaml({ dataDir, mqttPort: opts.mqttPort }));
  doc.storage = { mode: 'off' };
  doc.upstream = {
    url: `mqtt://127.0.0.1:${brokerPort}`,
    groupId: 'g1',
    keepAliveS: 5,
    summaryIntervalMs: 1000,
    spool: { flushMs: 100 },
    replayMetricsPerS: 20_000,
    ...opts.upstream,
  };
  return parseSiteText(stringify(doc), 'edge-site.yaml');
}

const ROOM_POINTS = ['room-1/temp_c', 'room-1/humidity_pct', 'room-1/co2_ppm', 'room-2/temp_c'];

/** Every (point, ts) the host saw in DDATA, by alias resolved through the births. */
function seenData(host: Awaited<ReturnType<typeof tahuHost>>, site: SiteModel) {
  const byAlias = new Map(site.points.map((p) => [1000 + p.index, p.id]));
  const seen = new Map<string, { value: Any; historical: boolean }[]>();
  for (const m of host.of('DDATA'))
    for (const metric of m.metrics) {
      const key = `${byAlias.get(metric.alias!)}@${metric.ts}`;
      const list = seen.get(key) ?? [];
      list.push({ value: metric.value, historical: metric.historical });
      seen.set(key, list);
    }
  return seen;
}

/** Within each session (from an NBIRTH), seq goes 0, 1, 2 … mod 256 without a gap. */
function expectSeqContinuity(messages: Msg[]) {
  let expected: number | undefined;
  for (const m of messages) {
    if (m.type === 'NDEATH' || m.type === 'NCMD' || m.type === 'DCMD') continue;
    if (m.type === 'NBIRTH') {
      expect(m.seq).toBe(0);
      expected = 1;
      continue;
    }
    if (expected === undefined) continue;
    expect(m.seq, `${m.type} ${m.device ?? ''}`).toBe(expected);
    expected = (expected + 1) % 256;
  }
}

describe('site hub as a Sparkplug B edge node', () => {
  let broker: Mosquitto;
  let proxy: TcpProxy;

  beforeAll(async () => {
    broker = await startMosquitto();
    proxy = await startTcpProxy(broker.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await broker?.stop();
  });

  it('births, report by exception, Rebirth by NCMD, and the orderly NDEATH', async () => {
    const host = await tahuHost(broker.url);
    const site = edgeSite(broker.port);
    const hub = await buildHub(testHubOptions(site, { live: false }));
    try {
      await hub.start();
      await waitFor(
        () => host.of('DBIRTH').length >= site.assets.length,
        10_000,
        () => 'the births',
      );
      const [nbirth] = host.of('NBIRTH');
      expect(nbirth!.node).toBe('t1');
      expect(nbirth!.seq).toBe(0);
      const metric = (m: Msg, name: string) => m.metrics.find((x) => x.name === name);
      const bdSeq = metric(nbirth!, 'bdSeq')!;
      expect(bdSeq.type).toBe('UInt64');
      expect(bdSeq.alias).toBeUndefined();
      expect(metric(nbirth!, 'Node Control/Rebirth')).toMatchObject({ type: 'Boolean', value: false });
      expect(metric(nbirth!, 'Site/Name')).toMatchObject({ type: 'String', value: 'Test site' });
      expect(metric(nbirth!, 'Site/Alerts active')).toMatchObject({ type: 'Int32', value: 0 });
      expect(metric(nbirth!, 'Site/Power W')!.type).toBe('Double');
      // one device per asset, aliases 1000 + point index, types, units and kinds as properties
      const room = host.of('DBIRTH', 'room-1')[0]!;
      expect(metric(room, 'Asset/Name')!.value).toBe('Room 1');
      expect(metric(room, 'Asset/Kind')!.value).toBe('env-sensor');
      expect(metric(room, 'Asset/Zone name')!.value).toBe('Floor 1');
      const temp = metric(room, 'temp_c')!;
      expect(temp).toMatchObject({
        alias: 1000 + site.pointById.get('room-1/temp_c')!.index,
        type: 'Double',
      });
      expect(temp.properties.engUnit).toMatchObject({ type: 'String', value: 'degC' });
      expect(temp.properties.Kind.value).toBe('measurement');
      expect(temp.properties.Quality.value).toBe(0); // no value yet: bad, null
      const sp = metric(host.of('DBIRTH', 'ahu-1')[0]!, 'supply_temp_sp_c')!;
      // remote writes are off by default: the central is told, so it does not offer a write the site refuses
      expect(sp.properties.Writable).toMatchObject({ type: 'Boolean', value: false });
      expect(metric(host.of('DBIRTH', 'gate-a')[0]!, 'door_open')!.type).toBe('Boolean');

      // report by exception: the same value again (a heartbeat) is not re-published
      const t0 = Date.now();
      const emit = (value: number, ts: number) =>
        hub.bus.emit('readings.accepted', [
          { pointId: 'room-1/temp_c', value, quality: 'good', ts } as Reading,
        ]);
      emit(21, t0);
      emit(21, t0 + 1);
      emit(21.5, t0 + 2);
      hub.bus.emit('readings.accepted', [
        { pointId: 'room-1/co2_ppm', value: 600, quality: 'uncertain', ts: t0 + 3 },
      ]);
      await waitFor(
        () => seenData(host, site).size >= 3,
        5_000,
        () => 'the DDATA',
      );
      const seen = seenData(host, site);
      expect([...seen.keys()].sort()).toEqual(
        [`room-1/co2_ppm@${t0 + 3}`, `room-1/temp_c@${t0}`, `room-1/temp_c@${t0 + 2}`].sort(),
      );
      const co2 = host
        .of('DDATA', 'room-1')
        .flatMap((m) => m.metrics)
        .find((m) => m.ts === t0 + 3)!;
      expect(co2.properties.Quality.value).toBe(64);

      // NCMD Node Control/Rebirth: a new NBIRTH (seq 0, the same bdSeq) and every DBIRTH again
      await host.send('spBv1.0/g1/NCMD/t1', {
        timestamp: Date.now(),
        metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
      });
      await waitFor(
        () => host.of('NBIRTH').length === 2 && host.of('DBIRTH').length >= 2 * site.assets.length,
        5_000,
        () => JSON.stringify(hub.upstream!.health()) + host.messages.map((m) => m.type).join(','),
      );
      const rebirth = host.of('NBIRTH')[1]!;
      expect(metric(rebirth, 'bdSeq')!.value).toBe(bdSeq.value);
      // the rebirth carries the latest values
      expect(metric(host.of('DBIRTH', 'room-1')[1]!, 'temp_c')!.value).toBe(21.5);
      expect(hub.upstream!.health()).toMatchObject({
        state: 'connected',
        rebirthsRequested: 1,
        edgeNodeId: 't1',
      });
      expectSeqContinuity(host.messages);
      // health and Prometheus tell the link and the spool
      const viewer = await sessionAs(hub, ['viewer']);
      const health = await hub.http.inject({ url: '/api/v1/health', headers: viewer.headers });
      expect(health.json()).toMatchObject({ status: 'ok', upstream: { state: 'connected', groupId: 'g1' } });
      const metrics = await hub.http.inject({ url: '/metrics', headers: viewer.headers });
      expect(metrics.body).toContain('hub_upstream_connected 1');
      expect(metrics.body).toMatch(/hub_upstream_published_total\{what="births"\} 10/);

      // an orderly stop publishes the NDEATH of the session itself
      await hub.stop();
      await waitFor(
        () => host.of('NDEATH').length === 1,
        3_000,
        () => JSON.stringify(hub.upstream!.health()) + host.messages.map((m) => m.type).join(','),
      );
      expect(metric(host.of('NDEATH')[0]!, 'bdSeq')!.value).toBe(bdSeq.value);
      // a clean DISCONNECT: the broker drops the will, so there is no second NDEATH
      await new Promise((r) => setTimeout(r, 300));
      expect(host.of('NDEATH')).toHaveLength(1);
    } finally {
      await hub.stop().catch(() => undefined);
      await host.client.endAsync();
    }
  });

  it('a cut link: the broker publishes the will, readings are spooled and replayed once back, none missing', async () => {
    const host = await tahuHost(broker.url);
    const dataDir = tempDataDir();
    const site = edgeSite(proxy.port, dataDir);
    const hub = await buildHub(testHubOptions(site, { live: false }));
    const emitted: Reading[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await hub.start();
      await waitFor(() => host.of('DBIRTH').length >= site.assets.length);
      const firstBdSeq = host.of('NBIRTH')[0]!.metrics.find((m) => m.name === 'bdSeq')!.value;
      // 4 points, a new value each every 5 ms (800 readings/s), unique timestamps per series
      const t0 = Date.now();
      let i = 0;
      timer = setInterval(() => {
        i++;
        const batch = ROOM_POINTS.map((pointId) => ({
          pointId,
          value: i,
          quality: 'good' as const,
          ts: t0 + i,
        }));
        emitted.push(...batch);
        hub.bus.emit('readings.accepted', batch);
      }, 5);
      await new Promise((r) => setTimeout(r, 1_000));
      await proxy.cut();
      // the broker sees the connection die and publishes the will: NDEATH with the session's bdSeq
      await waitFor(
        () => host.of('NDEATH').length === 1,
        5_000,
        () => 'the will',
      );
      expect(host.of('NDEATH')[0]!.metrics.find((m) => m.name === 'bdSeq')!.value).toBe(firstBdSeq);
      await waitFor(() => hub.upstream!.health().state !== 'connected');
      await new Promise((r) => setTimeout(r, 2_000));
      const spooled = hub.upstream!.health().spool.lines;
      expect(spooled).toBeGreaterThan(100);
      await proxy.restore();
      await waitFor(
        () => host.of('NBIRTH').length === 2,
        10_000,
        () => 'the new session',
      );
      // a new bdSeq per MQTT connect (each failed attempt during the cut took one too)
      expect(host.of('NBIRTH')[1]!.metrics.find((m) => m.name === 'bdSeq')!.value).not.toBe(firstBdSeq);
      await new Promise((r) => setTimeout(r, 1_000));
      clearInterval(timer);
      await waitFor(
        () => hub.upstream!.health().spool.lines === 0 && !hub.upstream!.health().replaying,
        20_000,
        () => `the replay (${hub.upstream!.health().spool.lines} left)`,
      );
      await waitFor(
        () => {
          const seen = seenData(host, site);
          return emitted.every((r) => seen.has(`${r.pointId}@${r.ts}`));
        },
        10_000,
        () => 'every reading at the host',
      );
      const seen = seenData(host, site);
      // every reading arrived with its own value; the spooled ones flagged historical
      let historical = 0;
      for (const r of emitted) {
        const got = seen.get(`${r.pointId}@${r.ts}`)!;
        expect(got.every((g) => g.value === r.value)).toBe(true);
        if (got.some((g) => g.historical)) historical++;
      }
      expect(historical).toBeGreaterThanOrEqual(spooled);
      // historical data only after the new session's births, and seq without gaps in every session
      const secondBirth = host.messages.indexOf(host.of('NBIRTH')[1]!);
      const firstHistorical = host.messages.findIndex((m) => m.metrics.some((x) => x.historical));
      expect(firstHistorical).toBeGreaterThan(secondBirth);
      expectSeqContinuity(host.messages);
      const h = hub.upstream!.health();
      expect(h.sessions).toBe(2);
      expect(h.spool.droppedLines).toBe(0);
      expect(h.published.historicalMetrics).toBeGreaterThanOrEqual(spooled);
    } finally {
      clearInterval(timer);
      await hub.stop().catch(() => undefined);
      await host.client.endAsync();
    }
  });

  it('the spool survives a restart: what was spooled before the stop is replayed by the next run', async () => {
    const host = await tahuHost(broker.url);
    const dataDir = tempDataDir();
    const site = edgeSite(proxy.port, dataDir);
    let hub: Hub = await buildHub(testHubOptions(site, { live: false }));
    try {
      await proxy.cut();
      await hub.start();
      const t0 = Date.now() - 60_000;
      const batch = ROOM_POINTS.flatMap((pointId) =>
        Array.from({ length: 250 }, (_, k) => ({ pointId, value: k, quality: 'good' as const, ts: t0 + k })),
      );
      hub.bus.emit('readings.accepted', batch);
      await hub.stop();
      await proxy.restore();
      hub = await buildHub(testHubOptions(site, { live: false }));
      await hub.start();
      await waitFor(
        () => batch.every((r) => seenData(host, site).get(`${r.pointId}@${r.ts}`)?.[0]?.historical === true),
        10_000,
        () => "the previous run's spool",
      );
      // bdSeq is persisted: the first session of this data dir had 0 (it never connected), this one 1 or more
      expect(host.of('NBIRTH')[0]!.metrics.find((m) => m.name === 'bdSeq')!.value).toBeGreaterThan(0);
    } finally {
      await hub.stop().catch(() => undefined);
      await host.client.endAsync();
    }
  });
  it('an asset whose device goes offline gets DDEATH, and a DBIRTH with its latest values when it is back', async () => {
    const host = await tahuHost(broker.url);
    const mqttPort = await freePort();
    const site = edgeSite(broker.port, tempDataDir(), { mqttPort });
    const hub = await buildHub(testHubOptions(site, { live: false }));
    try {
      await hub.start();
      await waitFor(() => host.of('DBIRTH').length >= site.assets.length);
      // a real device through the embedded broker and the pipeline
      let gate = await connectDevice(hub, mqttPort, 'gate-ctl');
      await gate.publishAsync(
        'site/t1/gate-a/telemetry',
        JSON.stringify({ door_open: true, last_card: 'A1' }),
      );
      const doorAlias = 1000 + site.pointById.get('gate-a/door_open')!.index;
      await waitFor(() =>
        host
          .of('DDATA', 'gate-a')
          .some((m) => m.metrics.some((x) => x.alias === doorAlias && x.value === true)),
      );
      await gate.endAsync();
      await waitFor(
        () => host.of('DDEATH', 'gate-a').length === 1,
        5_000,
        () => 'the DDEATH',
      );
      expect(host.of('DDEATH')).toHaveLength(1); // the other assets stay born
      // the site's summary follows in NDATA, by the alias its NBIRTH gave
      const offlineAlias = host
        .of('NBIRTH')[0]!
        .metrics.find((m) => m.name === 'Site/Devices offline')!.alias;
      await waitFor(
        () => host.of('NDATA').some((m) => m.metrics.some((x) => x.alias === offlineAlias && x.value >= 1)),
        5_000,
        () => 'NDATA Site/Devices offline',
      );
      gate = await connectDevice(hub, mqttPort, 'gate-ctl');
      await gate.publishAsync(
        'site/t1/gate-a/telemetry',
        JSON.stringify({ door_open: false, last_card: 'B2' }),
      );
      await waitFor(
        () => host.of('DBIRTH', 'gate-a').length === 2,
        5_000,
        () => 'the DBIRTH',
      );
      const birth = host.of('DBIRTH', 'gate-a')[1]!;
      expect(birth.metrics.find((m) => m.name === 'last_card')).toMatchObject({ type: 'String' });
      await waitFor(() =>
        host
          .of('DDATA', 'gate-a')
          .some((m) => m.metrics.some((x) => x.alias === doorAlias && x.value === false)),
      );
      // the death and the birth come in order after the data that preceded them
      const order = host.messages.filter((m) => m.device === 'gate-a').map((m) => m.type);
      expect(order.indexOf('DDEATH')).toBeGreaterThan(order.indexOf('DDATA'));
      expectSeqContinuity(host.messages);
      await gate.endAsync();
    } finally {
      await hub.stop();
      await host.client.endAsync();
    }
  });

  it('over TLS with credentials from the environment; refused credentials leave it spooling', async () => {
    const pki = makePki();
    const passwd = join(pki.dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwd, 'site-t1', 'upstream-secret-1']);
    const tlsBroker = await startMosquitto([
      `certfile ${pki.serverCert}`,
      `keyfile ${pki.serverKey}`,
      'allow_anonymous false',
      `password_file ${passwd}`,
    ]);
    const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
    const host = await tahuHost(url, {
      ca: readFileSync(pki.caFile),
      username: 'site-t1',
      password: 'upstream-secret-1',
    });
    process.env.FLEET_EDGE_USER = 'site-t1';
    process.env.FLEET_EDGE_PASSWORD = 'upstream-secret-1';
    process.env.FLEET_EDGE_BAD_PASSWORD = 'wrong';
    const upstream = (passwordEnv: string) => ({
      url,
      usernameEnv: 'FLEET_EDGE_USER',
      passwordEnv,
      tls: { caFile: pki.caFile },
    });
    const good = await buildHub(
      testHubOptions(edgeSite(0, tempDataDir(), { upstream: upstream('FLEET_EDGE_PASSWORD') }), {
        live: false,
      }),
    );
    const bad = await buildHub(
      testHubOptions(
        edgeSite(0, tempDataDir(), {
          upstream: { ...upstream('FLEET_EDGE_BAD_PASSWORD'), edgeNodeId: 'bad' },
        }),
        {
          live: false,
        },
      ),
    );
    try {
      await good.start();
      await bad.start();
      await waitFor(
        () => host.of('DBIRTH').length >= good.site.assets.length,
        10_000,
        () => 'births over TLS',
      );
      const ts = Date.now();
      good.bus.emit('readings.accepted', [{ pointId: 'room-2/temp_c', value: 19, quality: 'good', ts }]);
      await waitFor(() =>
        host.of('DDATA', 'room-2').some((m) => m.metrics.some((x) => x.ts === ts && x.value === 19)),
      );
      bad.bus.emit('readings.accepted', [{ pointId: 'room-2/temp_c', value: 19, quality: 'good', ts }]);
      await waitFor(() => bad.upstream!.health().failures >= 2 && bad.upstream!.health().spool.lines === 1);
      expect(bad.upstream!.health()).toMatchObject({ state: 'backoff', sessions: 0 });
      expect(host.messages.some((m) => m.node === 'bad')).toBe(false);
    } finally {
      await good.stop();
      await bad.stop();
      await host.client.endAsync();
      await tlsBroker.stop();
      for (const k of ['FLEET_EDGE_USER', 'FLEET_EDGE_PASSWORD', 'FLEET_EDGE_BAD_PASSWORD'])
        delete process.env[k];
    }
  });
});
