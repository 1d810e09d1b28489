/**
 * `npm run bench rules`: the rules engine's own cost. 1,000 threshold rules (with hysteresis) on 1,000 of a
 * site's 25,000 points, the real RuleEngine and AlertService (SQLite) on a real bus, fed 250,000 readings/s
 * in batches of 5,000 for the duration, paced by the wall clock. Every ruled point goes above its limit every
 * 20th time it comes by (every 2 s), each at its own turn, and back the next, so 500 alerts a second are
 * raised and cleared. A second run makes it a storm: all 1,000 rules fire in the same 100 ms. Measured: CPU per
 * reading spent in the bus emit with only the engine listening (the engine is the only consumer here, so that
 * is its cost), against the same emits with no rules; the time from the emit of a batch to each
 * `alert.raised` it causes; alerts raised.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EventBus } from '../core/bus.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import type { Reading } from '../core/model/reading.js';
import { AlertService } from '../domains/alerts/alert-service.js';
import { RuleEngine } from '../domains/rules/rule-engine.js';
import { parseSiteText } from '../hub/site-file.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { openDatabase } from '../platform/db/database.js';
import { offlineSiteHead } from './common.js';

const ASSETS = 2_500;
const POINTS_PER_ASSET = 10;
const RULES = 1_000;
const RATE = 250_000;
const BATCH = 5_000;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function siteYaml(rules: number): string {
  const points = Array.from({ length: POINTS_PER_ASSET }, (_, p) => `{ name: p${p} }`).join(', ');
  const assets = Array.from(
    { length: ASSETS },
    (_, a) => `  - { id: a${a}, name: A${a}, kind: generic, zone: z, points: [${points}] }`,
  ).join('\n');
  // rule k watches a(k)/p0: active above 100, clears below 95
  const list = Array.from(
    { length: rules },
    (_, k) =>
      `  - { id: r${k}, name: R${k}, severity: high, target: { point: a${k}/p0 }, condition: { type: threshold, high: 100, deadband: 5 }, chatter: { transitions: 1000, withinMs: 1000 } }`,
  ).join('\n');
  return `${offlineSiteHead('rules')}assets:
${assets}
rules:
${list || '  []'}
`;
}

export interface RulesBenchResult {
  rules: number;
  points: number;
  readingsPerS: number;
  durationS: number;
  readings: number;
  usPerReadingWithRules: number;
  usPerReadingWithoutRules: number;
  usPerReadingEngine: number;
  alertsRaised: number;
  raiseLatencyP50Ms: number;
  raiseLatencyP99Ms: number;
  raiseLatencyMaxMs: number;
  /** Every ruled point going high in the same 100 ms, every 2 s. */
  stormLatencyP99Ms: number;
  stormLatencyMaxMs: number;
}

async function run(rules: number, durationS: number, storm = false) {
  const site = parseSiteText(siteYaml(rules), 'bench-rules.yaml');
  const bus = new EventBus(silentLogger);
  const db = openDatabase(site.hub.dataDir, silentLogger);
  const alerts = new AlertService({
    db,
    bus,
    clock: systemClock,
    log: silentLogger,
    audit: new AuditLog(db, () => Date.now()),
  });
  const engine = new RuleEngine({ site, bus, clock: systemClock, log: silentLogger, alerts });
  engine.start();
  let emittedAt = 0;
  const latencies: number[] = [];
  bus.on('alert.raised', () => latencies.push(performance.now() - emittedAt));

  const ids = site.points.map((p) => p.id);
  // how often each ruled point has come by: every 20th time it is above its limit (every 2 s at this rate)
  const seen = new Map(Array.from({ length: rules }, (_, k) => [`a${k}/p0`, 0] as [string, number]));
  let n = 0;
  let cpuUs = 0;
  const start = performance.now();
  const batches = Math.round((RATE * durationS) / BATCH);
  for (let b = 0; b < batches; b++) {
    const now = Date.now();
    const batch: Reading[] = new Array(BATCH);
    for (let i = 0; i < BATCH; i++, n++) {
      const pointId = ids[(n * 7919) % ids.length]!;
      const k = seen.get(pointId);
      // spread over the points (rule r's point goes high at its own turn), or all at once in a storm
      const high = k !== undefined && (k + (storm ? 0 : Number(pointId.slice(1, -3)))) % 20 === 0;
      if (k !== undefined) seen.set(pointId, k + 1);
      batch[i] = { pointId, value: high ? 120 : 50 + (n % 10), quality: 'good', ts: now };
    }
    const cpu0 = process.cpuUsage();
    emittedAt = performance.now();
    bus.emit('readings.accepted', batch);
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
    // pace at RATE readings/s
    const due = start + ((b + 1) * BATCH * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else await new Promise((r) => setImmediate(r));
  }
  const elapsedS = (performance.now() - start) / 1000;
  engine.stop();
  db.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    readings: n,
    elapsedS,
    usPerReading: cpuUs / n,
    raised: latencies.length,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies.at(-1) ?? 0,
    instances: engine.instances,
  };
}

export async function runRulesBench(durationS: number): Promise<RulesBenchResult> {
  const without = await run(0, Math.min(durationS, 10));
  const withRules = await run(RULES, durationS);
  const storm = await run(RULES, Math.min(durationS, 10), true);
  return {
    rules: withRules.instances,
    points: ASSETS * POINTS_PER_ASSET,
    readingsPerS: Math.round(withRules.readings / withRules.elapsedS),
    durationS: Math.round(withRules.elapsedS),
    readings: withRules.readings,
    usPerReadingWithRules: round(withRules.usPerReading),
    usPerReadingWithoutRules: round(without.usPerReading),
    usPerReadingEngine: round(withRules.usPerReading - without.usPerReading),
    alertsRaised: withRules.raised,
    raiseLatencyP50Ms: round(withRules.p50),
    raiseLatencyP99Ms: round(withRules.p99),
    raiseLatencyMaxMs: round(withRules.max),
    stormLatencyP99Ms: round(storm.p99),
    stormLatencyMaxMs: round(storm.max),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function printRules(r: RulesBenchResult) {
  console.log(
    `\nrules: ${r.rules} threshold rules on a ${r.points}-point site, ${r.readingsPerS} readings/s for ${r.durationS} s (batches of ${BATCH})`,
  );
  console.log(
    `  CPU per reading         ${r.usPerReadingWithRules} µs with the rules, ${r.usPerReadingWithoutRules} µs with none: the engine ${r.usPerReadingEngine} µs`,
  );
  console.log(
    `  batch emit → alert.raised  p50 ${r.raiseLatencyP50Ms} ms, p99 ${r.raiseLatencyP99Ms} ms, max ${r.raiseLatencyMaxMs} ms (${r.alertsRaised} alerts raised)`,
  );
  console.log(
    `  storm (all 1,000 rules fire within 100 ms, every 2 s): p99 ${r.stormLatencyP99Ms} ms, max ${r.stormLatencyMaxMs} ms`,
  );
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/rules.json'),
    `${JSON.stringify({ scenario: 'rules', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
