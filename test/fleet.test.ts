import mqtt, { type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FleetSiteAnswer, FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  type CuttableLink,
  centralSiteYaml,
  type FleetLoad,
  fleetSiteYaml,
  type HubProcess,
  startCuttableLink,
  startFleetLoad,
  startHubProcess,
  writeSiteFile,
} from './fleet-fixtures.js';
import { login, TEST_ADMIN, type TestSession, testHubOptions, waitFor } from './hub-harness.js';
import { freePort, type Mosquitto, startMosquitto } from './services.js';

/**
 * The fleet end to end, on loopback with the real pieces: three site hubs (in child processes, site-c alone in
 * its own; each fed 10,000 readings/s over its embedded MQTT broker) publishing Sparkplug B upstream to a real
 * mosquitto, each through a TCP link the test can cut; a central hub (hub.mode: central) writing the fleet to
 * a real InfluxDB; and an independent Sparkplug host (Eclipse Tahu's `sparkplug-payload`, not the hub's codec)
 * on the same broker checking what the sites publish. The upstream links are cut silently (no byte passes, no
 * connection closes) for FLEET_CUT_S seconds: every site goes offline at the central within 1.5× its
 * keep-alive, spools, and on return replays while live data keeps flowing. At the end the central InfluxDB
 * holds every reading exactly once (count, sum, min and max of every series; the whole sequence of a sample);
 * then a site killed with SIGKILL is offline in the fleet API within its keep-alive, its values kept as stale.
 * `npm run bench fleet-outage` does the 5-minute cut; this runs inside the test budget (~60 s).
 */

const GROUP = 'fleet-e2e';
const SITES = ['site-a', 'site-b', 'site-c'] as const;
const ASSETS = 100;
const POINTS = 10;
const PERIOD_MS = 100; // 100 assets × 10 points every 100 ms: 10,000 readings/s per site
const KEEPALIVE_S = 5;
const CUT_S = Number(process.env.FLEET_CUT_S ?? 20);
const LIVE_BEFORE_CUT_MS = 5_000;
const REPLAY_LIMIT_MS = 60_000;

const tahu = sparkplugPayload.get('spBv1.0')!;
const num = (v: unknown): number =>
  typeof v === 'number' ? v : ((v as { toNumber(): number }).toNumber?.() ?? Number(v));

/**
 * An independent Sparkplug host: every message of the group decoded with Tahu's codec; per edge node the
 * sessions (NBIRTH bdSeq … NDEATH bdSeq), seq continuity inside each, aliases against the births, and how
 * often each reading was seen on the wire (QoS 1 may deliver one twice across a cut: InfluxDB keeps it once).
 */
class TahuHost {
  readonly nodes = new Map<
    string,
    {
      births: number[];
      deaths: number[];
      /** When each NDEATH arrived (ms UTC). */
      deathAt: number[];
      seqBreaks: string[];
      lastSeq: number | undefined;
      aliases: Set<number>;
      unknownAliases: number;
      historical: number;
      live: number;
      /** site/asset/alias → how often each tick was seen. */
      seen: Map<string, Uint8Array>;
    }
  >();
  constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static async start(url: string): Promise<TahuHost> {
    const client = await mqtt.connectAsync(url, { clientId: 'tahu-host', reconnectPeriod: 0 });
    const host = new TahuHost(client);
    await client.subscribeAsync(`spBv1.0/${GROUP}/#`, { qos: 1 });
    return host;
  }

