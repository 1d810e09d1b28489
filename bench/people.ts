/**
 * `npm run bench people [--rates 20,100,500] [--duration 30]`: what personal notifications cost the hub in an
 * alert storm. The hub (bench/people-hub-process.ts, built with buildHub as the tests build it) with 200 AHUs,
 * one critical threshold rule over them, one maintenance team (hvac) whose on-call rota (ann, bob, supervisor
 * sue; each with a WeCom user id) takes the AHUs' alerts, escalation critical: on call at once, the next after
 * 5 min, the supervisor after 15; `people.channels.wecom` is a wecom-app action, whose receiver is the real
 * WeCom simulator (simulators/messaging/wecom-server.ts, gettoken then message/send, every request judged as
 * WeCom does) in this process on loopback. Tickets from alerts are off (maintenance.fromAlerts): each alert
 * should cause exactly one personal message, to the person on call.
 *
 * Each step raises alerts at a fixed rate for --duration seconds, in bursts every 100 ms, through the real
 * path: readings handed to the hub's pipeline (what a driver's `publish` does), the rules engine on the bus,
 * the alert service (SQLite), `alert.raised`, the on-call routing, the person notifier, the notifier's queue and
 * its delivery log, the wecom-app transport over HTTP. Each burst clears the alerts of the burst before (200
 * assets go round, so an asset is raised again a few bursts later: a new occurrence, a new chain, a new
 * message; the clear stops the chain, so the 5- and 15-minute steps do not happen here). Before each step the
 * same storm runs for 10 s with the on-call routing stopped (no one told): the difference is what the personal
 * notifications cost. Steps go up the rates and stop after one where the deliveries fell behind: the
 * notifier's queue held more than a second's alerts when the window ended, or it dropped some.
 *
 * Measured per step: alerts raised a second; personal messages the simulator took, a second, over the window;
 * `alert.raised` (in the hub) → the simulator having the message (in this process), p50/p99/max, each message
 * paired with its alert by number (clocks: performance.timeOrigin + now() in both processes); delivery log rows
 * written; the hub's CPU (process.cpuUsage, user + system, from the first burst to the queue's drain) per alert,
 * and per alert over the routing-off run; the delivery log's own writes (timed where the notifier calls them);
 * the hub's peak RSS over the step. The whole scenario takes about 2½ minutes at the default rates.
 * Results: bench/results/people.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WecomServer } from '../simulators/messaging/wecom-server.js';
import { offlineSiteHead, request, writeSite } from './common.js';
import type { StormCommand, StormResult } from './people-hub-process.js';

const ASSETS = 200;
const BURST_MS = 100;
const BASELINE_S = 10;
/** After a step's window, the notifier's queue is waited for at most this long. */
const DRAIN_MAX_MS = 15_000;
const AGENT_ID = 1000002;
const SECRET_ENV = 'HUB_BENCH_WECOM_SECRET';
const SECRET = 'bench-people-app-secret';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const nowMs = () => performance.timeOrigin + performance.now();

function peopleSite(wecomUrl: string): string {
  const assets = Array.from(
    { length: ASSETS },
    (_, a) =>
      `  - { id: ahu-${a}, name: AHU ${a}, kind: ahu, zone: z, points: [{ name: temp, intervalMs: 600000 }] }`,
  ).join('\n');
  return `${offlineSiteHead('people')}assets:
${assets}
rules:
  - { id: supply-hot, name: Supply hot, severity: critical, target: { kind: ahu, point: temp }, condition: { type: threshold, high: 100 }, chatter: { transitions: 1000, withinMs: 1000 } }
actions:
  - { id: wecom, type: wecom-app, baseUrl: '${wecomUrl}', corpId: ww-bench, agentId: ${AGENT_ID}, secretEnv: ${SECRET_ENV} }
visitors: { publicUrl: 'https://hub.example.com' }
maintenance:
  requireApproval: false
  fromAlerts: { enabled: false }
  teams:
    - { id: hvac, name: HVAC team, members: [ann, bob], skills: [ahu] }
people:
  channels: { wecom: wecom }
  defaultChannels: { alert: [wecom], digest: [wecom] }
  oncall:
    - { team: hvac, members: [ann, bob], supervisor: sue, start: '2026-01-05', handover: { day: mon, time: '09:00' } }
  escalation:
    critical: [{ to: oncall }, { to: next, afterMinutes: 5 }, { to: supervisor, afterMinutes: 15 }]
  digest: { severities: [low], everyMinutes: 60 }
  ackLinkHours: 2
`;
}

interface Pcts {
  p50: number;
  p99: number;
  max: number;
}

function pcts(xs: number[]): Pcts | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(s.at(-1)!) };
}

