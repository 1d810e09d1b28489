/**
 * `npm run bench [scenario] [--duration S] [--rates r1,r2,...]`
 *
 * Scenarios (readings per second are what the rates mean; each rate is held for --duration seconds):
 *   ingest            100 devices, 10 fields per message, embedded broker; step up until loss appears
 *   ingest-single     the same with one field per message
 *   ingest-mosquitto  10 fields per message through an external mosquitto the bench starts
 *   all               the three above (the default)
 * Loss is counted at the bus, after a drain. CPU from /proc over the window (100 % = one core), memory as
 * the maximum RSS. Results go to bench/results/<scenario>.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildHub } from '../hub/app.js';
import { parseSiteText } from '../hub/config/load-config.js';
import { silentLogger } from '../hub/logger.js';
import { freePort, startMosquitto } from '../test/services.js';
import type { GeneratorConfig, GeneratorResult } from './load-generator.js';

interface Scenario {
  name: string;
  fields: number;
  broker: 'embedded' | 'mosquitto';
  /** Readings per second to step through. */
  rates: number[];
}

const DEVICES = 100;
const SCENARIOS: Record<string, Scenario> = {
  ingest: {
    name: 'ingest',
    fields: 10,
    broker: 'embedded',
    rates: [100_000, 250_000, 400_000, 550_000, 700_000, 850_000, 1_000_000],
  },
  'ingest-single': {
    name: 'ingest-single',
    fields: 1,
    broker: 'embedded',
    rates: [25_000, 50_000, 75_000, 100_000],
  },
  'ingest-mosquitto': {
    name: 'ingest-mosquitto',
    fields: 10,
    broker: 'mosquitto',
    rates: [100_000, 200_000, 300_000, 400_000],
  },
};

interface StepResult {
  offeredReadingsPerS: number;
  sentReadingsPerS: number;
  acceptedReadingsPerS: number;
  sent: number;
  accepted: number;
  lost: number;
  latencyMs: { p50: number; p99: number; max: number };
  hubCpuPct: number;
  generatorCpuPct: number;
  maxRssMb: number;
  generatorLimited: boolean;
}

function benchSite(fields: number, mqtt: string): string {
  const assets = Array.from(
    { length: DEVICES },
    (_, i) =>
      `  - { id: a${i}, name: A${i}, kind: generic, zone: z, device: d${i}, points: [${Array.from(
        { length: fields },
        (_, f) => `{ name: p${f}, intervalMs: 600000 }`,
      ).join(', ')}] }`,
  ).join('\n');
  const devices = Array.from(
    { length: DEVICES },
    (_, i) => `  - { id: d${i}, protocol: mqtt, clientId: bench-dev-${i} }`,
  ).join('\n');
  return `site: { id: bench, name: Bench }
hub: { http: { host: 127.0.0.1, port: 0 }, logLevel: silent }
mqtt: ${mqtt}
zones: [{ id: z, name: Z }]
devices:
${devices}
assets:
${assets}
`;
}

function cpuTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz)
}

function percentile(hist: Uint32Array, overflow: number, total: number, p: number): number {
  const target = Math.ceil(total * p);
  let seen = 0;
  for (let ms = 0; ms < hist.length; ms++) {
    seen += hist[ms]!;
    if (seen >= target) return ms;
  }
  return overflow;
}