  node(id: string) {
    let n = this.nodes.get(id);
    if (!n) {
      n = {
        births: [],
        deaths: [],
        deathAt: [],
        seqBreaks: [],
        lastSeq: undefined,
        aliases: new Set(),
        unknownAliases: 0,
        historical: 0,
        live: 0,
        seen: new Map(),
      };
      this.nodes.set(id, n);
    }
    return n;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const [, , type, nodeId, device] = topic.split('/');
    if (!nodeId) return;
    const n = this.node(nodeId);
    const p = tahu.decodePayload(payload);
    const seq = p.seq == null ? undefined : num(p.seq);
    if (type === 'NDEATH') {
      const bd = p.metrics?.find((m) => m.name === 'bdSeq');
      n.deaths.push(bd ? num(bd.value) : -1);
      n.deathAt.push(Date.now());
      n.lastSeq = undefined;
      return;
    }
    if (type === 'NBIRTH') {
      const bd = p.metrics?.find((m) => m.name === 'bdSeq');
      n.births.push(bd ? num(bd.value) : -1);
      if (seq !== 0) n.seqBreaks.push(`NBIRTH seq ${seq}`);
      n.lastSeq = seq;
      n.aliases.clear();
      for (const m of p.metrics ?? []) if (m.alias != null) n.aliases.add(num(m.alias));
      return;
    }
    if (n.lastSeq === undefined) n.seqBreaks.push(`${type} before NBIRTH`);
    else if (seq !== (n.lastSeq + 1) % 256) n.seqBreaks.push(`${type} seq ${seq} after ${n.lastSeq}`);
    n.lastSeq = seq;
    if (type === 'DBIRTH') {
      for (const m of p.metrics ?? []) if (m.alias != null) n.aliases.add(num(m.alias));
      return;
    }
    if (type !== 'DDATA' || !device) return;
    for (const m of p.metrics ?? []) {
      const alias = m.alias == null ? undefined : num(m.alias);
      if (alias === undefined || !n.aliases.has(alias)) n.unknownAliases++;
      if (m.isHistorical) n.historical++;
      else n.live++;
      const k = num(m.value);
      const key = `${device}/${alias}`;
      let s = n.seen.get(key);
      if (!s) {
        s = new Uint8Array(4096);
        n.seen.set(key, s);
      }
      if (Number.isInteger(k) && k >= 0 && k < s.length) s[k] = Math.min(255, s[k]! + 1);
    }
  }

  /** Readings of a node seen more than once on the wire. */
  duplicates(id: string): number {
    let d = 0;
    for (const s of this.node(id).seen.values()) for (const c of s) if (c > 1) d += c - 1;
    return d;
  }

  /** Ticks (0 … n−1) of some series of a node never seen on the wire. */
  missing(id: string, n: number): number {
    let m = 0;
    for (const s of this.node(id).seen.values()) for (let k = 0; k < n; k++) if (s[k] === 0) m++;
    return m;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  close = () => this.client.endAsync();
}

/** A condition for waitFor tried at most every `ms` (a query each try: no need to ask 50 times a second). */
function paced(ms: number, cond: () => Promise<boolean>): () => Promise<boolean> {
  let last = 0;
  return async () => {
    const wait = last + ms - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    last = Date.now();
    return cond();
  };
}

interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

async function influx(url: string, db: string, q: string): Promise<Series[]> {
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms`, {
    method: 'POST',
    body: new URLSearchParams({ q }),
  });
  const body = (await res.json()) as { results: { error?: string; series?: Series[] }[] };
  const r = body.results[0]!;
  if (r.error) throw new Error(`${q}: ${r.error}`);
  return r.series ?? [];
}

describe('the fleet: 3 site hubs, a central hub, mosquitto and InfluxDB', () => {
  const influxUrl = inject('influxUrl');
  const db = `fleet_e2e_${process.pid}`;
  let broker: Mosquitto;
  let central: Hub;
  let centralUrl: string;
  let session: TestSession;
  let host: TahuHost;
  let load: FleetLoad;
  const links = new Map<string, CuttableLink>();
  const processes: HubProcess[] = [];
  let killable: HubProcess;
  const mqttPorts = new Map<string, number>();
  let t0 = 0;
  const figures: Record<string, unknown> = {};

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${centralUrl}${path}`, { headers: session.headers });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const fleetSites = async () =>
    new Map((await api<FleetSitesAnswer>('/api/v1/fleet/sites')).sites.map((s) => [s.id, s]));
  const stateOf = async (id: string) => (await fleetSites()).get(id)?.state;
  /** Where readings are missing: per site, the seconds with fewer in InfluxDB than sent, and on the wire. */
  const holes = async (until: number) => {
    const out: string[] = [];
    for (const id of SITES) {
      const [s] = await influx(
        influxUrl,
        db,
        `SELECT count(p0) FROM generic WHERE site = '${id}' AND time >= ${t0}ms AND time < ${until}ms GROUP BY time(1s) fill(0)`,
      );
      const short = (s?.values ?? [])
        .filter((v) => Number(v[1]) < (1000 / PERIOD_MS) * ASSETS)
        .map((v) => `+${(Number(v[0]) - t0) / 1000}s: ${v[1]}`);
      const wire = host.node(id).seen.get('a0/1000');
      const notOnWire: number[] = [];
      for (let k = 0; wire && k < (until - t0) / PERIOD_MS; k++) if (wire[k] === 0) notOnWire.push(k);
      out.push(
        `${id}: seconds short in InfluxDB ${short.slice(0, 40).join(', ')}; ticks of a0/p0 never on the wire: ${notOnWire.length} (${notOnWire.slice(0, 5)} … ${notOnWire.slice(-5)}); readings of all series never on the wire: ${host.missing(id, Math.floor((until - t0) / PERIOD_MS))}`,
      );
    }
    for (const p of processes) out.push(await p.upstreamHealth());
    const health = await api<{ fleet?: unknown; storage?: unknown }>('/api/v1/health').catch((e) =>
      String(e),
    );
    out.push(`central health: ${JSON.stringify(health)}`);
    return out.join('\n');
  };

