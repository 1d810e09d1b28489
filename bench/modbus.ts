/**
 * `npm run bench modbus`: 1,000 simulated SDM630 meters, 40 registers each, polled every second — 200 on
 * their own TCP endpoints and 800 behind 40 TCP gateways (20 unit ids each). The simulators run in one
 * process, the hub in another. Measured over the window: the share of polls answered, the poll cycle of
 * each meter (time between two of its polls: p50/p99/max), hub CPU; then 10 % of the meters are powered
 * off and the cycle of the live ones is measured again.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eastronSdm630 } from '../adapters/modbus/profiles/sdm630.js';
import { offlineSiteHead, request } from './common.js';
import type { HubStats } from './hub-process.js';

const OWN = 200;
const GATEWAYS = 40;
const PER_GATEWAY = 20;
const METERS = OWN + GATEWAYS * PER_GATEWAY;
const POINTS = 40;
const tsx = { execArgv: ['--import', 'tsx'] };
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The bench's site file: 1,000 SDM630 meters × 40 points (40,000), simulators from `basePort` on. */
export function modbusSite(basePort: number): string {
  const names = Object.keys(eastronSdm630.points).slice(0, POINTS);
  const points = names
    .map(
      (n) =>
        `{ name: ${n}, unit: '${eastronSdm630.points[n]!.unit ?? ''}'${eastronSdm630.points[n]!.kind === 'counter' ? ', kind: counter' : ''} }`,
    )
    .join(', ');
  const devices: string[] = [];
  const assets: string[] = [];
  for (let i = 0; i < METERS; i++) {
    const port = i < OWN ? basePort + i : basePort + OWN + Math.floor((i - OWN) / PER_GATEWAY);
    const unit = i < OWN ? 1 : ((i - OWN) % PER_GATEWAY) + 1;
    devices.push(
      `  - { id: m${i}, protocol: modbus, host: 127.0.0.1, port: ${port}, unitId: ${unit}, profile: sdm630, intervalMs: 1000, timeoutMs: 500, retries: 0 }`,
    );
    assets.push(
      `  - { id: a${i}, name: Meter ${i}, kind: electricity-meter, zone: z, device: m${i}, points: [${points}] }`,
    );
  }
  return `${offlineSiteHead('modbus')}devices:
${devices.join('\n')}
assets:
${assets.join('\n')}
`;
}

function percentile(hist: number[], p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let ms = 0; ms < hist.length; ms++) {
    seen += hist[ms]!;
    if (seen >= total * p) return ms;
  }
  return hist.length;
}