async function runStep(scenario: Scenario, readingsPerS: number, durationS: number): Promise<StepResult> {
  const mosquitto =
    scenario.broker === 'mosquitto' ? await startMosquitto(['max_queued_messages 100000']) : undefined;
  const mqttPort = mosquitto ? mosquitto.port : await freePort();
  const mqtt = mosquitto
    ? `{ mode: external, url: '${mosquitto.url}', clientId: bench-hub }`
    : `{ mode: embedded, host: 127.0.0.1, port: ${mqttPort} }`;
  const site = parseSiteText(benchSite(scenario.fields, mqtt), 'bench.yaml');
  const hub = await buildHub({ site, log: silentLogger });

  const hist = new Uint32Array(10_000);
  let overflowMax = 0;
  let accepted = 0;
  let maxLatency = 0;
  hub.bus.on('readings.accepted', (batch) => {
    const now = Date.now();
    accepted += batch.length;
    for (let i = 0; i < batch.length; i++) {
      const lat = now - batch[i]!.ts;
      if (lat > maxLatency) maxLatency = lat;
      if (lat < hist.length) hist[Math.max(0, lat)]!++;
      else overflowMax = lat;
    }
  });
  await hub.start();
  while (hub.supervisor.linkHealth()[0]?.state !== 'up') await new Promise((r) => setTimeout(r, 20));

  const rate = readingsPerS / scenario.fields;
  const cfg: GeneratorConfig = {
    url: mosquitto ? mosquitto.url : `mqtt://127.0.0.1:${mqttPort}`,
    siteId: 'bench',
    devices: DEVICES,
    fields: scenario.fields,
    rate,
    durationS,
  };
  let maxRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }, 250);
  const ticks0 = cpuTicks();
  const t0 = performance.now();
  const gen = fork(fileURLToPath(new URL('./load-generator.ts', import.meta.url)), [JSON.stringify(cfg)], {
    execArgv: ['--import', 'tsx'],
  });
  const result = await new Promise<GeneratorResult>((resolve, reject) => {
    gen.once('message', (m) => resolve(m as GeneratorResult));
    gen.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
  // Drain: wait until nothing more arrives for a second.
  let last = -1;
  while (accepted !== last) {
    last = accepted;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const windowMs = performance.now() - t0 - 1000;
  const hubCpuPct = ((cpuTicks() - ticks0) / 100 / (windowMs / 1000)) * 100;
  clearInterval(rssTimer);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  maxRss = Math.max(maxRss, hwm ? Number(hwm[1]) * 1024 : 0);
  await hub.stop();
  await mosquitto?.stop();

  const sentReadings = result.sent * scenario.fields;
  const total = hist.reduce((a, b) => a + b, 0) + (overflowMax ? 1 : 0);
  return {
    offeredReadingsPerS: readingsPerS,
    sentReadingsPerS: Math.round(sentReadings / (result.elapsedMs / 1000)),
    acceptedReadingsPerS: Math.round(accepted / (result.elapsedMs / 1000)),
    sent: sentReadings,
    accepted,
    lost: sentReadings - accepted,
    latencyMs: {
      p50: percentile(hist, overflowMax, total, 0.5),
      p99: percentile(hist, overflowMax, total, 0.99),
      max: maxLatency,
    },
    hubCpuPct: Math.round(hubCpuPct),
    generatorCpuPct: Math.round(result.cpuPct),
    maxRssMb: Math.round(maxRss / 2 ** 20),
    generatorLimited: sentReadings / (result.elapsedMs / 1000) < readingsPerS * 0.97,
  };
}

async function runScenario(scenario: Scenario, durationS: number, rates?: number[]) {
  const steps: StepResult[] = [];
  console.log(
    `\n${scenario.name}: ${DEVICES} devices, ${scenario.fields} field(s) per message, ${scenario.broker} broker, ${durationS} s per step`,
  );
  console.log(
    'offered r/s  sent r/s  accepted r/s      lost  p50 ms  p99 ms  max ms  hub CPU  gen CPU  RSS MB',
  );
  for (const rate of rates ?? scenario.rates) {
    const s = await runStep(scenario, rate, durationS);
    steps.push(s);
    console.log(
      [
        s.offeredReadingsPerS.toLocaleString('en').padStart(11),
        s.sentReadingsPerS.toLocaleString('en').padStart(9),
        s.acceptedReadingsPerS.toLocaleString('en').padStart(13),
        s.lost.toLocaleString('en').padStart(9),
        String(s.latencyMs.p50).padStart(7),
        String(s.latencyMs.p99).padStart(7),
        String(s.latencyMs.max).padStart(7),
        `${s.hubCpuPct}%`.padStart(8),
        `${s.generatorCpuPct}%`.padStart(8),
        String(s.maxRssMb).padStart(7),
        s.generatorLimited ? '  (generator could not hold the rate)' : '',
      ].join(''),
    );
    if (s.lost > 0) break;
  }
  const clean = steps.filter((s) => s.lost === 0);
  const best = clean.reduce<StepResult | undefined>(
    (b, s) => (!b || s.sentReadingsPerS > b.sentReadingsPerS ? s : b),
    undefined,
  );
  const summary = {
    scenario: scenario.name,
    date: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    durationS,
    devices: DEVICES,
    fieldsPerMessage: scenario.fields,
    broker: scenario.broker,
    highestZeroLossReadingsPerS: best?.sentReadingsPerS ?? 0,
    steps,
  };
  console.log(
    `→ highest rate with zero loss: ${(best?.sentReadingsPerS ?? 0).toLocaleString('en')} readings/s`,
  );
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(
    fileURLToPath(new URL(`./results/${scenario.name}.json`, import.meta.url)),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
  return summary;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { duration: { type: 'string', default: '60' }, rates: { type: 'string' } },
});
const which = positionals[0] ?? 'all';
const names = which === 'all' ? Object.keys(SCENARIOS) : [which];
for (const name of names) {
  const scenario = SCENARIOS[name];
  if (!scenario) {
    console.error(`unknown scenario "${name}"; one of: ${Object.keys(SCENARIOS).join(', ')}, all`);
    process.exit(2);
  }
  await runScenario(scenario, Number(values.duration), values.rates?.split(',').map(Number));
}
process.exit(0);