  beforeAll(async () => {
    broker = await startMosquitto([
      'max_queued_messages 1000000',
      'max_queued_bytes 0',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
    ]);
    central = await buildHub(
      testHubOptions(
        parseSiteText(
          centralSiteYaml({
            brokerUrl: broker.url,
            groups: [GROUP],
            influxUrl,
            database: db,
            silentAfterS: 60,
          }),
          'central.yaml',
        ),
      ),
    );
    centralUrl = (await central.start()).replace(/\/$/, '');
    session = await login(central, TEST_ADMIN.username, TEST_ADMIN.password);
    host = await TahuHost.start(broker.url);

    const files = new Map<string, string>();
    for (const id of SITES) {
      const link = await startCuttableLink(broker.port);
      links.set(id, link);
      const mqttPort = await freePort();
      mqttPorts.set(id, mqttPort);
      const yaml = fleetSiteYaml({
        id,
        name: `Site ${id.slice(-1).toUpperCase()}`,
        mqttPort,
        upstreamUrl: link.url,
        groupId: GROUP,
        assets: ASSETS,
        points: POINTS,
        keepAliveS: KEEPALIVE_S,
        upstreamExtra: ['spool: { flushMs: 200 }'],
      });
      files.set(id, writeSiteFile(yaml));
    }
    // site-a and site-b share a process; site-c, the one killed, has its own
    const [ab, c] = await Promise.all([
      startHubProcess([files.get('site-a')!, files.get('site-b')!]),
      startHubProcess([files.get('site-c')!]),
    ]);
    processes.push(ab, c);
    killable = c;
    load = await startFleetLoad({
      sites: SITES.map((id) => ({ id, url: `mqtt://127.0.0.1:${mqttPorts.get(id)}` })),
      assets: ASSETS,
      points: POINTS,
      periodMs: PERIOD_MS,
    });
  }, 60_000);

  afterAll(async () => {
    await load?.kill();
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all([...links.values()].map((l) => l.stop()));
    await host?.close().catch(() => undefined);
    await central?.stop();
    await broker?.stop();
    if (Object.keys(figures).length) console.log('fleet e2e:', JSON.stringify(figures));
  });

