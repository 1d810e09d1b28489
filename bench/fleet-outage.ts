/**
 * `npm run bench fleet-outage [--outage 300] [--rates 10000]`: a site hub's store-and-forward across a cut of its
 * upstream link. Processes: the site hub (bench/fleet-hub-process.ts; `upstream:` to the broker through a TCP relay
 * in this process that can be cut), the load generator (bench/load-generator.ts: 100 MQTT devices × 10 fields
 * into the site's embedded broker, 10,000 readings/s, every field of a device's n-th message carrying n), a
 * private mosquitto, the central hub (its own process) and a private influxd behind it.
 *
 * Timeline: the site is born at the central; readings flow for 30 s; the relay resets every connection and
 * refuses new ones for --outage seconds (default 300) while the readings go on into the site hub (its spool);
 * then it lets the edge node back in. Measured: the backlog the edge spooled; the **replay time**, at the edge (link
 * back → its spool empty) and at the central (link back → the central's InfluxDB holds every reading taken before
 * the link came back: the first poll at which its count of them reached the final one); how far behind live data
 * ran at the central during the replay (now − the newest value in the fleet API's detail of the site); and after
 * 60 s more of live flow and a drain, **exactly once per series** in the central InfluxDB: for each of the 1,000
 * series (asset × field) count = messages the device sent (N), min = 1, max = N and sum = N(N+1)/2 (timestamps
 * are unique per series, so a duplicate delivery overwrites itself and an extra or missing reading shows).
 * CPU of both hubs over the window; the site hub's peak RSS. Results: bench/results/fleet-outage.json.
 */

import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetSiteAnswer, FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { freePort } from '../test/services.js';
import { benchSite, DEVICES } from './common.js';
import {
  centralSite,
  drainCentral,
  GROUP,
  getJson,
  influxQuery,
  killOnAbort,
  type Pcts,
  pcts,
  sleep,
  startFleetBroker,
  startFleetInfluxd,
  startHubProc,
  waitInfluxUp,
  wallNow,
} from './fleet.js';
import type { HubProcStats } from './fleet-hub-process.js';
import type { GeneratorConfig, GeneratorResult } from './load-generator.js';
import { startCuttableLink } from './tcp-cut.js';

const FIELDS = 10;
const WARM_S = 30;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = { execArgv: ['--import', 'tsx'] };

export interface OutageResult {
  readingsPerS: number;
  outageS: number;
  sent: number;
  sentRate: number;
  /** The edge's spool when the link came back. */
  backlog: { readings: number; bytes: number; bytesPerReading: number; dropped: number; state: string };
  /** Link back → the edge connected again (NBIRTH, DBIRTHs), s. */
  reconnectS: number | null;
  /** Historical metrics the edge sent after the link came back; metrics the central took, historical ones. */
  replayedMetrics: number;
  centralMetrics: number;
  centralHistoricalMetrics: number;
  /** Link back → the edge's spool empty, s (null: not within the run). */
  replayEdgeS: number | null;
  /** Link back → every reading taken before it in the central's InfluxDB, s. */
  replayCentralS: number | null;
  /** During the replay: now − the newest value the central shows for the site, ms. */
  liveLagDuringReplayMs: Pcts | null;
  liveLagBeforeCutMs: Pcts | null;
  /** After the drain. */
  inInflux: number;
  series: number;
  seriesExact: number;
  /** Series whose count, min, max or sum differ (at most 10 listed). */
  badSeries: {
    asset: string;
    field: string;
    expected: number;
    count: number;
    min: number;
    max: number;
    sum: number;
  }[];
  missing: number;
  extra: number;
  drainS: number;
  siteCpuPct: number;
  sitePeakRssMb: number;
  centralCpuPct: number;
  centralPeakRssMb: number;
  generatorCpuPct: number;
  reconnects: number;
  siteUpstream: HubProcStats['upstream'];
  centralFleet: HubProcStats['fleet'];
  loadBefore: number[];
  loadAfter: number[];
}

