/**
 * The hub under test, in a process of its own so that its CPU and memory are its own. Started by
 * bench/run.ts; reports over IPC: `ready` with its MQTT port, then `stats` when asked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SYSTEM } from '../core/actor.js';
import { silentLogger } from '../core/logger.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { BENCH_ADMIN } from './common.js';
import { peakRss, processCpuSeconds } from './proc.js';

export interface HubStats {
  accepted: number;
  rejected: number;
  /** Latency histogram, 1 ms buckets, publish → accepted on the bus. */
  hist: number[];
  overflowMax: number;
  maxLatencyMs: number;
  cpuSeconds: number;
  /** Peak RSS since the hub finished starting (see startupPeakRssBytes for the start itself). */
  maxRssBytes: number;
  startupPeakRssBytes: number;
  storage: ReturnType<Hub['storage']['health']>;
  /** With `cycles` tracking: time between two polls of the same device, 1 ms buckets. */
  cycleHist?: number[];
  /** Event-loop delay over the window, ms (perf_hooks). */
  loopDelay: { p50: number; p99: number; max: number };
  /** Per link: polls and polls that got no answer. */
  links: { linkId: string; polls: number; failedPolls: number; stats?: Record<string, unknown> }[];
  /** RSS before the hub started (the site loaded, nothing connected). */
  baselineRssBytes: number;
  /** Peaks of V8's heap (total, as reserved) and of memory outside it (Buffers), sampled every second. */
  maxHeapTotalBytes: number;
  maxExternalBytes: number;
  /** With `sequence` tracking (values that count up by 1 per change): changes seen, and changes skipped. */
  sequence?: { changes: number; skipped: number; points: number };
}

// the site's YAML, or `@file` for one too large for the command line
const arg = process.argv[2]!;
const site = parseSiteText(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg, 'bench.yaml');
const hub = await buildHub({
  site,
  log: silentLogger,
  backoff: { initialMs: 500, maxMs: 5_000, jitter: 0.3 },
  ...(process.argv[3] === 'live' ? { admin: BENCH_ADMIN } : {}),
});
const hist = new Uint32Array(10_000);
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
// `sequence`: every value counts up by one per change; a jump by more than one is a change not delivered
const trackSequence = process.argv[3] === 'sequence';
const lastValue = new Map<string, number>();
/** Arrival time of each point's latest reading (sequence mode), for "delivers again after a restart". */
const arrivedAt = new Map<string, number>();
let changes = 0;
let skipped = 0;
// `cycles`: the first point of every asset stands for its device; the gap between its readings is a poll cycle
const trackCycles = process.argv[3] === 'cycles';
const tracked = new Map<string, number>(
  trackCycles ? site.assets.map((a) => [site.pointsByAsset.get(a.id)![0]!.id, 0] as [string, number]) : [],
);
let cycleHist = new Uint32Array(10_000);
let overflowMax = 0;
let maxLatency = 0;
let accepted = 0;
hub.bus.on('readings.accepted', (batch) => {
  const now = Date.now();
  if (trackCycles)
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const last = tracked.get(r.pointId);
      if (last === undefined) continue;
      if (last > 0) cycleHist[Math.min(cycleHist.length - 1, r.ts - last)]!++;
      tracked.set(r.pointId, r.ts);
    }
  if (trackSequence)
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      arrivedAt.set(r.pointId, now);
      if (typeof r.value !== 'number' || r.quality !== 'good') continue;
      const last = lastValue.get(r.pointId);
      lastValue.set(r.pointId, r.value);
      if (last === undefined || r.value === last) continue;
      changes++;
      if (r.value > last + 1) skipped += r.value - last - 1;
    }
  accepted += batch.length;
  for (let i = 0; i < batch.length; i++) {
    const lat = now - batch[i]!.ts;
    if (lat > maxLatency) maxLatency = lat;
    if (lat < hist.length) hist[Math.max(0, lat)]!++;
    else overflowMax = lat;
  }
});
const baselineRssBytes = process.memoryUsage().rss;
let maxHeapTotalBytes = 0;
let maxExternalBytes = 0;
const sampleMemory = () => {
  const m = process.memoryUsage();
  maxHeapTotalBytes = Math.max(maxHeapTotalBytes, m.heapTotal);
  maxExternalBytes = Math.max(maxExternalBytes, m.external);
};
sampleMemory();
setInterval(sampleMemory, 1000).unref();
const url = await hub.start();
// The first start hashes the admin's password (scrypt N=2^17: 128 MiB for ~0.5 s, freed at once). The peak the
// scenarios report is the running hub's, so the start-up peak is kept apart and the kernel's high-water mark reset.
const startupPeakRssBytes = peakRss();
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  // not Linux, or not allowed: the peak then includes the start
}
while (hub.supervisor.linkHealth()[0]?.state !== 'up') await new Promise((r) => setTimeout(r, 20));
let cpuAtStart = processCpuSeconds();

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'reset') {
    cpuAtStart = processCpuSeconds();
    cycleHist = new Uint32Array(10_000);
    loopDelay.reset();
    process.send?.({ cmd: 'reset-done' });
  } else if (msg.cmd === 'stats') {
    const stats: HubStats = {
      accepted,
      rejected: hub.pipeline.counters.rejected,
      hist: [...hist],
      overflowMax,
      maxLatencyMs: maxLatency,
      cpuSeconds: processCpuSeconds() - cpuAtStart,
      maxRssBytes: peakRss(),
      startupPeakRssBytes,
      storage: hub.storage.health(),
      cycleHist: trackCycles ? [...cycleHist] : undefined,
      loopDelay: {
        p50: Math.round(loopDelay.percentile(50) / 1e6),
        p99: Math.round(loopDelay.percentile(99) / 1e6),
        max: Math.round(loopDelay.max / 1e6),
      },
      links: hub.supervisor.linkHealth().map((l) => ({
        linkId: l.linkId,
        polls: Number(l.stats?.polls ?? 0),
        failedPolls: Number(l.stats?.failedPolls ?? 0),
        stats: l.stats,
      })),
      baselineRssBytes,
      maxHeapTotalBytes,
      maxExternalBytes,
      sequence: trackSequence ? { changes, skipped, points: lastValue.size } : undefined,
    };
    process.send?.({ cmd: 'stats', stats });
  } else if (msg.cmd === 'fresh') {
    // how many points (of those whose id starts with `prefix`) had a reading at or after `since`
    const { since, prefix } = msg as unknown as { since: number; prefix: string };
    let n = 0;
    for (const [id, at] of arrivedAt) if (id.startsWith(prefix) && at >= since) n++;
    process.send?.({ cmd: 'fresh', count: n });
  } else if (msg.cmd === 'stop') {
    await hub.stop();
    process.exit(0);
  }
});
const passwords =
  site.mqtt.mode === 'embedded'
    ? Object.fromEntries(
        site.devicesOf('mqtt').map((d) => [d.id, hub.deviceCredentials.issue(SYSTEM, d.id).password]),
      )
    : {};
process.send?.({ cmd: 'ready', passwords, url });
