/**
 * Storage scenarios of `npm run bench` (MQTT → pipeline → outbox → InfluxDB, counted in InfluxDB):
 *   storage         a fixed rate held for the duration, stepped up; loss = sent − readings counted in InfluxDB
 *   storage-outage  a fixed rate; InfluxDB is killed after 30 s and started again after --outage seconds while
 *                   ingest goes on; measures how long the spool takes to replay, then counts everything
 * Processes: the hub, the load generator and influxd (a private one in a temporary directory).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, type Influxd, startInfluxd } from '../test/services.js';
import { benchSite, DEVICES, request } from './common.js';
import type { HubStats } from './hub-process.js';
import type { GeneratorConfig, GeneratorResult } from './load-generator.js';
import { processCpuSeconds } from './proc.js';

const FIELDS = 10;
const tsx = { execArgv: ['--import', 'tsx'] };
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface StorageStepResult {
  offeredReadingsPerS: number;
  sentReadingsPerS: number;
  sent: number;
  accepted: number;
  inInflux: number;
  lost: number;
  /** Seconds from the generator's end until the outbox was empty. */
  drainS: number;
  /** storage-outage: seconds from InfluxDB's return until the backlog was sent (live ingest going on). */
  replayS?: number;
  outboxPeakMb: number;
  spoolBytesPerReading: number;
  hubCpuPct: number;
  influxCpuPct: number;
  generatorCpuPct: number;
  hubMaxRssMb: number;
  generatorLimited: boolean;
}

function site(mqttPort: number, influxUrl: string | undefined): string {
  return benchSite(
    FIELDS,
    `{ mode: embedded, host: 127.0.0.1, port: ${mqttPort} }`,
    influxUrl
      ? `{ mode: influxdb, influxdb: { url: '${influxUrl}', database: bench }, outbox: { maxBytes: 8589934592 } }`
      : '{ mode: embedded }',
  );
}

const stats = async (hub: ChildProcess) => (await request<{ stats: HubStats }>(hub, 'stats', 'stats')).stats;

async function countInflux(influxd: Influxd): Promise<number> {
  const res = await fetch(`${influxd.url}/query?db=bench`, {
    method: 'POST',
    body: new URLSearchParams({ q: 'SELECT count(*) FROM "raw"."generic"' }),
  });
  const body = (await res.json()) as { results: { series?: { values: number[][] }[] }[] };
  const row = body.results[0]?.series?.[0]?.values[0] ?? [];
  return row.slice(1).reduce((a, b) => a + (b ?? 0), 0);
}

