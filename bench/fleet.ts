/**
 * `npm run bench fleet [--duration 60] [--nodes 20] [--broker-queue N]`: one central hub (`hub.mode: central`) over
 * a fleet's Sparkplug B traffic. Processes: a private mosquitto (queues as the fleet recipe sets them; see
 * startFleetBroker), a private influxd, the central hub (bench/fleet-hub-process.ts, its own process so its CPU
 * and memory are its own), and the load generator (bench/fleet-edge-sim.ts): 20 simulated edge nodes encoding
 * with Eclipse Tahu's `sparkplug-payload`, each a site hub's worth of traffic, 100 assets (Sparkplug devices) ×
 * 50 points = 5,000 points, every point changing every second (NBIRTH and DBIRTHs first, then DDATA by alias at
 * QoS 1, as the site hubs publish):
 * 100,000 values/s, 2,000 messages/s into the central.
 *
 * Measured: **loss**, counted in the central's InfluxDB (count per site after the central's outbox drained,
 * against what the generator sent); the central's CPU (/proc, 100 % = one core, helper threads included) and peak
 * RSS (the kernel's high-water mark) over the window, its event-loop delay; mosquitto's, influxd's and the
 * generator's CPU; the **fleet view** under that load: GET /api/v1/fleet/sites and GET /api/v1/fleet/sites/<site>
 * (one site's 100 assets and 5,000 latest values) as the dashboard asks them (a logged-in session), p50/p99;
 * **birth → visible**: a 21st edge node connects mid-run and births 5,000 points, timed until the fleet API lists
 * it online with all its points; **death → offline**: that node's NDEATH (an orderly stop), and another node's
 * socket dropped (the broker publishes its will), each timed until the API says offline.
 * The first births of the 20 are timed as well (all 20 online with every point). Results: bench/results/fleet.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import type { FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { type Influxd, type Mosquitto, startInfluxd, startMosquitto } from '../test/services.js';
import { request, writeSite } from './common.js';
import type { FleetSimConfig, FleetSimRun } from './fleet-edge-sim.js';
import type { HubProcStats } from './fleet-hub-process.js';
import { processCpuSeconds } from './proc.js';

export const GROUP = 'bench';
/** mosquitto's max_queued_messages in the fleet benches, as the fleet recipe sets it (config/fleet/upstream-mosquitto.conf). */
export const FLEET_BROKER_QUEUE = 1_000_000;
const ASSETS = 100;
const POINTS_PER_ASSET = 50;
const KIND = 'meter';
const DB = 'fleet';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = { execArgv: ['--import', 'tsx'] };
/** Node options for the central's process from BENCH_HUB_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const hubTsx = {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
};
/** Killed (SIGKILL) if the bench itself is stopped (Ctrl-C, a timeout): the brokers, databases and hubs it started. */
const started = new Set<{ readonly pid?: number | undefined }>();
export function killOnAbort(p: { readonly pid?: number | undefined }): void {
  if (!started.size)
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        for (const q of started)
          try {
            if (q.pid) process.kill(q.pid, 'SIGKILL');
          } catch {
            // gone already
          }
        process.exit(130);
      });
  started.add(p);
}

export const wallNow = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Pcts {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function pcts(xs: number[]): Pcts | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(s.at(-1)!) };
}

/** The central hub's site file: no devices, the `central:` section on the broker, history into InfluxDB. */
export function centralSite(dataDir: string, brokerUrl: string, influxUrl: string): string {
  return `site: { id: central, name: Central, timezone: Asia/Shanghai }
hub: { mode: central, http: { host: 127.0.0.1, port: 0 }, logLevel: silent, dataDir: '${dataDir}' }
mqtt: { mode: off }
storage: { mode: influxdb, influxdb: { url: '${influxUrl}', database: ${DB} }, outbox: { maxBytes: 8589934592 } }
zones: [{ id: fleet, name: Fleet }]
central: { url: '${brokerUrl}', clientId: bench-central, groups: [${GROUP}], keepAliveS: 30 }
`;
}

