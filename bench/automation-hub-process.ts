/**
 * The hub under test for `npm run bench automation`, in a process of its own. It reports `ready` once every
 * link is up and every command point has a reading (polled, subscribed or COV: the hub knows what each device
 * holds). Then, told which value each point is to get (`watch`), it notes per point when the write finished
 * (`command.completed`) and when a reading first showed the value (the read-back), for the bench to time
 * from the schedule's edge. `cpu` answers the process's CPU seconds so far, `stats` the timings, RSS and
 * event-loop delay.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../core/logger.js';
import type { PointValue } from '../core/model/reading.js';
import { buildHub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { BENCH_ADMIN } from './common.js';
import { processCpuSeconds } from './proc.js';

/** One write the hub made: when the command service started it and when it finished, ms since the epoch. */
export interface HubWrite {
  pointId: string;
  value: PointValue | null;
  ok: boolean;
  error?: string;
  actor: string;
  startedAt: number;
  doneAt: number;
}

export interface AutomationHubStats {
  writes: HubWrite[];
  /** Point → when a reading first showed its watched value (ms since the epoch). */
  readBack: Record<string, number>;
  rssBytes: number;
  /** Peak RSS since the hub finished starting (the start-up's own peak is reset). */
  peakRssBytes: number;
  heapUsedBytes: number;
  loopDelay: { p50: number; p99: number; max: number };
}

const arg = process.argv[2]!;
const site = parseSiteText(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg, 'bench.yaml');
const hub = await buildHub({
  site,
  log: silentLogger,
  backoff: { initialMs: 500, maxMs: 5_000, jitter: 0.3 },
  admin: BENCH_ADMIN,
});

const writes: HubWrite[] = [];
hub.bus.on('command.completed', (c) =>
  writes.push({
    pointId: c.pointId,
    value: c.value,
    ok: c.ok,
    error: c.error,
    actor: c.actor,
    startedAt: c.ts,
    doneAt: Date.now(),
  }),
);
let watched = new Map<string, PointValue>();
let watchSince = Number.POSITIVE_INFINITY;
const readBack = new Map<string, number>();
hub.bus.on('readings.accepted', (batch) => {
  if (!watched.size) return;
  const now = Date.now();
  if (now < watchSince) return;
  for (const r of batch) {
    const want = watched.get(r.pointId);
    if (want === undefined || readBack.has(r.pointId)) continue;
    if (r.value === want && r.quality === 'good') readBack.set(r.pointId, now);
  }
});

const url = await hub.start();
const commandPoints = site.points.filter((p) => p.kind === 'command');
// command points are not polled: those of OPC UA (subscribed) and BACnet (COV) have readings, Modbus ones none
const subscribed = commandPoints.filter((p) => p.protocol !== 'modbus');
const until = Date.now() + 90_000;
while (Date.now() < until) {
  const up = hub.supervisor.linkHealth().every((l) => l.state === 'up');
  if (up && subscribed.every((p) => hub.latest.get(p.id) !== undefined)) break;
  await new Promise((r) => setTimeout(r, 100));
}
const modbusPoints = new Set(commandPoints.filter((p) => p.protocol === 'modbus').map((p) => p.id));
const missing = subscribed.filter((p) => hub.latest.get(p.id) === undefined).length;
try {
  writeFileSync('/proc/self/clear_refs', '5'); // the peak RSS from here on is the running hub's
} catch {
  // not Linux, or not allowed: the peak then includes the start
}
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
let profiler: Session | undefined;

async function startProfile(): Promise<void> {
  if (!PROFILE_DIR) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
  await profiler.post('Profiler.start');
}

async function stopProfile(name: string): Promise<string | undefined> {
  if (!profiler) return undefined;
  const { profile } = await profiler.post('Profiler.stop');
  const file = join(PROFILE_DIR!, `automation-hub-${name}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  profiler.disconnect();
  profiler = undefined;
  return file;
}
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.on('message', async (msg: { cmd: string } & Record<string, unknown>) => {
  if (msg.cmd === 'cpu') process.send?.({ cmd: 'cpu', seconds: processCpuSeconds(), at: Date.now() });
  else if (msg.cmd === 'watch') {
    watched = new Map(Object.entries(msg.values as Record<string, PointValue>));
    watchSince = msg.since as number;
    process.send?.({ cmd: 'watching' });
  } else if (msg.cmd === 'mark') {
    loopDelay.reset(); // the event-loop delay from the edge on
    process.send?.({ cmd: 'marked' });
  } else if (msg.cmd === 'profile-start') {
    await startProfile();
    process.send?.({ cmd: 'profiling' });
  } else if (msg.cmd === 'profile-stop') {
    // BENCH_PROFILE_DIR: the profile since `profile-start`, and (restart) a new one from now
    const file = await stopProfile(msg.name as string);
    if (msg.restart) await startProfile();
    process.send?.({ cmd: 'profile', file });
  } else if (msg.cmd === 'command-at') {
    // `--via control`: at the edge, one commandMany of every point at level 14, as a schedule engine would
    const { at, commands } = msg as unknown as {
      at: number;
      commands: { pointId: string; value: PointValue; source: string }[];
    };
    const by = {
      actor: 'schedules',
      via: 'system' as const,
      permissions: new Set(['setpoint:write'] as const),
    };
    setTimeout(
      () =>
        void hub.control
          .commandMany(commands.map((c) => ({ ...c, level: 14, by, reason: 'bench automation' })))
          .catch(() => undefined),
      Math.max(0, at - Date.now()),
    );
    process.send?.({ cmd: 'command-armed' });
  } else if (msg.cmd === 'values') {
    const out: Record<string, PointValue | null> = {};
    for (const p of commandPoints) out[p.id] = hub.latest.get(p.id)?.value ?? null;
    process.send?.({ cmd: 'values', values: out });
  } else if (msg.cmd === 'progress') {
    // cheap, asked every 200 ms during the burst: counts only (the full stats once, at the end)
    const since = msg.since as number;
    let modbusDone = 0;
    for (const w of writes) if (w.ok && w.doneAt >= since && modbusPoints.has(w.pointId)) modbusDone++;
    process.send?.({ cmd: 'progress', readBack: readBack.size, modbusDone });
  } else if (msg.cmd === 'stats') {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    const mem = process.memoryUsage();
    const stats: AutomationHubStats = {
      writes,
      readBack: Object.fromEntries(readBack),
      rssBytes: mem.rss,
      peakRssBytes: hwm ? Number(hwm[1]) * 1024 : mem.rss,
      heapUsedBytes: mem.heapUsed,
      loopDelay: {
        p50: Math.round(loopDelay.percentile(50) / 1e6),
        p99: Math.round(loopDelay.percentile(99) / 1e6),
        max: Math.round(loopDelay.max / 1e6),
      },
    };
    process.send?.({ cmd: 'stats', stats });
  } else if (msg.cmd === 'stop') {
    await hub.stop();
    process.exit(0);
  }
});
process.send?.({
  cmd: 'ready',
  url,
  links: hub.supervisor.linkHealth().map((l) => ({ linkId: l.linkId, state: l.state })),
  commandPoints: commandPoints.length,
  withoutReading: missing,
});