/** With `embedded`, the store is SQLite inside the hub: no influxd, and "in InfluxDB" counts rows written there. */
export async function runStorageStep(
  readingsPerS: number,
  durationS: number,
  outage?: { afterS: number; forS: number },
  embedded = false,
): Promise<StorageStepResult> {
  const influxd = embedded ? undefined : await startInfluxd();
  const mqttPort = await freePort();
  const hub = fork(here('./hub-process.ts'), [site(mqttPort, influxd?.url)], tsx);
  const { passwords } = await request<{ passwords: Record<string, string> }>(hub, '', 'ready');
  while (influxd && (await stats(hub)).storage.influxdb?.state !== 'up')
    await new Promise((r) => setTimeout(r, 100));
  await request(hub, 'reset', 'reset-done');
  let influxCpu = 0;
  let influxCpu0 = influxd ? processCpuSeconds(influxd.pid!) : 0;

  const cfg: GeneratorConfig = {
    url: `mqtt://127.0.0.1:${mqttPort}`,
    siteId: 'bench',
    devices: DEVICES,
    fields: FIELDS,
    rate: readingsPerS / FIELDS,
    durationS,
    passwords,
  };
  const t0 = performance.now();
  const gen = fork(here('./load-generator.ts'), [JSON.stringify(cfg)], tsx);
  const generated = new Promise<GeneratorResult>((resolve, reject) => {
    gen.once('message', (m) => resolve(m as GeneratorResult));
    gen.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });

  let replayS: number | undefined;
  if (outage && influxd) {
    await new Promise((r) => setTimeout(r, outage.afterS * 1000));
    influxCpu += processCpuSeconds(influxd.pid!) - influxCpu0;
    await influxd.kill();
    console.log(`  InfluxDB killed at ${outage.afterS} s; back in ${outage.forS} s`);
    await new Promise((r) => setTimeout(r, outage.forS * 1000));
    await influxd.restart();
    influxCpu0 = processCpuSeconds(influxd.pid!);
    const back = performance.now();
    const backlog = (await stats(hub)).storage.outbox!.lines;
    // replayed: the backlog is gone when what waits is no more than a few seconds of live lines
    const live = (readingsPerS / FIELDS) * 3;
    for (;;) {
      const o = (await stats(hub)).storage.outbox!;
      if (o.lines <= live) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    replayS = Math.round((performance.now() - back) / 100) / 10;
    console.log(
      `  backlog of ${backlog.toLocaleString('en')} lines replayed in ${replayS} s while live ingest went on`,
    );
  }

  const result = await generated;
  const sent = result.sent * FIELDS;
  const genEnd = performance.now();
  let s = await stats(hub);
  for (let last = -1; s.accepted < sent && s.accepted !== last; ) {
    last = s.accepted;
    await new Promise((r) => setTimeout(r, 1000));
    s = await stats(hub);
  }
  const waiting = (h: HubStats['storage']) => h.outbox?.lines ?? h.embedded?.queued ?? 0;
  while (waiting(s.storage) > 0 && performance.now() - genEnd < 600_000) {
    await new Promise((r) => setTimeout(r, 250));
    s = await stats(hub);
  }
  const drainS = Math.round((performance.now() - genEnd) / 100) / 10;
  const windowS = (performance.now() - t0) / 1000;
  if (influxd) influxCpu += processCpuSeconds(influxd.pid!) - influxCpu0;
  const inInflux = influxd ? await countInflux(influxd) : (s.storage.embedded?.written ?? 0);
  hub.send({ cmd: 'stop' });
  await new Promise((r) => hub.once('exit', r));
  await influxd?.stop();
  const o = s.storage.outbox ?? { peakBytes: 0, appendedBytes: 0 };
  return {
    offeredReadingsPerS: readingsPerS,
    sentReadingsPerS: Math.round(sent / (result.elapsedMs / 1000)),
    sent,
    accepted: s.accepted,
    inInflux,
    lost: sent - inInflux,
    drainS,
    replayS,
    outboxPeakMb: Math.round((o.peakBytes / 2 ** 20) * 10) / 10,
    spoolBytesPerReading: Math.round((o.appendedBytes / Math.max(1, s.accepted)) * 10) / 10,
    hubCpuPct: Math.round((s.cpuSeconds / windowS) * 100),
    influxCpuPct: Math.round((influxCpu / windowS) * 100),
    generatorCpuPct: Math.round(result.cpuPct),
    hubMaxRssMb: Math.round(s.maxRssBytes / 2 ** 20),
    generatorLimited: sent / (result.elapsedMs / 1000) < readingsPerS * 0.97,
  };
}

export function printStorageHeader(): void {
  console.log(
    '  offered r/s     sent r/s   in InfluxDB      lost  drain s  hub CPU  influxd CPU  gen CPU  hub RSS MB  spool B/r  outbox peak MB',
  );
}

export function printStorageStep(s: StorageStepResult): void {
  const n = (v: number) => v.toLocaleString('en');
  console.log(
    [
      n(s.offeredReadingsPerS).padStart(13),
      n(s.sentReadingsPerS).padStart(13),
      n(s.inInflux).padStart(14),
      n(s.lost).padStart(10),
      String(s.drainS).padStart(9),
      `${s.hubCpuPct}%`.padStart(9),
      `${s.influxCpuPct}%`.padStart(13),
      `${s.generatorCpuPct}%`.padStart(9),
      String(s.hubMaxRssMb).padStart(12),
      String(s.spoolBytesPerReading).padStart(11),
      String(s.outboxPeakMb).padStart(16),
      s.generatorLimited ? '  (the generator could not hold the rate)' : '',
    ].join(''),
  );
}
