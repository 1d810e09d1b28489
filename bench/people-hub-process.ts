/**
 * The hub of `npm run bench people`, in a process of its own so that its CPU and memory are its own. Started
 * by bench/people.ts with the site file (`@file`) and the WeCom app's secret in its environment; creates the
 * rota's people (ann, bob, sue, each with a WeCom user id), starts the hub and reports `ready`. Then, per
 * `storm` command, raises alerts at a fixed rate in bursts through the real path: readings handed to the
 * pipeline (the drivers' `publish`), the rules engine on the bus, the alert service, `alert.raised`, the
 * on-call routing, the person notifier, the notifier and its delivery log, the wecom-app transport. With
 * `personal: false` the on-call routing is stopped for the step (the same storm with no one told).
 *
 * Each alert is numbered: its reading's value is 1000 + its number, which the threshold rule's message
 * carries into the alert and the WeCom message (`temp 1234 above 100`), so the orchestrator can pair each
 * message the simulator received with the `alert.raised` it came from. Times are
 * `performance.timeOrigin + performance.now()` in both processes (the same machine's clock).
 */

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SYSTEM } from '../core/actor.js';
import type { Reading } from '../core/model/reading.js';
import { buildHub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { testHubOptions } from '../test/hub-harness.js';
import { peakRss, resetPeakRss } from './proc.js';

/** The people of the rota and their WeCom user ids. */
export const PEOPLE = [
  { username: 'ann', wecomId: 'ann-wx', roles: ['technician'] as const },
  { username: 'bob', wecomId: 'bob-wx', roles: ['technician'] as const },
  { username: 'sue', wecomId: 'sue-wx', roles: ['supervisor'] as const },
];

export interface StormCommand {
  cmd: 'storm';
  /** Alerts a second, in bursts every burstMs. */
  rate: number;
  durationS: number;
  burstMs: number;
  /** The first alert's number (each step has its own range). */
  seqStart: number;
  personal: boolean;
  /** After the window: wait for the notifier's queue to empty, at most this long. */
  drainMaxMs: number;
}

export interface NotifierCounts {
  sent: number;
  failed: number;
  retried: number;
  dropped: number;
  queued: number;
}

export interface StormResult {
  cmd: 'storm-done';
  /** [alert number, time of its alert.raised] pairs. */
  raised: [number, number][];
  /** The number the next step's first alert takes. */
  nextSeq: number;
  /** Readings handed to the pipeline, and the window's start and end (performance.timeOrigin based). */
  readings: number;
  startedAt: number;
  windowEndAt: number;
  /** When the notifier's queue was empty after the window (or the drain gave up). */
  drainedAt: number;
  /** The notifier's wecom action over the step (differences), and what it still held at the window's end. */
  notifier: NotifierCounts;
  queuedAtWindowEnd: number;
  /** Hub CPU (process.cpuUsage, user + system) from the first burst to the drain's end, µs. */
  cpuUs: number;
  /** The same over the window alone. */
  cpuUsWindow: number;
  /** Time spent in the delivery log's writes (queued, settled) over the step, µs, and how many of each. */
  deliveryLogUs: { queued: number; settled: number; queuedCalls: number; settledCalls: number };
  /** Rows of notify_deliveries written in the step, by state at its end. */
  deliveryRows: Record<string, number>;
  /** On-call rows written in the step: escalations started (or restarted), notices. */
  oncallNotices: number;
  /** Peak RSS over the step (the kernel's high-water mark, reset at its start), and at its end, bytes. */
  peakRssBytes: number;
  rssBytes: number;
  heapUsedBytes: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Pipeline-rejected readings (none expected). */
  rejected: number;
}

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const arg = process.argv[2]!;
const site = parseSiteText(
  arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg,
  'bench-people.yaml',
);
const hub = await buildHub(testHubOptions(site, { live: false }));
// every alert.raised of the storm, by its number (value 1000 + n in the message "temp <value> above 100"); this
// listener is the bus's first, so the time is taken before the on-call routing hears of the alert
let raised: [number, number][] = [];
hub.bus.on('alert.raised', ({ alert }) => {
  const t = nowMs();
  const m = / (\d+) above /.exec(alert.message);
  if (m) raised.push([Number(m[1]) - 1000, t]);
});
await hub.start();
for (const p of PEOPLE) {
  const { user } = await hub.auth.createUser(SYSTEM, {
    username: p.username,
    roles: [...p.roles],
    password: 'correct-horse-battery-staple-42',
  });
  hub.profiles.put(
    user.id,
    { language: 'zh-CN', contacts: { wecomId: p.wecomId }, channels: {} },
    'admin',
    Date.now(),
  );
}
const onCall = hub.oncall.rotas.onCall('hvac', Date.now());

// the delivery log's share: its two writes per delivery timed where the notifier calls them
const logUs = { queued: 0, settled: 0, queuedCalls: 0, settledCalls: 0 };
const log = hub.deliveries;
const queued = log.queued.bind(log);
const settled = log.settled.bind(log);
log.queued = (...a: Parameters<typeof queued>) => {
  const t = performance.now();
  queued(...a);
  logUs.queued += (performance.now() - t) * 1000;
  logUs.queuedCalls++;
};
log.settled = (...a: Parameters<typeof settled>) => {
  const t = performance.now();
  settled(...a);
  logUs.settled += (performance.now() - t) * 1000;
  logUs.settledCalls++;
};

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const points = site.assets.map((a) => `${a.id}/temp`);
const wecom = () => {
  const s = hub.notifier.stats().wecom!;
  return { sent: s.sent, failed: s.failed, retried: s.retried, dropped: s.dropped, queued: s.queued };
};
const rowsByState = () =>
  Object.fromEntries(
    (
      hub.db.prepare('SELECT state, count(*) AS n FROM notify_deliveries GROUP BY state').all() as {
        state: string;
        n: number;
      }[]
    ).map((r) => [r.state, r.n]),
  ) as Record<string, number>;
const notices = () => (hub.db.prepare('SELECT count(*) AS n FROM oncall_notices').get() as { n: number }).n;

let routing = true;

async function storm(c: StormCommand): Promise<StormResult> {
  // the hub started the on-call routing; stopped for a step without personal notifications
  if (c.personal && !routing) hub.oncall.start();
  if (!c.personal && routing) hub.oncall.stop();
  routing = c.personal;
  raised = [];
  Object.assign(logUs, { queued: 0, settled: 0, queuedCalls: 0, settledCalls: 0 });
  const rows0 = rowsByState();
  const notices0 = notices();
  const n0 = wecom();
  const rejected0 = hub.pipeline.counters.rejected;
  resetPeakRss();
  loopDelay.reset();
  const perBurst = (c.rate * c.burstMs) / 1000;
  const bursts = Math.round((c.durationS * 1000) / c.burstMs);
  // each burst clears the assets of the one before and raises the next ones (round the assets in turn)
  let cursor = 0;
  let seq = c.seqStart;
  let owed = 0;
  let previous: string[] = [];
  let readings = 0;
  const cpu0 = process.cpuUsage();
  const startedAt = nowMs();
  const start = performance.now();
  for (let b = 0; b < bursts; b++) {
    owed += perBurst;
    const n = Math.floor(owed);
    owed -= n;
    const ts = Date.now();
    const batch: Reading[] = previous.map((pointId) => ({ pointId, value: 50, quality: 'good', ts }));
    previous = [];
    for (let i = 0; i < n; i++) {
      const pointId = points[cursor++ % points.length]!;
      previous.push(pointId);
      batch.push({ pointId, value: 1000 + seq++, quality: 'good', ts });
    }
    readings += batch.length;
    hub.pipeline.ingest(batch);
    const wait = start + (b + 1) * c.burstMs - performance.now();
    await sleep(Math.max(0, wait));
  }
  // the last burst's alerts clear too, so the next step raises every asset afresh
  if (previous.length) {
    const ts = Date.now();
    hub.pipeline.ingest(previous.map((pointId) => ({ pointId, value: 50, quality: 'good' as const, ts })));
    readings += previous.length;
  }
  const windowEndAt = nowMs();
  const cpuWindow = process.cpuUsage(cpu0);
  const queuedAtWindowEnd = wecom().queued;
  const drainUntil = performance.now() + c.drainMaxMs;
  await sleep(50);
  while (wecom().queued > 0 && performance.now() < drainUntil) await sleep(20);
  const drainedAt = nowMs();
  const cpu = process.cpuUsage(cpu0);
  const n1 = wecom();
  const rows1 = rowsByState();
  const deliveryRows: Record<string, number> = {};
  for (const state of new Set([...Object.keys(rows0), ...Object.keys(rows1)])) {
    const d = (rows1[state] ?? 0) - (rows0[state] ?? 0);
    if (d) deliveryRows[state] = d;
  }
  const mem = process.memoryUsage();
  return {
    cmd: 'storm-done',
    raised,
    nextSeq: seq,
    readings,
    startedAt,
    windowEndAt,
    drainedAt,
    notifier: {
      sent: n1.sent - n0.sent,
      failed: n1.failed - n0.failed,
      retried: n1.retried - n0.retried,
      dropped: n1.dropped - n0.dropped,
      queued: n1.queued,
    },
    queuedAtWindowEnd,
    cpuUs: cpu.user + cpu.system,
    cpuUsWindow: cpuWindow.user + cpuWindow.system,
    deliveryLogUs: { ...logUs },
    deliveryRows,
    oncallNotices: notices() - notices0,
    peakRssBytes: peakRss(),
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    loopDelayMs: {
      p50: Math.round(loopDelay.percentile(50) / 1e6),
      p99: Math.round(loopDelay.percentile(99) / 1e6),
      max: Math.round(loopDelay.max / 1e6),
    },
    rejected: hub.pipeline.counters.rejected - rejected0,
  };
}

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'storm') process.send?.(await storm(msg as StormCommand));
  else if (msg.cmd === 'stop') {
    await hub.stop();
    process.exit(0);
  }
});
process.send?.({
  cmd: 'ready',
  onCall: onCall?.username,
  rssBytes: process.memoryUsage().rss,
  now: nowMs(),
});
