/**
 * `npm run bench gates`: 100 visitor gates on the embedded broker, each logged in with its own credentials,
 * scanning concurrently. A scan is a staff badge or a pass code (one in ten unknown); the hub looks it up,
 * decides, answers on the gate's decision topic and records the decision. Latency is measured at the gates:
 * from publishing the scan to receiving its decision (both in this process, one clock). Steps: 200 scans/s
 * (the target: p99 ≤ 50 ms), then 500 and 1,000 for headroom.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort } from '../test/services.js';
import { request, writeSite } from './common.js';
import type { HubStats } from './hub-process.js';
import { processCpuSeconds } from './proc.js';

const GATES = 100;
const BADGES = 2_000;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const tsx = { execArgv: ['--import', 'tsx'] };

export interface GatesStep {
  rate: number;
  sent: number;
  answered: number;
  opened: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  hubCpuPct: number;
}

export interface GatesBenchResult {
  gates: number;
  steps: GatesStep[];
  hubRssMb: number;
  /** The start's own peak (the first admin's password hash). */
  hubStartupRssMb: number;
}

function siteYaml(port: number): string {
  const gates = Array.from(
    { length: GATES },
    (_, i) =>
      `  - { id: g${i}, name: Gate ${i}, kind: gate, zone: z, device: d${i}, points: [{ name: door_open, type: boolean, kind: state }] }`,
  ).join('\n');
  const devices = Array.from(
    { length: GATES },
    (_, i) => `  - { id: d${i}, protocol: mqtt, clientId: gate-${i} }`,
  ).join('\n');
  const staff = Array.from(
    { length: BADGES },
    (_, i) => `    - { badge: 'B${String(i).padStart(8, '0')}', holder: Staff ${i}, zones: [z] }`,
  ).join('\n');
  return `site: { id: bench, name: Bench, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, logLevel: silent, dataDir: '${mkdtempSync(join(tmpdir(), 'bench-gates-'))}' }
mqtt: { mode: embedded, host: 127.0.0.1, port: ${port} }
storage: { mode: off }
zones: [{ id: z, name: Z }]
devices:
${devices}
assets:
${gates}
visitors:
  antiPassback: false
  staff:
${staff}
`;
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : Number.NaN;

export async function runGatesBench(durationS: number): Promise<GatesBenchResult> {
  const port = await freePort();
  const hub: ChildProcess = fork(here('./hub-process.ts'), [`@${writeSite(siteYaml(port))}`], tsx);
  const { passwords } = await request<{ passwords: Record<string, string> }>(hub, '', 'ready');
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let opened = 0;
  const clients: MqttClient[] = [];
  for (let i = 0; i < GATES; i++) {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: `gate-${i}`,
      username: `d${i}`,
      password: passwords[`d${i}`],
      reconnectPeriod: 0,
    });
    await c.subscribeAsync(`site/bench/g${i}/decision`);
    c.on('message', (_t, payload) => {
      const d = JSON.parse(payload.toString()) as { nonce: string; decision: string };
      const sentAt = pending.get(d.nonce);
      if (sentAt === undefined) return;
      pending.delete(d.nonce);
      latencies.push(performance.now() - sentAt);
      if (d.decision === 'open') opened++;
    });
    clients.push(c);
  }
  let seq = 0;
  const scan = () => {
    const n = seq++;
    const gate = n % GATES;
    const nonce = `n${n}`;
    const credential =
      n % 10 === 9
        ? { type: 'code', value: String(10_000_000 + n) }
        : { type: 'card', value: `B${String(n % BADGES).padStart(8, '0')}` };
    pending.set(nonce, performance.now());
    clients[gate]!.publish(
      `site/bench/g${gate}/scan`,
      JSON.stringify({ credential, nonce, ts: Date.now(), direction: 'in' }),
    );
  };
  const run = async (rate: number, seconds: number) => {
    const intervalMs = 1000 / rate;
    const start = performance.now();
    let due = 0;
    while (performance.now() - start < seconds * 1000) {
      const shouldHave = Math.floor((performance.now() - start) / intervalMs);
      while (due < shouldHave) {
        scan();
        due++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 2_000)); // the last answers
    return due;
  };

  await run(50, 3); // warm up
  const steps: GatesStep[] = [];
  for (const rate of [200, 500, 1_000]) {
    latencies.length = 0;
    pending.clear();
    opened = 0;
    const cpu0 = processCpuSeconds(hub.pid!);
    const t0 = performance.now();
    const sent = await run(rate, durationS);
    const cpuPct = Math.round(
      ((processCpuSeconds(hub.pid!) - cpu0) / ((performance.now() - t0) / 1000)) * 100,
    );
    const sorted = [...latencies].sort((a, b) => a - b);
    steps.push({
      rate,
      sent,
      answered: latencies.length,
      opened,
      p50Ms: round(pct(sorted, 50)),
      p99Ms: round(pct(sorted, 99)),
      maxMs: round(sorted.at(-1) ?? Number.NaN),
      hubCpuPct: cpuPct,
    });
  }
  const stats = (await request<{ stats: HubStats }>(hub, { cmd: 'stats' }, 'stats')).stats;
  for (const c of clients) await c.endAsync();
  const exited = new Promise((r) => hub.once('exit', r));
  hub.send({ cmd: 'stop' });
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  hub.kill();
  const result = {
    gates: GATES,
    steps,
    hubRssMb: Math.round(stats.maxRssBytes / 1_048_576),
    hubStartupRssMb: Math.round(stats.startupPeakRssBytes / 1_048_576),
  };
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/gates.json'),
    `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`,
  );
  return result;
}

const round = (v: number) => Math.round(v * 10) / 10;

export function printGates(r: GatesBenchResult): void {
  console.log(
    `gates: ${r.gates} gates, scan → decision at the gate; hub peak RSS ${r.hubRssMb} MB (${r.hubStartupRssMb} MB while starting)`,
  );
  console.log('scans/s   sent  answered  opened   p50 ms   p99 ms   max ms   hub CPU');
  for (const s of r.steps)
    console.log(
      `${String(s.rate).padStart(7)} ${String(s.sent).padStart(6)} ${String(s.answered).padStart(9)} ${String(s.opened).padStart(7)} ${String(s.p50Ms).padStart(8)} ${String(s.p99Ms).padStart(8)} ${String(s.maxMs).padStart(8)} ${String(s.hubCpuPct).padStart(8)} %`,
    );
}