export interface ModbusWindow {
  meters: number;
  liveMeters: number;
  pollsAnsweredPct: number;
  cycles: number;
  cycleP50Ms: number;
  cycleP99Ms: number;
  cycleMaxMs: number;
  hubCpuPct: number;
  simCpuPct: number;
  hubMaxRssMb: number;
  /** Of which V8's heap at most (sampled every second), and Buffers outside it. */
  hubMaxHeapMb: number;
  hubMaxExternalMb: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export async function runModbusBench(
  windowS: number,
): Promise<{ healthy: ModbusWindow; tenPercentDead: ModbusWindow }> {
  const basePort = 20_000 + Math.floor(Math.random() * 20_000);
  const file = join(mkdtempSync(join(tmpdir(), 'bench-modbus-site-')), 'site.yaml');
  writeFileSync(file, modbusSite(basePort));
  const yaml = `@${file}`;
  const sim = fork(here('./modbus-sim-process.ts'), [yaml], tsx);
  await request(sim, '', 'ready');
  const hub = fork(here('./hub-process.ts'), [yaml, 'cycles'], tsx);
  await request(hub, '', 'ready');
  const stats = async () => (await request<{ stats: HubStats }>(hub, { cmd: 'stats' }, 'stats')).stats;

  const measure = async (liveMeters: number): Promise<ModbusWindow> => {
    await request(hub, { cmd: 'reset' }, 'reset-done');
    await request(sim, { cmd: 'cpu' }, 'cpu');
    const before = await stats();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const after = await stats();
    const s = (performance.now() - t0) / 1000;
    const simCpu = (await request<{ seconds: number }>(sim, { cmd: 'cpu' }, 'cpu')).seconds;
    const polls =
      after.links.reduce((n, l) => n + l.polls, 0) - before.links.reduce((n, l) => n + l.polls, 0);
    const failed =
      after.links.reduce((n, l) => n + l.failedPolls, 0) -
      before.links.reduce((n, l) => n + l.failedPolls, 0);
    const hist = after.cycleHist!;
    return {
      meters: METERS,
      liveMeters,
      pollsAnsweredPct: Math.round((1 - failed / Math.max(1, polls)) * 100_000) / 1000,
      cycles: hist.reduce((a, b) => a + b, 0),
      cycleP50Ms: percentile(hist, 0.5),
      cycleP99Ms: percentile(hist, 0.99),
      cycleMaxMs: hist.findLastIndex((n) => n > 0),
      hubCpuPct: Math.round((after.cpuSeconds / s) * 100),
      simCpuPct: Math.round((simCpu / s) * 100),
      hubMaxRssMb: Math.round(after.maxRssBytes / 2 ** 20),
      hubMaxHeapMb: Math.round(after.maxHeapTotalBytes / 2 ** 20),
      hubMaxExternalMb: Math.round(after.maxExternalBytes / 2 ** 20),
      loopDelayP99Ms: after.loopDelay.p99,
      loopDelayMaxMs: after.loopDelay.max,
    };
  };

  // warm up: every link connected and polling
  await new Promise((r) => setTimeout(r, 10_000));
  const healthy = await measure(METERS);
  // power off every tenth meter: 20 on their own endpoints, 80 behind gateways
  const dead = Array.from({ length: METERS / 10 }, (_, k) => `m${k * 10}`);
  await request(sim, { cmd: 'kill', ids: dead }, 'killed');
  await new Promise((r) => setTimeout(r, 10_000)); // breakers open
  const tenPercentDead = await measure(METERS - dead.length);
  hub.send({ cmd: 'stop' });
  sim.send({ cmd: 'stop' });
  await Promise.all([new Promise((r) => hub.once('exit', r)), new Promise((r) => sim.once('exit', r))]);
  return { healthy, tenPercentDead };
}

export function printModbus(r: { healthy: ModbusWindow; tenPercentDead: ModbusWindow }, windowS: number) {
  console.log(
    `\nmodbus: ${METERS} SDM630 meters × ${POINTS} registers, 1 s interval; ${OWN} own endpoints + ${GATEWAYS} gateways × ${PER_GATEWAY} units; ${windowS} s windows`,
  );
  console.log(
    '  window            live  answered %  cycles   p50 ms  p99 ms  max ms  hub CPU  sim CPU  hub RSS MB (heap/ext)  loop p99/max ms',
  );
  for (const [name, w] of [
    ['all live', r.healthy],
    ['10 % dead', r.tenPercentDead],
  ] as const)
    console.log(
      [
        `  ${name.padEnd(14)}`,
        String(w.liveMeters).padStart(7),
        String(w.pollsAnsweredPct).padStart(12),
        String(w.cycles).padStart(8),
        String(w.cycleP50Ms).padStart(9),
        String(w.cycleP99Ms).padStart(8),
        String(w.cycleMaxMs).padStart(8),
        `${w.hubCpuPct}%`.padStart(9),
        `${w.simCpuPct}%`.padStart(9),
        String(w.hubMaxRssMb).padStart(12),
        `(${w.hubMaxHeapMb}/${w.hubMaxExternalMb})`.padStart(11),
        `${w.loopDelayP99Ms}/${w.loopDelayMaxMs}`.padStart(17),
      ].join(''),
    );
  const change = (r.tenPercentDead.cycleP99Ms / r.healthy.cycleP99Ms - 1) * 100;
  console.log(`→ p99 cycle of the live meters changed by ${change.toFixed(1)} % with 10 % dead`);
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/modbus.json'),
    `${JSON.stringify({ scenario: 'modbus', date: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, windowS, ...r, p99ChangePct: change }, null, 2)}\n`,
  );
}