export interface PeopleStep {
  offeredAlertsPerS: number;
  durationS: number;
  /** Alerts raised (alert.raised), and a second over the window. */
  alertsRaised: number;
  alertsPerS: number;
  /** Messages the simulator took over the window, a second; all it took for the step (after the drain). */
  deliveredPerS: number;
  delivered: number;
  /** Alerts with no message at the vendor after the drain (dropped by the notifier's full queue, or failed). */
  undelivered: number;
  /** alert.raised → the simulator has the message, ms. */
  latencyMs: Pcts | null;
  /** The notifier's queue when the window ended; how long after it the queue was empty. */
  backlogAtWindowEnd: number;
  drainS: number;
  fellBehind: boolean;
  notifier: StormResult['notifier'];
  deliveryRows: Record<string, number>;
  oncallNotices: number;
  /** Hub CPU: % of one core over window + drain, µs per alert; the same storm with no one told (10 s). */
  hubCpuPct: number;
  hubCpuUsPerAlert: number;
  baselineCpuUsPerAlert: number;
  baselineCpuPct: number;
  /** Per alert: what the personal message added (the difference). */
  personalCpuUsPerAlert: number;
  /** The delivery log's two writes (queued, sent), µs per delivery, timed in the hub. */
  deliveryLogUsPerDelivery: number;
  deliveryLogQueuedUs: number;
  deliveryLogSettledUs: number;
  hubPeakRssMb: number;
  hubRssMb: number;
  baselinePeakRssMb: number;
  hubLoopDelayMs: StormResult['loopDelayMs'];
  /** The simulator's process (this one), % of one core over the step. */
  simulatorCpuPct: number;
}

export interface PeopleResult {
  assets: number;
  onCall: string;
  hubStartRssMb: number;
  gettokenCalls: number;
  steps: PeopleStep[];
  loadBefore: number[];
  loadAfter: number[];
}

function storm(
  hub: ReturnType<typeof fork>,
  c: Omit<StormCommand, 'cmd' | 'burstMs' | 'drainMaxMs'>,
): Promise<StormResult> {
  // at most half the assets per burst: an asset is never cleared and raised again in the same burst
  const burstMs = Math.max(10, Math.min(BURST_MS, Math.floor((1000 * ASSETS) / 2 / c.rate)));
  return request<StormResult>(
    hub,
    { cmd: 'storm', burstMs, drainMaxMs: DRAIN_MAX_MS, ...c } satisfies StormCommand,
    'storm-done',
  );
}