export interface HubProc {
  child: ChildProcess;
  url: string;
  cookie: string;
  passwords: Record<string, string>;
  stats(): Promise<HubProcStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHubProc(siteYaml: string, useHubArgs = true): Promise<HubProc> {
  const child = fork(here('./fleet-hub-process.ts'), [`@${writeSite(siteYaml)}`], useHubArgs ? hubTsx : tsx);
  killOnAbort(child);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`hub process exited with ${code}`))),
  );
  exited.catch(() => undefined);
  const ready = await Promise.race([
    request<{ url: string; cookie: string; passwords: Record<string, string> }>(child, '', 'ready'),
    exited,
  ]);
  return {
    child,
    ...ready,
    url: ready.url.replace(/\/$/, ''),
    stats: async () => (await request<{ stats: HubProcStats }>(child, 'stats', 'stats')).stats,
    reset: async () => {
      await request(child, 'reset', 'reset-done');
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'stop' });
      await Promise.race([gone, sleep(20_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export async function getJson<T>(
  hub: HubProc,
  path: string,
): Promise<{ ms: number; status: number; body?: T }> {
  const t = performance.now();
  const res = await fetch(`${hub.url}${path}`, { headers: { cookie: hub.cookie } });
  const text = await res.text();
  const ms = performance.now() - t;
  return { ms, status: res.status, body: res.ok ? (JSON.parse(text) as T) : undefined };
}

export async function influxQuery(influxd: Influxd, q: string): Promise<{ series?: InfluxSeries[] }[]> {
  const res = await fetch(`${influxd.url}/query?db=${DB}&epoch=ms`, {
    method: 'POST',
    body: new URLSearchParams({ q }),
  });
  if (!res.ok) throw new Error(`InfluxDB: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { results: { series?: InfluxSeries[]; error?: string }[] };
  for (const r of body.results) if (r.error) throw new Error(`InfluxDB: ${r.error} (${q})`);
  return body.results;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: (number | null)[][];
}

/** Wait until the central's outbox is empty and stays so (what InfluxDB has is then all it will get). */
export async function drainCentral(central: HubProc, maxMs = 600_000): Promise<number> {
  const t0 = performance.now();
  let emptyFor = 0;
  let lastMessages = -1;
  while (performance.now() - t0 < maxMs) {
    const s = await central.stats();
    const o = s.storage.outbox;
    // nothing waiting for InfluxDB, and no message taken from the broker since the last look
    const messages = s.fleet?.messages ?? 0;
    emptyFor = o && o.lines === 0 && messages === lastMessages ? emptyFor + 1 : 0;
    lastMessages = messages;
    if (emptyFor >= 4) break;
    await sleep(250);
  }
  return Math.round((performance.now() - t0) / 100) / 10;
}

export async function waitInfluxUp(hub: HubProc): Promise<void> {
  for (;;) {
    const s = await hub.stats();
    if (s.storage.influxdb?.state === 'up') return;
    await sleep(100);
  }
}

/** Poll the fleet list until `pred` holds for it; ms from `since` (a wallNow) to the answer that showed it. */
async function until(
  central: HubProc,
  since: number,
  pred: (a: FleetSitesAnswer) => boolean,
  timeoutMs = 120_000,
): Promise<number | null> {
  for (;;) {
    const r = await getJson<FleetSitesAnswer>(central, '/api/v1/fleet/sites');
    if (r.body && pred(r.body)) return Math.round(wallNow() - since);
    if (wallNow() - since > timeoutMs) {
      const rows = r.body?.sites.map((s) => `${s.id} ${s.state} ${s.points} points`).join(', ');
      console.log(`  (gave up waiting after ${timeoutMs} ms: HTTP ${r.status}, ${rows ?? 'no answer'})`);
      return null;
    }
    await sleep(25);
  }
}

export interface FleetResult {
  nodes: number;
  assetsPerNode: number;
  pointsPerNode: number;
  durationS: number;
  sentValues: number;
  sentMessages: number;
  valuesPerS: number;
  inInflux: number;
  lost: number;
  /** Per site: sent, in InfluxDB (only those that differ are listed when there is loss). */
  lostBySite: Record<string, { sent: number; inInflux: number }>;
  drainS: number;
  /** When the generator stopped: values sent but not yet taken by the central (in mosquitto's queue or its socket), lines in its outbox. */
  behindAtEnd: { values: number; outboxLines: number };
  /** Publishes mosquitto dropped over the window (a client's queue full: max_queued_messages). */
  brokerDropped: number;
  brokerQueue: number;
  firstBirthsVisibleMs: number | null;
  birthVisibleMs: number | null;
  ndeathOfflineMs: number | null;
  willOfflineMs: number | null;
  sitesList: Pcts | null;
  siteDetail: Pcts | null;
  siteDetailBytes: number;
  apiErrors: number;
  centralCpuPct: number;
  /** The central's CPU per value taken, µs (CPU-seconds over the window ÷ values): what a value costs it. */
  centralCpuUsPerValue: number;
  centralPeakRssMb: number;
  centralRssMb: number;
  centralLoopDelayMs: HubProcStats['loopDelayMs'];
  mosquittoCpuPct: number;
  influxdCpuPct: number;
  generatorCpuPct: number;
  generator: Omit<FleetSimRun, 'cmd' | 'nodes'>;
  centralFleetStats: HubProcStats['fleet'];
  loadBefore: number[];
  loadAfter: number[];
}

/**
 * The fleet broker: a private mosquitto with the queue settings of the fleet recipe
 * (config/fleet/upstream-mosquitto.conf: `max_queued_messages 1000000`, `max_queued_bytes 0`, `set_tcp_nodelay
 * true`; as installed a subscriber's queue holds 1,000 messages, and a central that stalls for half a second at
 * 2,000 messages/s has QoS 1 messages dropped). `--broker-queue N` sets another bound (1000: as installed).
 */
export async function startFleetBroker(brokerQueue = FLEET_BROKER_QUEUE): Promise<Mosquitto> {
  const m = await startMosquitto([
    `max_queued_messages ${brokerQueue}`,
    'max_queued_bytes 0',
    'set_tcp_nodelay true',
  ]);
  killOnAbort(m);
  return m;
}

export async function startFleetInfluxd(): Promise<Influxd> {
  const i = await startInfluxd();
  killOnAbort(i);
  return i;
}

/** mosquitto's own counters ($SYS, every second): publishes it dropped at a client's full queue, and in total. */
export async function watchBroker(brokerUrl: string): Promise<{ dropped(): number; stop(): Promise<void> }> {
  const c = await mqtt.connectAsync(brokerUrl, { clientId: 'bench-sys', reconnectPeriod: 0 });
  let dropped = 0;
  c.on('message', (topic, buf) => {
    if (topic === '$SYS/broker/publish/messages/dropped') dropped = Number(buf.toString());
  });
  await c.subscribeAsync('$SYS/broker/publish/messages/dropped');
  return { dropped: () => dropped, stop: () => c.endAsync() };
}

export async function runFleetBench(
  durationS: number,
  nodeCount: number,
  brokerQueue?: number,
): Promise<FleetResult> {
  const loadBefore = loadavg();
  const mosquitto = await startFleetBroker(brokerQueue);
  const broker = await watchBroker(mosquitto.url);
  const influxd = await startFleetInfluxd();
  const central = await startHubProc(
    centralSite(mkdtempSync(join(tmpdir(), 'bench-central-')), mosquitto.url, influxd.url),
  );
  await waitInfluxUp(central);

  const simCfg: FleetSimConfig = {
    url: mosquitto.url,
    groupId: GROUP,
    assets: ASSETS,
    pointsPerAsset: POINTS_PER_ASSET,
    kind: KIND,
    periodMs: 1000,
    qos: 1,
    keepAliveS: 10,
  };
  const sim = fork(here('./fleet-edge-sim.ts'), [JSON.stringify(simCfg)], tsx);
  killOnAbort(sim);
  sim.once(
    'exit',
    (code) => code !== 0 && code !== null && console.error(`edge simulator exited with ${code}`),
  );
  await request(sim, '', 'ready');
  const ids = Array.from({ length: nodeCount }, (_, i) => `site-${String(i + 1).padStart(2, '0')}`);
  const points = ASSETS * POINTS_PER_ASSET;

  // the 20 births, until all are online with every point
  const born0 = wallNow();
  await request(sim, { cmd: 'connect', nodes: ids }, 'connected');
  const allBorn = (a: FleetSitesAnswer) =>
    ids.every((id) => a.sites.some((s) => s.id === id && s.state === 'online' && s.points === points));
  const firstBirthsVisibleMs = await until(central, born0, allBorn, 60_000);
  console.log(
    `  ${nodeCount} edge nodes born: all online with ${points.toLocaleString('en')} points each after ${firstBirthsVisibleMs} ms`,
  );

  await central.reset();
  await sleep(1500);
  const metrics0 = (await central.stats()).fleet?.metrics ?? 0;
  const dropped0 = broker.dropped();
  const cpu0 = {
    mosquitto: processCpuSeconds(mosquitto.pid!),
    influxd: processCpuSeconds(influxd.pid!),
  };
  const t0 = performance.now();
  const ran = request<FleetSimRun>(sim, { cmd: 'run', durationS }, 'ran');
  let running = true;
  void ran.then(() => {
    running = false;
  });

  // the fleet view under load: the list and one site's detail, one after the other, every 500 ms
  const list: number[] = [];
  const detail: number[] = [];
  let detailBytes = 0;
  let apiErrors = 0;
  const viewer = (async () => {
    await sleep(3000);
    while (running) {
      const a = await getJson<FleetSitesAnswer>(central, '/api/v1/fleet/sites');
      if (a.status === 200) list.push(a.ms);
      else apiErrors++;
      const t = performance.now();
      const res = await fetch(`${central.url}/api/v1/fleet/sites/${ids[6] ?? ids[0]}`, {
        headers: { cookie: central.cookie },
      });
      const body = await res.arrayBuffer();
      if (res.status === 200) {
        detail.push(performance.now() - t);
        detailBytes = body.byteLength;
      } else apiErrors++;
      await sleep(500);
    }
  })();

  // birth → visible and death → offline, mid-run
  await sleep(Math.min(20_000, (durationS * 1000) / 3));
  const late = 'late-01';
  const { at: bornAt } = await request<{ at: number }>(sim, { cmd: 'birth', node: late }, 'born');
  const birthVisibleMs = await until(central, bornAt, (a) =>
    a.sites.some((s) => s.id === late && s.state === 'online' && s.points === points),
  );
  await sleep(2000);
  const { at: deadAt } = await request<{ at: number }>(
    sim,
    { cmd: 'death', node: late, how: 'ndeath' },
    'dead',
  );
  const ndeathOfflineMs = await until(central, deadAt, (a) =>
    a.sites.some((s) => s.id === late && s.state === 'offline'),
  );
  const dropped = 'late-02';
  await request(sim, { cmd: 'birth', node: dropped }, 'born');
  await until(central, wallNow(), (a) => a.sites.some((s) => s.id === dropped && s.state === 'online'));
  const { at: droppedAt } = await request<{ at: number }>(
    sim,
    { cmd: 'death', node: dropped, how: 'drop' },
    'dead',
  );
  const willOfflineMs = await until(central, droppedAt, (a) =>
    a.sites.some((s) => s.id === dropped && s.state === 'offline'),
  );
  console.log(
    `  a 21st node: birth → online with every point ${birthVisibleMs} ms; NDEATH → offline ${ndeathOfflineMs} ms; socket dropped (will) → offline ${willOfflineMs} ms`,
  );

  const gen = await ran;
  // where the backlog is when the generator stops: metrics not yet taken by the central, lines not yet in InfluxDB
  const atEnd = await central.stats();
  const behindAtEnd = {
    values: Math.max(0, gen.values - ((atEnd.fleet?.metrics ?? 0) - metrics0)),
    outboxLines: atEnd.storage.outbox?.lines ?? 0,
  };
  await viewer;
  const drainS = await drainCentral(central);
  await sleep(1200);
  const brokerDropped = broker.dropped() - dropped0;
  await broker.stop();
  const windowS = (performance.now() - t0) / 1000;
  const cs = await central.stats();
  const mosquittoCpu = processCpuSeconds(mosquitto.pid!) - cpu0.mosquitto;
  const influxCpu = processCpuSeconds(influxd.pid!) - cpu0.influxd;

  // loss: what each site sent against what the central's InfluxDB holds for it
  const res = await influxQuery(influxd, `SELECT count(*) FROM "${DB}"."raw"."${KIND}" GROUP BY "site"`);
  const inBySite = new Map<string, number>();
  for (const s of res[0]?.series ?? []) {
    const row = s.values[0] ?? [];
    inBySite.set(
      s.tags?.site ?? '',
      row.slice(1).reduce<number>((a, b) => a + (b ?? 0), 0),
    );
  }
  const lostBySite: FleetResult['lostBySite'] = {};
  let inInflux = 0;
  for (const id of ids) {
    const sent = gen.nodes[id]?.values ?? 0;
    const got = inBySite.get(id) ?? 0;
    inInflux += got;
    if (got !== sent) lostBySite[id] = { sent, inInflux: got };
  }
  const fleetStats = cs.fleet;
  sim.send({ cmd: 'stop' });
  await central.stop();
  await mosquitto.stop();
  await influxd.stop();
  const { cmd: _c, nodes: _n, ...generator } = gen;
  return {
    nodes: nodeCount,
    assetsPerNode: ASSETS,
    pointsPerNode: points,
    durationS,
    sentValues: gen.values,
    sentMessages: gen.messages,
    valuesPerS: Math.round(gen.values / (gen.elapsedMs / 1000)),
    inInflux,
    lost: gen.values - inInflux,
    lostBySite,
    drainS,
    behindAtEnd,
    brokerDropped,
    brokerQueue: brokerQueue ?? FLEET_BROKER_QUEUE,
    firstBirthsVisibleMs,
    birthVisibleMs,
    ndeathOfflineMs,
    willOfflineMs,
    sitesList: pcts(list),
    siteDetail: pcts(detail),
    siteDetailBytes: detailBytes,
    apiErrors,
    centralCpuPct: Math.round((cs.cpuSeconds / windowS) * 100),
    centralCpuUsPerValue: Math.round(((cs.cpuSeconds * 1e6) / Math.max(1, gen.values)) * 10) / 10,
    centralPeakRssMb: Math.round(cs.peakRssBytes / 2 ** 20),
    centralRssMb: Math.round(cs.rssBytes / 2 ** 20),
    centralLoopDelayMs: cs.loopDelayMs,
    mosquittoCpuPct: Math.round((mosquittoCpu / windowS) * 100),
    influxdCpuPct: Math.round((influxCpu / windowS) * 100),
    generatorCpuPct: Math.round(gen.cpuPct),
    generator,
    centralFleetStats: fleetStats,
    loadBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadAfter: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function printFleet(r: FleetResult): void {
  const n = (v: number) => v.toLocaleString('en');
  const p = (x: Pcts | null) =>
    x ? `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms (${x.n} requests)` : 'n/a';
  console.log(
    `\nfleet: ${r.nodes} edge nodes × ${n(r.pointsPerNode)} points (${r.assetsPerNode} Sparkplug devices each) at 1 s, QoS 1, mosquitto → central hub → InfluxDB, ${r.durationS} s`,
  );
  console.log(
    `  sent ${n(r.sentValues)} values (${n(r.valuesPerS)}/s, ${n(r.sentMessages)} messages); in InfluxDB ${n(r.inInflux)}; lost ${n(r.lost)}${r.lost ? ` ${JSON.stringify(r.lostBySite)}` : ''}; when the generator stopped the central had ${n(r.behindAtEnd.values)} values still to take and ${n(r.behindAtEnd.outboxLines)} lines in its outbox; outbox empty ${r.drainS} s later`,
  );
  console.log(
    `  central CPU ${r.centralCpuPct}% of a core over the run and drain (${r.centralCpuUsPerValue} µs per value), RSS ${r.centralRssMb} MB now / ${r.centralPeakRssMb} MB peak, event-loop delay p99 ${r.centralLoopDelayMs.p99} ms (max ${r.centralLoopDelayMs.max}); mosquitto ${r.mosquittoCpuPct}%, influxd ${r.influxdCpuPct}%, generator ${r.generatorCpuPct}%`,
  );
  console.log(`  fleet view under load: GET /fleet/sites ${p(r.sitesList)}`);
  console.log(
    `                         GET /fleet/sites/<site> (${n(r.siteDetailBytes)} bytes) ${p(r.siteDetail)}; errors ${r.apiErrors}`,
  );
  console.log(
    `  birth → visible ${r.birthVisibleMs} ms (first ${r.nodes} births: ${r.firstBirthsVisibleMs} ms); NDEATH → offline ${r.ndeathOfflineMs} ms; will → offline ${r.willOfflineMs} ms`,
  );
  console.log(
    `  generator: ticks late p50 ${r.generator.lateMs.p50} / p99 ${r.generator.lateMs.p99} ms, skipped ${r.generator.skippedTicks}, max in flight ${r.generator.maxInflight}; rebirths asked ${JSON.stringify(r.generator.rebirthRequests)}`,
  );
  const f = r.centralFleetStats;
  if (f)
    console.log(
      `  the central: ${n(f.messages ?? 0)} messages, ${n(f.metrics ?? 0)} data metrics taken, seq gaps ${f.seqGaps}, data before a birth ${f.beforeBirth}, unknown aliases ${f.unknownAliases}, rebirths asked ${f.rebirthsRequested} (held off ${f.rebirthsHeldOff}); mosquitto dropped ${n(r.brokerDropped)} publishes (max_queued_messages ${n(r.brokerQueue)})`,
    );
  console.log(`  load average before ${r.loadBefore.join(' ')}, after ${r.loadAfter.join(' ')}`);
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    // a run with another broker bound keeps the standard result
    here(`./results/${r.brokerQueue === FLEET_BROKER_QUEUE ? 'fleet' : `fleet-queue-${r.brokerQueue}`}.json`),
    `${JSON.stringify({ scenario: 'fleet', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
