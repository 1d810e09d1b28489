/**
 * `npm run bench site-load [--runs N]`: the Modbus bench's site file (1,000 SDM630 meters × 40 points via a
 * profile: 40,000 points, 1,000 devices) read, parsed and validated as the hub does at start-up
 * (parseSiteText: YAML, the zod structure pass, each protocol's device and point schemas, cross-references,
 * the site model, each driver's checkSite, the domains' checks). Each run is a fresh process (a start-up: cold
 * code), then 2 warm loads in the same process. Reported: median and max of the cold loads (wall and CPU
 * time), the warm median, the median of each phase, the machine's load average. Results: bench/results/site-load.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modbusSite } from './modbus.js';
import type { SiteLoadRun } from './site-load-process.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const WARM = 2;

export interface SiteLoadResult {
  points: number;
  fileBytes: number;
  runs: number;
  coldMs: { median: number; max: number; min: number };
  /** CPU time of the cold loads (less sensitive than wall time to other processes on the machine). */
  coldCpuMs: { median: number; max: number };
  warmMedianMs: number;
  /** Median ms of each phase over the cold loads, in load order. */
  phasesMs: Record<string, number>;
  heapUsedAfterMb: number;
  loadAvg: { before: number; after: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export async function runSiteLoadBench(runs: number): Promise<SiteLoadResult> {
  const text = modbusSite(20_000);
  const file = join(mkdtempSync(join(tmpdir(), 'bench-site-load-')), 'site.yaml');
  writeFileSync(file, text);
  const before = loadavg()[0]!;
  const cold: SiteLoadRun[] = [];
  const warm: SiteLoadRun[] = [];
  for (let i = 0; i < runs; i++) {
    const child = fork(here('./site-load-process.ts'), [file, String(WARM)], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
    });
    const got = await new Promise<SiteLoadRun[]>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { runs: SiteLoadRun[] }).runs));
      child.once('exit', (code) => code !== 0 && reject(new Error(`site-load process exited with ${code}`)));
    });
    await new Promise((r) => child.once('exit', r));
    cold.push(got[0]!);
    warm.push(...got.slice(1));
  }
  const phases: Record<string, number> = {};
  for (const name of Object.keys(cold[0]!.phases))
    phases[name] = r1(median(cold.map((r) => r.phases[name] ?? 0)));
  const totals = cold.map((r) => r.totalMs);
  return {
    points: cold[0]!.points,
    fileBytes: Buffer.byteLength(text),
    runs,
    coldMs: { median: r1(median(totals)), max: r1(Math.max(...totals)), min: r1(Math.min(...totals)) },
    coldCpuMs: {
      median: r1(median(cold.map((r) => r.cpuMs))),
      max: r1(Math.max(...cold.map((r) => r.cpuMs))),
    },
    warmMedianMs: r1(median(warm.map((r) => r.totalMs))),
    phasesMs: phases,
    heapUsedAfterMb: r1(median(cold.map((r) => r.heapUsedMb))),
    loadAvg: { before, after: loadavg()[0]! },
  };
}

export function printSiteLoad(r: SiteLoadResult): void {
  console.log(
    `\nsite-load: the Modbus bench's site file, ${r.points.toLocaleString('en')} points, ${(r.fileBytes / 2 ** 20).toFixed(1)} MB; ${r.runs} fresh processes (load average ${r.loadAvg.before.toFixed(1)} → ${r.loadAvg.after.toFixed(1)} on ${cpus().length} cores)`,
  );
  console.log(
    `  cold (a start-up): median ${r.coldMs.median} ms, max ${r.coldMs.max} ms, min ${r.coldMs.min} ms (CPU median ${r.coldCpuMs.median} ms, max ${r.coldCpuMs.max} ms); warm median ${r.warmMedianMs} ms; heap used after (site model kept) ${r.heapUsedAfterMb} MB`,
  );
  console.log('  phase (median ms of the cold loads)');
  for (const [name, ms] of Object.entries(r.phasesMs))
    console.log(`    ${name.padEnd(28)}${String(ms).padStart(8)}`);
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/site-load.json'),
    `${JSON.stringify({ scenario: 'site-load', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