  it('every reading once in the central InfluxDB across a silent upstream cut, replayed within 60 s while live flows; a killed site offline within its keep-alive', async () => {
    // ── all three sites born at the central ───────────────────────────────────────────────────────
    await waitFor(
      async () => SITES.every((id) => host.nodes.get(id)?.births.length === 1),
      20_000,
      () => `an NBIRTH from every site (${[...host.nodes.keys()]})`,
    );
    await waitFor(
      paced(100, async () => {
        const all = await fleetSites();
        return SITES.every((id) => all.get(id)?.state === 'online');
      }),
      10_000,
      () => 'every site online in the fleet API',
    );
    const a = await api<FleetSiteAnswer>('/api/v1/fleet/sites/site-a');
    expect(a.site.name).toBe('Site A');
    expect(a.assets.length, 'site-a: every asset a Sparkplug device at the central').toBe(ASSETS);
    expect(a.assets[0]!.points.map((p) => p.name).sort()).toEqual(
      Array.from({ length: POINTS }, (_, p) => `p${p}`).sort(),
    );
    expect(a.assets[0]!.points[0]!.unit).toBe('kW');

    // ── live load: tick k at t0 + k·100 ms with the value k in every point ────────────────────────
    t0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    load.start(t0);
    await waitFor(
      paced(500, async () => {
        const s = await influx(
          influxUrl,
          db,
          `SELECT count(p0) FROM generic WHERE time >= ${t0}ms GROUP BY site`,
        );
        return s.length === SITES.length;
      }),
      15_000,
      () =>
        `live readings of every site in the central InfluxDB (DDATA metrics the Tahu host saw: ${SITES.map((id) => `${id} ${host.nodes.get(id)?.live}`)})`,
    );
    await new Promise((r) => setTimeout(r, LIVE_BEFORE_CUT_MS));

    // ── the upstream links cut silently: offline within 1.5× the keep-alive ───────────────────────
    const cutAt = Date.now();
    for (const l of links.values()) l.cutLink();
    const offlineAt = new Map<string, number>();
    await waitFor(
      paced(100, async () => {
        const all = await fleetSites();
        for (const id of SITES)
          if (!offlineAt.has(id) && all.get(id)?.state === 'offline') offlineAt.set(id, Date.now() - cutAt);
        return offlineAt.size === SITES.length;
      }),
      KEEPALIVE_S * 1500 + 12_000,
      () => `every site offline after the cut (${[...offlineAt]})`,
    );
    // NDEATH is the will, published by the broker when the keep-alive runs out: same bdSeq as the NBIRTH
    await waitFor(
      async () => SITES.every((id) => host.nodes.get(id)!.deaths.length === 1),
      5_000,
      () =>
        `an NDEATH from every site at the independent host (${SITES.map((id) => `${id}: births ${host.nodes.get(id)!.births}, deaths ${host.nodes.get(id)!.deaths}`)}; connected ${host.connected})`,
    );
    figures.offlineAfterCutMs = Object.fromEntries(offlineAt);
    figures.ndeathAfterCutMs = Object.fromEntries(
      SITES.map((id) => [id, host.nodes.get(id)!.deathAt[0]! - cutAt]),
    );
    for (const id of SITES) {
      expect(host.nodes.get(id)!.deaths, `${id}: NDEATH bdSeq`).toEqual(host.nodes.get(id)!.births);
      // The broker's clock starts at the last byte it read: what was already in the sockets' buffers at the
      // cut still arrives, seconds later on a loaded machine; then mosquitto's keep-alive check (it sent all
      // three NDEATHs in the same millisecond, 8.5–12.8 s after the cut, on a 2-core machine at load 12).
      expect(
        offlineAt.get(id),
        `${id}: offline within 1.5× keep-alive (+10 s: bytes in flight at the cut, the broker's check)`,
      ).toBeLessThan(KEEPALIVE_S * 1500 + 10_000);
      expect(
        cutAt + offlineAt.get(id)! - host.nodes.get(id)!.deathAt[0]!,
        `${id}: offline at the central as the NDEATH arrives`,
      ).toBeLessThan(1_000);
    }

    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + CUT_S * 1000 - Date.now())));

    // ── back: births, live at once, the spool replayed beside it ──────────────────────────────────
    const restoredAt = Date.now();
    for (const l of links.values()) l.restore();
    // every tick with ts before the restore: ceil((restoredAt − t0) / period) per series
    const before = Math.ceil((restoredAt - t0) / PERIOD_MS);
    let liveLagMax = 0;
    let replayedAt: number | undefined;
    let progress = '';
    const onlineAgain = new Map<string, number>();
    try {
      await waitFor(
        paced(1000, async () => {
          const now = Date.now();
          const all = await fleetSites();
          for (const id of SITES)
            if (!onlineAgain.has(id) && all.get(id)?.state === 'online')
              onlineAgain.set(id, now - restoredAt);
          const counts = await influx(
            influxUrl,
            db,
            `SELECT count(p0) FROM generic WHERE time >= ${t0}ms AND time < ${restoredAt}ms GROUP BY site`,
          );
          const last = await influx(
            influxUrl,
            db,
            `SELECT last(p0) FROM generic WHERE time >= ${restoredAt}ms GROUP BY site`,
          );
          // live: how far the newest reading in InfluxDB is behind the clock, once the site is back
          if (onlineAgain.size === SITES.length && now - restoredAt > 3_000)
            for (const s of last) liveLagMax = Math.max(liveLagMax, now - Number(s.values[0]![0]));
          const done =
            counts.length === SITES.length &&
            counts.every((s) => Number(s.values[0]![1]) === before * ASSETS) &&
            last.length === SITES.length;
          if (done) replayedAt = now;
          progress = SITES.map((id) => {
            const n = host.nodes.get(id)!;
            const count = counts.find((c) => c.tags?.site === id)?.values[0]?.[1];
            return `${id}: ${all.get(id)?.state}, ${count} in InfluxDB, ${n.births.length} births, ${n.historical} historical and ${n.live} live metrics on the wire`;
          }).join('; ');
          return done;
        }),
        REPLAY_LIMIT_MS + 10_000,
        () =>
          `the replay of the cut (expected ${before * ASSETS} readings of p0 per site before the restore; ${progress}; site processes said: ${processes.map((p) => p.output().slice(-1500)).join(' | ')})`,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await holes(restoredAt)}`);
    }
    figures.onlineAfterRestoreMs = Object.fromEntries(onlineAgain);
    figures.replayMs = replayedAt! - restoredAt;
    figures.liveLagMaxDuringReplayMs = liveLagMax;
    expect(replayedAt! - restoredAt, 'the whole cut replayed within 60 s of the return').toBeLessThan(
      REPLAY_LIMIT_MS,
    );
    // 1–3 s on a quiet machine; up to 8 s seen with the 2 cores shared at load 12
    expect(liveLagMax, 'live data kept flowing during the replay (newest reading in InfluxDB)').toBeLessThan(
      15_000,
    );

    // ── stop the load, drain, count: every reading exactly once ───────────────────────────────────
    const ticks = await load.stop();
    figures.ticks = ticks;
    figures.readingsPerSite = Object.fromEntries(SITES.map((id) => [id, ticks[id]! * ASSETS * POINTS]));
    const expectSeries = (n: number) => ({ count: n, min: 0, max: n - 1, sum: (n * (n - 1)) / 2 });
    const check = async () => {
      const rows = await influx(
        influxUrl,
        db,
        `SELECT count(*), sum(*), min(*), max(*) FROM generic WHERE time >= ${t0}ms GROUP BY site, asset`,
      );
      const bad: string[] = [];
      const seen = new Map<string, number>();
      for (const s of rows) {
        const site = s.tags!.site!;
        seen.set(site, (seen.get(site) ?? 0) + 1);
        const want = expectSeries(ticks[site]!);
        const col = (name: string) => Number(s.values[0]![s.columns.indexOf(name)]);
        for (let p = 0; p < POINTS; p++) {
          const got = {
            count: col(`count_p${p}`),
            min: col(`min_p${p}`),
            max: col(`max_p${p}`),
            sum: col(`sum_p${p}`),
          };
          if (JSON.stringify(got) !== JSON.stringify(want))
            bad.push(
              `${site}/${s.tags!.asset}/p${p}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
            );
        }
      }
      for (const id of SITES)
        if (seen.get(id) !== ASSETS)
          bad.push(`${id}: ${seen.get(id) ?? 0} assets in InfluxDB, expected ${ASSETS}`);
      return bad;
    };
    let problems: string[] = [];
    await waitFor(
      paced(1000, async () => {
        problems = await check();
        return problems.length === 0;
      }),
      20_000,
      () => `every series whole and once: ${problems.length} wrong, e.g. ${problems.slice(0, 5).join('; ')}`,
    );
    // the whole sequence of a sample of series: tick k at t0 + k·period with the value k
    for (const id of SITES)
      for (const asset of ['a0', `a${ASSETS - 1}`]) {
        const [s] = await influx(
          influxUrl,
          db,
          `SELECT p0, p${POINTS - 1} FROM generic WHERE site = '${id}' AND asset = '${asset}' AND time >= ${t0}ms`,
        );
        const rows = s?.values ?? [];
        expect(rows.length, `${id}/${asset}: rows`).toBe(ticks[id]);
        const wrong = rows.filter((r, k) => r[0] !== t0 + k * PERIOD_MS || r[1] !== k || r[2] !== k);
        expect(wrong.slice(0, 3), `${id}/${asset}: the sequence 0 … n−1 at its own timestamps`).toEqual([]);
      }

    // ── the independent host's view of the wire ───────────────────────────────────────────────────
    for (const id of SITES) {
      const n = host.nodes.get(id)!;
      expect(n.seqBreaks, `${id}: seq continuous in every session`).toEqual([]);
      expect(n.unknownAliases, `${id}: DDATA aliases all born`).toBe(0);
      expect(n.births.length, `${id}: one NBIRTH per session (2 sessions)`).toBe(2);
      // bdSeq goes up with every CONNECT (its will carries it), the attempts the cut held silent too
      const step = (n.births[1]! - n.births[0]! + 256) % 256;
      expect(step, `${id}: bdSeq up for the new session (${n.births})`).toBeGreaterThanOrEqual(1);
      expect(step, `${id}: bdSeq up by the connection attempts, no more`).toBeLessThan(16);
      expect(n.historical, `${id}: the spool replayed as historical metrics`).toBeGreaterThan(0);
      expect(host.missing(id, ticks[id]!), `${id}: every reading on the wire at least once`).toBe(0);
    }
    figures.historicalMetrics = Object.fromEntries(SITES.map((id) => [id, host.nodes.get(id)!.historical]));
    figures.wireDuplicates = Object.fromEntries(SITES.map((id) => [id, host.duplicates(id)]));
    const rows = await fleetSites();
    for (const id of SITES) expect(rows.get(id)?.seqGaps, `${id}: no seq gap at the central`).toBe(0);

    // ── a site killed: offline within its keep-alive, its values kept as the last known ───────────
    const killedAt = Date.now();
    await killable.kill();
    await waitFor(
      paced(100, async () => (await stateOf('site-c')) === 'offline'),
      KEEPALIVE_S * 1000,
      () => 'site-c offline',
    );
    figures.offlineAfterKillMs = Date.now() - killedAt;
    await waitFor(
      async () => host.nodes.get('site-c')!.deaths.length === 2,
      2_000,
      () => 'the killed site NDEATH (its will)',
    );
    const c = host.nodes.get('site-c')!;
    expect(c.deaths[1], 'site-c: the will carries the session bdSeq').toBe(c.births[1]);
    const detail = await api<FleetSiteAnswer>('/api/v1/fleet/sites/site-c');
    const p0 = detail.assets.find((x) => x.id === 'a0')!.points.find((p) => p.name === 'p0')!;
    expect(p0.stale, 'an offline site: values stale').toBe(true);
    expect(p0.value, 'an offline site: the last known value kept').toBe(ticks['site-c']! - 1);
    const after = await fleetSites();
    expect(after.get('site-a')?.state).toBe('online');
    expect(after.get('site-b')?.state).toBe('online');
  }, 150_000);
});