export async function runPeopleBench(durationS: number, rates: number[]): Promise<PeopleResult> {
  const wecom = new WecomServer({
    robots: {},
    corpId: 'ww-bench',
    apps: { [AGENT_ID]: SECRET },
    users: ['ann-wx', 'bob-wx', 'sue-wx'],
    now: nowMs,
  });
  const url = await wecom.start();
  const loadBefore = loadavg();
  const hub = fork(here('./people-hub-process.ts'), [`@${writeSite(peopleSite(url))}`], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [SECRET_ENV]: SECRET },
  });
  const ready = await request<{ onCall?: string; rssBytes: number }>(hub, '', 'ready');
  if (!ready.onCall) throw new Error('nobody is on call for hvac');
  const steps: PeopleStep[] = [];
  let seq = 0;
  const mb = (b: number) => Math.round(b / 2 ** 20);
  for (const rate of rates) {
    const base = await storm(hub, { rate, durationS: BASELINE_S, seqStart: seq, personal: false });
    seq = base.nextSeq;
    await new Promise((r) => setTimeout(r, 500));
    const first = wecom.messages.length;
    const sim0 = process.cpuUsage();
    const s = await storm(hub, { rate, durationS, seqStart: seq, personal: true });
    const simCpu = process.cpuUsage(sim0);
    seq = s.nextSeq;
    const raisedAt = new Map(s.raised);
    const latencies: number[] = [];
    let inWindow = 0;
    let delivered = 0;
    for (const m of wecom.messages.slice(first)) {
      const n = / (\d+) above /.exec(m.text);
      const at = n ? raisedAt.get(Number(n[1]) - 1000) : undefined;
      if (at === undefined) continue;
      delivered++;
      latencies.push(m.at - at);
      if (m.at <= s.windowEndAt) inWindow++;
    }
    const windowS = (s.windowEndAt - s.startedAt) / 1000;
    const stepS = (s.drainedAt - s.startedAt) / 1000;
    const raised = s.raised.length;
    const cpuPerAlert = s.cpuUs / Math.max(1, raised);
    const baseCpuPerAlert = base.cpuUs / Math.max(1, base.raised.length);
    const log = s.deliveryLogUs;
    const step: PeopleStep = {
      offeredAlertsPerS: rate,
      durationS,
      alertsRaised: raised,
      alertsPerS: Math.round(raised / windowS),
      deliveredPerS: Math.round(inWindow / windowS),
      delivered,
      undelivered: raised - delivered,
      latencyMs: pcts(latencies),
      backlogAtWindowEnd: s.queuedAtWindowEnd,
      drainS: Math.round((s.drainedAt - s.windowEndAt) / 100) / 10,
      fellBehind: s.notifier.dropped > 0 || s.queuedAtWindowEnd > rate,
      notifier: s.notifier,
      deliveryRows: s.deliveryRows,
      oncallNotices: s.oncallNotices,
      hubCpuPct: Math.round(s.cpuUs / 1e4 / stepS),
      hubCpuUsPerAlert: Math.round(cpuPerAlert),
      baselineCpuUsPerAlert: Math.round(baseCpuPerAlert),
      baselineCpuPct: Math.round(base.cpuUs / 1e4 / ((base.drainedAt - base.startedAt) / 1000)),
      personalCpuUsPerAlert: Math.round(cpuPerAlert - baseCpuPerAlert),
      deliveryLogUsPerDelivery:
        Math.round(((log.queued + log.settled) / Math.max(1, log.queuedCalls)) * 10) / 10,
      deliveryLogQueuedUs: Math.round((log.queued / Math.max(1, log.queuedCalls)) * 10) / 10,
      deliveryLogSettledUs: Math.round((log.settled / Math.max(1, log.settledCalls)) * 10) / 10,
      hubPeakRssMb: mb(s.peakRssBytes),
      hubRssMb: mb(s.rssBytes),
      baselinePeakRssMb: mb(base.peakRssBytes),
      hubLoopDelayMs: s.loopDelayMs,
      simulatorCpuPct: Math.round((simCpu.user + simCpu.system) / 1e4 / stepS),
    };
    steps.push(step);
    printStep(step);
    if (step.fellBehind) break;
  }
  hub.send({ cmd: 'stop' });
  await new Promise((r) => hub.once('exit', r));
  await wecom.stop();
  return {
    assets: ASSETS,
    onCall: ready.onCall,
    hubStartRssMb: mb(ready.rssBytes),
    gettokenCalls: wecom.tokenRequests,
    steps,
    loadBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadAfter: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

let headerShown = false;
function printStep(s: PeopleStep) {
  if (!headerShown) {
    headerShown = true;
    console.log(
      `\npeople: ${ASSETS} AHUs, one critical threshold rule, the hvac rota's person on call told on WeCom (wecom-app → the WeCom simulator); bursts every ${BURST_MS} ms`,
    );
    console.log(
      '  offered/s  raised/s  delivered/s  undelivered  p50 ms  p99 ms  max ms  backlog  drain s  log rows  hub CPU  µs/alert (no one told)  log µs/msg  peak RSS MB  sim CPU',
    );
  }
  const rows = Object.entries(s.deliveryRows)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  console.log(
    [
      String(s.offeredAlertsPerS).padStart(11),
      String(s.alertsPerS).padStart(10),
      String(s.deliveredPerS).padStart(13),
      String(s.undelivered).padStart(13),
      String(s.latencyMs?.p50 ?? '-').padStart(8),
      String(s.latencyMs?.p99 ?? '-').padStart(8),
      String(s.latencyMs?.max ?? '-').padStart(8),
      String(s.backlogAtWindowEnd).padStart(9),
      String(s.drainS).padStart(9),
      String(Object.values(s.deliveryRows).reduce((a, b) => a + b, 0)).padStart(10),
      `${s.hubCpuPct}%`.padStart(9),
      `${s.hubCpuUsPerAlert} (${s.baselineCpuUsPerAlert})`.padStart(24),
      String(s.deliveryLogUsPerDelivery).padStart(12),
      `${s.hubPeakRssMb}`.padStart(13),
      `${s.simulatorCpuPct}%`.padStart(9),
      s.fellBehind ? '  ← fell behind' : '',
    ].join(''),
  );
  console.log(`             delivery log: ${rows || 'none'}`);
}

export function printPeople(r: PeopleResult) {
  const last = r.steps.at(-1);
  const best = r.steps.filter((s) => !s.fellBehind).at(-1);
  console.log(
    `→ on call: ${r.onCall}; highest rate every alert's message kept up with: ${best ? `${best.offeredAlertsPerS} alerts/s (${best.deliveredPerS} messages/s)` : 'none'}${last?.fellBehind ? '' : ' (none fell behind: the ceiling is higher)'}`,
  );
  for (const s of r.steps)
    console.log(
      `  at ${s.offeredAlertsPerS}/s: a personal message costs the hub ${s.personalCpuUsPerAlert} µs of CPU per alert (${s.hubCpuUsPerAlert} with it, ${s.baselineCpuUsPerAlert} with no one told), of which the delivery log's two writes ${s.deliveryLogUsPerDelivery} µs (queued ${s.deliveryLogQueuedUs}, sent ${s.deliveryLogSettledUs})`,
    );
  console.log(
    `  gettoken calls: ${r.gettokenCalls}; hub RSS at start ${r.hubStartRssMb} MB; load average before ${r.loadBefore.join(' ')}, after ${r.loadAfter.join(' ')}`,
  );
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/people.json'),
    `${JSON.stringify({ scenario: 'people', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
