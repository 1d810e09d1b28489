/**
 * One start-up's load of a site file, in a fresh process (as the hub does it once): read, YAML, validation,
 * site model, with each phase's time. Started by bench/site-load.ts; `warm` more loads follow in the same
 * process (the same code, JIT-compiled). Reports `{ cmd: 'done', runs }` over IPC.
 */
import { readFileSync } from 'node:fs';
import { parseSite } from '../core/config/load-config.js';
import type { PhaseTimings } from '../core/config/phase-timings.js';
import { HUB_SITE } from '../hub/site-file.js';

export interface SiteLoadRun {
  totalMs: number;
  /** CPU time of the process over the load (user + system, all threads: GC helpers too). */
  cpuMs: number;
  phases: PhaseTimings;
  points: number;
  /** After the load, the site model kept (heap used after a GC when exposed, otherwise as it is). */
  heapUsedMb: number;
  rssMb: number;
}

const file = process.argv[2]!;
const warm = Number(process.argv[3] ?? 0);
const runs: SiteLoadRun[] = [];
for (let i = 0; i <= warm; i++) {
  const phases: PhaseTimings = {};
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const text = readFileSync(file, 'utf8');
  phases.read = performance.now() - t0;
  const site = parseSite(text, file, HUB_SITE, {}, phases);
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  globalThis.gc?.();
  const mem = process.memoryUsage();
  runs.push({
    totalMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    phases,
    points: site.points.length,
    heapUsedMb: mem.heapUsed / 2 ** 20,
    rssMb: mem.rss / 2 ** 20,
  });
}
process.send?.({ cmd: 'done', runs });