type Upstream = NonNullable<HubProcStats['upstream']>;
/** The edge has replayed: connected, not replaying, nothing in its spool. */
const replayed = (u: Upstream | undefined) =>
  !!u && u.state === 'connected' && !u.replaying && u.spool.lines === 0;

export async function runFleetOutageBench(readingsPerS: number, outageS: number): Promise<OutageResult> {
  const loadBefore = loadavg();
  const mosquitto = await startFleetBroker();
  const influxd = await startFleetInfluxd();
  const central = await startHubProc(
    centralSite(mkdtempSync(join(tmpdir(), 'bench-central-')), mosquitto.url, influxd.url),
  );
  await waitInfluxUp(central);
  const link = await startCuttableLink({ host: '127.0.0.1', port: mosquitto.port });
  const mqttPort = await freePort();
  const siteYaml = `${benchSite(FIELDS, `{ mode: embedded, host: 127.0.0.1, port: ${mqttPort} }`)}upstream: { url: 'mqtt://127.0.0.1:${link.port}', clientId: bench-site, groupId: ${GROUP}, keepAliveS: 10 }
`;
  const site = await startHubProc(siteYaml, false);
  const points = DEVICES * FIELDS;
  const bornBy = Date.now() + 60_000;
  for (;;) {
    const r = await getJson<FleetSitesAnswer>(central, '/api/v1/fleet/sites');
    if (r.body?.sites.some((s) => s.id === 'bench' && s.state === 'online' && s.points === points)) break;
    if (Date.now() > bornBy)
      throw new Error(`the site was not born at the central: ${JSON.stringify(r.body)}`);
    await sleep(200);
  }
  await site.reset();
  await central.reset();

  // live flow after the link's return: 90 s (the replay's 60 s target and a margin); less for a short trial outage
  const AFTER_S = Math.max(30, Math.min(90, outageS));
  const durationS = WARM_S + outageS + AFTER_S;
  const cfg: GeneratorConfig = {
    url: `mqtt://127.0.0.1:${mqttPort}`,
    siteId: 'bench',
    devices: DEVICES,
    fields: FIELDS,
    rate: readingsPerS / FIELDS,
    durationS,
    passwords: site.passwords,
    sequence: true,
  };
  const t0 = performance.now();
  const genProc = fork(here('./load-generator.ts'), [JSON.stringify(cfg)], tsx);
  killOnAbort(genProc);
  const generated = new Promise<GeneratorResult>((resolve, reject) => {
    genProc.once('message', (m) => resolve(m as GeneratorResult));
    genProc.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });

  // live lag at the central: now − the newest value of the site
  const liveLag = async (): Promise<number | undefined> => {
    const r = await getJson<FleetSiteAnswer>(central, '/api/v1/fleet/sites/bench');
    let newest = 0;
    for (const a of r.body?.assets ?? []) for (const p of a.points) if ((p.ts ?? 0) > newest) newest = p.ts!;
    return newest ? Date.now() - newest : undefined;
  };
  const lagBefore: number[] = [];
  const warmEnd = performance.now() + WARM_S * 1000;
  await sleep(5000);
  while (performance.now() < warmEnd - 1000) {
    const l = await liveLag();
    if (l !== undefined) lagBefore.push(l);
    await sleep(1000);
  }
  await sleep(Math.max(0, warmEnd - performance.now()));
  await link.cut();
  console.log(
    `  upstream cut at ${WARM_S} s for ${outageS} s (${readingsPerS.toLocaleString('en')} readings/s go on)`,
  );
  await sleep(outageS * 1000);
  const before = (await site.stats()).upstream!;
  const backlog = {
    readings: before.spool.lines,
    bytes: before.spool.bytes,
    bytesPerReading: Math.round((before.spool.bytes / Math.max(1, before.spool.lines)) * 10) / 10,
    dropped: before.spool.droppedLines,
    state: before.state,
  };
  const historical0 = before.published.historicalMetrics;
  await link.restore();
  const back = wallNow();
  const backPerf = performance.now();
  console.log(
    `  link back; the edge's spool holds ${backlog.readings.toLocaleString('en')} readings (${(backlog.bytes / 2 ** 20).toFixed(1)} MB)`,
  );

  // the replay: the edge's spool, the central's InfluxDB, live lag
  let replayEdgeS: number | null = null;
  let reconnectS: number | null = null;
  const counts: [number, number][] = [];
  const lagDuring: number[] = [];
  const countBefore = async () => {
    const r = await influxQuery(
      influxd,
      `SELECT count(p0) FROM "fleet"."raw"."generic" WHERE site='bench' AND time < ${Math.floor(back)}ms`,
    );
    return (r[0]?.series?.[0]?.values[0]?.[1] as number | undefined) ?? 0;
  };
  let lastCount = -1;
  let stableSince = 0;
  while (performance.now() - backPerf < (AFTER_S - 5) * 1000) {
    const s = await site.stats();
    const sinceBack = Math.round((performance.now() - backPerf) / 100) / 10;
    if (reconnectS === null && s.upstream?.state === 'connected') reconnectS = sinceBack;
    if (replayEdgeS === null && replayed(s.upstream)) replayEdgeS = sinceBack;
    const c = await countBefore();
    counts.push([wallNow() - back, c]);
    // live lag once the edge is back (before that the newest value is the one from before the cut)
    const l = reconnectS !== null && replayEdgeS === null ? await liveLag() : undefined;
    if (l !== undefined) lagDuring.push(l);
    if (c !== lastCount) {
      lastCount = c;
      stableSince = performance.now();
    }
    // replayed at both ends and the count no longer moving for 10 s: the rest is live flow
    if (replayEdgeS !== null && performance.now() - stableSince > 10_000) break;
    await sleep(1000);
  }
  if (replayEdgeS !== null) console.log(`  the edge's spool empty ${replayEdgeS} s after the link came back`);

  const gen = await generated;
  const sent = gen.sent * FIELDS;
  // drain: the site's spool and live queue, then the central's outbox
  const drainStart = performance.now();
  for (let i = 0; i < 600; i++) {
    const s = await site.stats();
    if (replayed(s.upstream) && s.upstream!.inFlight === 0 && s.accepted >= sent) break;
    await sleep(500);
  }
  await sleep(2000);
  await drainCentral(central);
  const drainS = Math.round((performance.now() - drainStart) / 100) / 10;
  const windowS = (performance.now() - t0) / 1000;
  const ss = await site.stats();
  const cs = await central.stats();

  const finalBefore = await countBefore();
  const reached = counts.find(([, c]) => c >= finalBefore);
  const replayCentralS = reached ? Math.round(reached[0] / 100) / 10 : null;

  // exactly once per series
  const fields = Array.from({ length: FIELDS }, (_, f) => `p${f}`);
  const select = fields.map((f) => `count(${f}),min(${f}),max(${f}),sum(${f})`).join(',');
  const res = await influxQuery(
    influxd,
    `SELECT ${select} FROM "fleet"."raw"."generic" WHERE site='bench' GROUP BY "asset"`,
  );
  const bad: OutageResult['badSeries'] = [];
  let seriesExact = 0;
  let inInflux = 0;
  let missing = 0;
  let extra = 0;
  const seen = new Set<string>();
  for (const s of res[0]?.series ?? []) {
    const asset = s.tags?.asset ?? '';
    seen.add(asset);
    const i = Number(asset.slice(1));
    const n = gen.perDevice?.[i] ?? 0;
    const row = s.values[0] ?? [];
    fields.forEach((field, f) => {
      const [count, min, max, sum] = [1, 2, 3, 4].map((k) => Number(row[f * 4 + k] ?? 0)) as [
        number,
        number,
        number,
        number,
      ];
      inInflux += count;
      if (count < n) missing += n - count;
      if (count > n) extra += count - n;
      if (count === n && min === 1 && max === n && sum === (n * (n + 1)) / 2) seriesExact++;
      else if (bad.length < 10) bad.push({ asset, field, expected: n, count, min, max, sum });
    });
  }
  for (let i = 0; i < DEVICES; i++)
    if (!seen.has(`a${i}`)) {
      missing += (gen.perDevice?.[i] ?? 0) * FIELDS;
      if (bad.length < 10)
        bad.push({
          asset: `a${i}`,
          field: '*',
          expected: gen.perDevice?.[i] ?? 0,
          count: 0,
          min: 0,
          max: 0,
          sum: 0,
        });
    }

  genProc.kill();
  await site.stop();
  await central.stop();
  await link.close();
  await mosquitto.stop();
  await influxd.stop();
  return {
    readingsPerS,
    outageS,
    sent,
    sentRate: Math.round(sent / (gen.elapsedMs / 1000)),
    backlog,
    reconnectS,
    replayedMetrics: (ss.upstream?.published.historicalMetrics ?? 0) - historical0,
    centralMetrics: cs.fleet?.metrics ?? 0,
    centralHistoricalMetrics: cs.fleet?.historicalMetrics ?? 0,
    replayEdgeS,
    replayCentralS,
    liveLagDuringReplayMs: pcts(lagDuring),
    liveLagBeforeCutMs: pcts(lagBefore),
    inInflux,
    series: DEVICES * FIELDS,
    seriesExact,
    badSeries: bad,
    missing,
    extra,
    drainS,
    siteCpuPct: Math.round((ss.cpuSeconds / windowS) * 100),
    sitePeakRssMb: Math.round(ss.peakRssBytes / 2 ** 20),
    centralCpuPct: Math.round((cs.cpuSeconds / windowS) * 100),
    centralPeakRssMb: Math.round(cs.peakRssBytes / 2 ** 20),
    generatorCpuPct: Math.round(gen.cpuPct),
    reconnects: link.connections,
    siteUpstream: ss.upstream,
    centralFleet: cs.fleet,
    loadBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadAfter: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function printFleetOutage(r: OutageResult): void {
  const n = (v: number) => v.toLocaleString('en');
  const p = (x: Pcts | null) => (x ? `p50 ${n(x.p50)} ms, p99 ${n(x.p99)} ms, max ${n(x.max)} ms` : 'n/a');
  console.log(
    `\nfleet-outage: a site hub at ${n(r.readingsPerS)} readings/s (${DEVICES} devices × ${FIELDS} fields), its upstream link cut for ${r.outageS} s`,
  );
  console.log(
    `  the edge's spool at the link's return: ${n(r.backlog.readings)} readings, ${(r.backlog.bytes / 2 ** 20).toFixed(1)} MB (${r.backlog.bytesPerReading} B/reading), ${n(r.backlog.dropped)} dropped; reconnected (births sent) ${r.reconnectS} s after; ${n(r.replayedMetrics)} historical metrics sent`,
  );
  console.log(
    `  replay: the edge's spool empty ${r.replayEdgeS ?? 'not within the run'} s after the link came back; every reading taken before it in the central InfluxDB after ${r.replayCentralS ?? 'n/a'} s`,
  );
  console.log(
    `  live lag at the central before the cut ${p(r.liveLagBeforeCutMs)}; during the replay ${p(r.liveLagDuringReplayMs)}`,
  );
  console.log(
    `  the central took ${n(r.centralMetrics)} data metrics (${n(r.centralHistoricalMetrics)} historical) for ${n(r.sent)} readings sent`,
  );
  console.log(
    `  sent ${n(r.sent)} (${n(r.sentRate)}/s); in the central InfluxDB ${n(r.inInflux)}: ${r.seriesExact} of ${r.series} series exactly once (count, min, max, sum); missing ${n(r.missing)}, extra ${n(r.extra)}${r.badSeries.length ? ` ${JSON.stringify(r.badSeries)}` : ''}`,
  );
  console.log(
    `  site hub CPU ${r.siteCpuPct}%, peak RSS ${r.sitePeakRssMb} MB; central CPU ${r.centralCpuPct}%, peak RSS ${r.centralPeakRssMb} MB; generator ${r.generatorCpuPct}%; drain ${r.drainS} s; link connections ${r.reconnects}`,
  );
  console.log(`  load average before ${r.loadBefore.join(' ')}, after ${r.loadAfter.join(' ')}`);
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/fleet-outage.json'),
    `${JSON.stringify({ scenario: 'fleet-outage', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
