/**
 * `npm run bench [scenario] [--duration S] [--rates r1,r2,...] [--outage S]`
 *
 * Scenarios (rates are readings per second; each is held for --duration seconds, stepping up until loss):
 *   ingest            100 devices, 10 fields per message, embedded broker
 *   ingest-single     the same with one field per message
 *   ingest-mosquitto  10 fields per message through an external mosquitto the bench starts
 *   all               the three above (the default)
 *   storage           10 fields per message into InfluxDB through the outbox, counted in InfluxDB (bench/storage.ts)
 *   storage-outage    the same with InfluxDB killed for --outage seconds (default 300) while ingest goes on
 *   storage-embedded  the same into the embedded store (SQLite), counted in its rows
 *   modbus            1,000 simulated SDM630 meters polled every second (bench/modbus.ts)
 *   site-load         the Modbus bench's 40,000-point site file loaded and validated, by phase (bench/site-load.ts)
 *   opcua             10,000 OPC UA monitored items on 4 simulated servers (bench/opcua.ts)
 *   rules             1,000 rules over 250,000 readings/s: the engine's cost (bench/rules.ts)
 *   live              200 dashboard socket.io clients on the whole site; the dashboard's JS size and first paint (bench/live.ts)
 *   gates             100 visitor gates scanning: scan → decision latency at 200, 500, 1,000 scans/s (bench/gates.ts)
 *   energy            the monthly energy report of 500 meters from InfluxDB: cold, warm, HTTP, CSV; counterIntervals over a year (bench/energy.ts)
 *   allowlist         a gate's offline allow-list for 10,000 passes: build time, size, the old construction, an attacker's HMAC rate (bench/allowlist.ts)
 *   decode            the slowest single case of the MQTT payload decoder and the site-file parser over generated inputs (bench/decode.ts)
 *   login             logins at the production scrypt cost: success, wrong password, unknown name, while an address hammers (bench/login.ts)
 *   people            alert storms (20, 100, 500 alerts/s, 30 s each) on 200 assets, each alert a WeCom message to the person on call: messages/s at the WeCom simulator, alert.raised → vendor latency, delivery log rows, hub CPU per alert with and without the messages (bench/people.ts)
 *   fleet             20 Sparkplug B edge nodes × 5,000 points at 1 s into one central hub: loss counted in its InfluxDB, central CPU and RSS, fleet view latency, birth → visible, death → offline (bench/fleet.ts; --duration, default 60; --nodes 20; --broker-queue N: mosquitto's max_queued_messages, default 1,000,000 as the fleet recipe sets it; 1000 as installed)
 *   fleet-outage      a site hub at 10,000 readings/s (--rates) with its upstream link cut for --outage seconds (default 300): replay time, exactly once per series in the central InfluxDB (bench/fleet-outage.ts)
 *   automation        2,000 command points on Modbus, OPC UA and BACnet simulators, 500 schedules starting at the same minute: each write timed from the minute, lost and duplicated writes counted at the devices, the engine's CPU between edges (bench/automation.ts; --via api: the same writes through the API; --via control: one PriorityArrays.commandMany in the hub)
 * Three processes per step: the hub (bench/hub-process.ts), the load generator (bench/load-generator.ts)
 * and, for ingest-mosquitto, the broker; this one only orchestrates. Loss is counted at the hub's bus after
 * a drain. Latency is publish → accepted, from each message's timestamp; a unique millisecond per device
 * makes timestamps run ahead of the clock when a device sends faster than ~1 message/ms, so latency is
 * reported only while they stayed within 2 ms. CPU from /proc over the window (100 % = one core); memory is
 * the hub process's peak RSS. Results: bench/results/<scenario>.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startMosquitto } from '../test/services.js';
import { printAllowList, runAllowListBench } from './allowlist.js';
import { printAutomation, runAutomationBench, type Via } from './automation.js';
import { benchSite, DEVICES, request } from './common.js';
import { printDecode, runDecodeBench } from './decode.js';
import { printEnergy, runEnergyBench } from './energy.js';
import { printFleet, runFleetBench } from './fleet.js';
import { printFleetOutage, runFleetOutageBench } from './fleet-outage.js';
import { printGates, runGatesBench } from './gates.js';
import type { HubStats } from './hub-process.js';
import { printLive, runLiveBench } from './live.js';
import type { GeneratorConfig, GeneratorResult } from './load-generator.js';
import { printLogin, runLoginBench } from './login.js';
import { printModbus, runModbusBench } from './modbus.js';
import { printOpcua, runOpcuaBench } from './opcua.js';
import { printPeople, runPeopleBench } from './people.js';
import { processCpuSeconds } from './proc.js';
import { printRules, runRulesBench } from './rules.js';
import { printSiteLoad, runSiteLoadBench } from './site-load.js';
import { printStorageHeader, printStorageStep, runStorageStep, type StorageStepResult } from './storage.js';

interface Scenario {
  name: string;
  fields: number;
  broker: 'embedded' | 'mosquitto';
  rates: number[];
}

const MAX_AHEAD_FOR_LATENCY_MS = 2;
const SCENARIOS: Record<string, Scenario> = {
  ingest: {
    name: 'ingest',
    fields: 10,
    broker: 'embedded',
    rates: [100_000, 250_000, 500_000, 750_000, 1_000_000, 1_250_000, 1_500_000, 1_750_000],
  },
  'ingest-single': {
    name: 'ingest-single',
    fields: 1,
    broker: 'embedded',
    rates: [25_000, 50_000, 100_000, 150_000, 200_000],
  },
  'ingest-mosquitto': {
    name: 'ingest-mosquitto',
    fields: 10,
    broker: 'mosquitto',
    rates: [100_000, 250_000, 500_000, 750_000, 1_000_000],
  },
};

interface StepResult {
  offeredReadingsPerS: number;
  sentReadingsPerS: number;
  acceptedReadingsPerS: number;
  sent: number;
  accepted: number;
  lost: number;
  /** The hub's event-loop delay over the step (a stall longer than the broker's queue lasts loses messages). */
  hubLoopDelayMs?: { p50: number; p99: number; max: number };
  /** Null where timestamps ran more than 2 ms ahead of the clock (see above). */
  latencyMs: { p50: number; p99: number; max: number } | null;
  timestampsAheadMs: number;
  hubCpuPct: number;
  brokerCpuPct: number | null;
  generatorCpuPct: number;
  hubMaxRssMb: number;
  /** Peaks of V8's heap (reserved) and of memory outside it (Buffers), MB: where the RSS is. */
  hubMaxHeapMb: number;
  hubMaxExternalMb: number;
  generatorLimited: boolean;
}

function percentile(hist: number[], overflow: number, total: number, p: number): number {
  const target = Math.ceil(total * p);
  let seen = 0;
  for (let ms = 0; ms < hist.length; ms++) {
    seen += hist[ms]!;
    if (seen >= target) return ms;
  }
  return overflow;
}

const tsx = { execArgv: ['--import', 'tsx'] };
/** The hub's process, with extra Node options from BENCH_HUB_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const hubTsx = {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
};
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

async function runStep(scenario: Scenario, readingsPerS: number, durationS: number): Promise<StepResult> {
  const mosquitto =
    // mosquitto as installed: its default queue (max_queued_messages 1000) and no other tuning
    scenario.broker === 'mosquitto' ? await startMosquitto() : undefined;
  const mqttPort = mosquitto ? mosquitto.port : await freePort();
  const mqtt = mosquitto
    ? `{ mode: external, url: '${mosquitto.url}', clientId: bench-hub }`
    : `{ mode: embedded, host: 127.0.0.1, port: ${mqttPort} }`;
  const hub = fork(here('./hub-process.ts'), [benchSite(scenario.fields, mqtt)], hubTsx);
  // The embedded broker authenticates every device: the hub issues their passwords for the generator.
  const { passwords } = await request<{ passwords: Record<string, string> }>(hub, '', 'ready');
  await request(hub, 'reset', 'reset-done');
  const brokerCpu0 = mosquitto?.pid ? processCpuSeconds(mosquitto.pid) : 0;

  const cfg: GeneratorConfig = {
    url: mosquitto ? mosquitto.url : `mqtt://127.0.0.1:${mqttPort}`,
    siteId: 'bench',
    devices: DEVICES,
    fields: scenario.fields,
    rate: readingsPerS / scenario.fields,
    durationS,
    passwords,
  };
  const t0 = performance.now();
  const gen = fork(here('./load-generator.ts'), [JSON.stringify(cfg)], tsx);
  const result = await new Promise<GeneratorResult>((resolve, reject) => {
    gen.once('message', (m) => resolve(m as GeneratorResult));
    gen.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
  const sent = result.sent * scenario.fields;
  // Drain: until everything arrived, or nothing more arrives for a second.
  let stats = (await request<{ stats: HubStats }>(hub, 'stats', 'stats')).stats;
  for (let last = -1; stats.accepted < sent && stats.accepted !== last; ) {
    last = stats.accepted;
    await new Promise((r) => setTimeout(r, 1000));
    stats = (await request<{ stats: HubStats }>(hub, 'stats', 'stats')).stats;
  }
  const windowS = (performance.now() - t0) / 1000;
  const brokerCpuPct = mosquitto?.pid
    ? Math.round(((processCpuSeconds(mosquitto.pid) - brokerCpu0) / windowS) * 100)
    : null;
  hub.send({ cmd: 'stop' });
  await new Promise((r) => hub.once('exit', r));
  await mosquitto?.stop();

  const total = stats.hist.reduce((a, b) => a + b, 0) + (stats.overflowMax ? 1 : 0);
  const elapsedS = result.elapsedMs / 1000;
  return {
    offeredReadingsPerS: readingsPerS,
    sentReadingsPerS: Math.round(sent / elapsedS),
    acceptedReadingsPerS: Math.round(stats.accepted / elapsedS),
    sent,
    accepted: stats.accepted,
    lost: sent - stats.accepted,
    latencyMs:
      result.maxAheadMs > MAX_AHEAD_FOR_LATENCY_MS
        ? null
        : {
            p50: percentile(stats.hist, stats.overflowMax, total, 0.5),
            p99: percentile(stats.hist, stats.overflowMax, total, 0.99),
            max: stats.maxLatencyMs,
          },
    timestampsAheadMs: result.maxAheadMs,
    hubCpuPct: Math.round((stats.cpuSeconds / windowS) * 100),
    brokerCpuPct,
    generatorCpuPct: Math.round(result.cpuPct),
    hubMaxRssMb: Math.round(stats.maxRssBytes / 2 ** 20),
    hubMaxHeapMb: Math.round(stats.maxHeapTotalBytes / 2 ** 20),
    hubMaxExternalMb: Math.round(stats.maxExternalBytes / 2 ** 20),
    hubLoopDelayMs: stats.loopDelay,
    generatorLimited: sent / elapsedS < readingsPerS * 0.97,
  };
}

async function runScenario(scenario: Scenario, durationS: number, rates?: number[]) {
  const steps: StepResult[] = [];
  console.log(
    `\n${scenario.name}: ${DEVICES} devices, ${scenario.fields} field(s) per message, ${scenario.broker} broker, ${durationS} s per step`,
  );
  console.log(
    '  offered r/s     sent r/s  accepted r/s      lost  p50 ms  p99 ms  max ms  hub CPU  broker CPU  gen CPU  hub RSS MB (heap/ext)',
  );
  const n = (v: number) => v.toLocaleString('en');
  for (const rate of rates ?? scenario.rates) {
    const s = await runStep(scenario, rate, durationS);
    steps.push(s);
    console.log(
      [
        n(s.offeredReadingsPerS).padStart(13),
        n(s.sentReadingsPerS).padStart(13),
        n(s.acceptedReadingsPerS).padStart(14),
        n(s.lost).padStart(10),
        String(s.latencyMs?.p50 ?? 'n/a').padStart(8),
        String(s.latencyMs?.p99 ?? 'n/a').padStart(8),
        String(s.latencyMs?.max ?? 'n/a').padStart(8),
        `${s.hubCpuPct}%`.padStart(9),
        (s.brokerCpuPct === null ? '-' : `${s.brokerCpuPct}%`).padStart(12),
        `${s.generatorCpuPct}%`.padStart(9),
        String(s.hubMaxRssMb).padStart(12),
        `   (${s.hubMaxHeapMb}/${s.hubMaxExternalMb})`.padEnd(12),
        s.generatorLimited ? '  (the generator could not hold the rate)' : '',
      ].join(''),
    );
    if (s.lost > 0) break;
  }
  const best = steps
    .filter((s) => s.lost === 0)
    .reduce<StepResult | undefined>(
      (b, s) => (!b || s.sentReadingsPerS > b.sentReadingsPerS ? s : b),
      undefined,
    );
  const lossAppeared = steps.some((s) => s.lost > 0);
  console.log(
    `→ highest rate with zero loss: ${n(best?.sentReadingsPerS ?? 0)} readings/s${lossAppeared ? '' : ' (no loss at any step: the ceiling is higher)'}`,
  );
  const summary = {
    scenario: scenario.name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    durationS,
    devices: DEVICES,
    fieldsPerMessage: scenario.fields,
    broker: scenario.broker,
    highestZeroLossReadingsPerS: best?.sentReadingsPerS ?? 0,
    lossAppeared,
    steps,
  };
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(here(`./results/${scenario.name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
}

async function runStorage(name: string, durationS: number, rates: number[] | undefined, outageS: number) {
  const steps: StorageStepResult[] = [];
  const outage = name === 'storage-outage';
  const embedded = name === 'storage-embedded';
  const plan =
    rates ?? (outage ? [50_000] : embedded ? [10_000, 25_000, 50_000, 100_000] : [100_000, 250_000, 400_000]);
  const total = outage ? 30 + outageS + durationS : durationS;
  console.log(
    `\n${name}: ${DEVICES} devices, 10 fields per message, embedded broker → ${embedded ? 'embedded store (SQLite; "in InfluxDB" = rows written)' : 'outbox → InfluxDB'}, ${total} s per step${outage ? ` (InfluxDB away from 30 s to ${30 + outageS} s)` : ''}`,
  );
  printStorageHeader();
  for (const rate of plan) {
    const s = await runStorageStep(rate, total, outage ? { afterS: 30, forS: outageS } : undefined, embedded);
    steps.push(s);
    printStorageStep(s);
    if (s.lost > 0) break;
  }
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here(`./results/${name}.json`),
    `${JSON.stringify({ scenario: name, date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, durationS: total, outageS: outage ? outageS : undefined, steps }, null, 2)}\n`,
  );
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '60' },
    rates: { type: 'string' },
    outage: { type: 'string', default: '300' },
    runs: { type: 'string', default: '7' },
    via: { type: 'string', default: 'auto' },
    nodes: { type: 'string', default: '20' },
    'broker-queue': { type: 'string' },
  },
});
const STORAGE = ['storage', 'storage-outage', 'storage-embedded'];
const which = positionals[0] ?? 'all';
const names = which === 'all' ? Object.keys(SCENARIOS) : [which];
for (const name of names) {
  const rates = values.rates?.split(',').map(Number);
  if (name === 'modbus') {
    printModbus(await runModbusBench(Number(values.duration)), Number(values.duration));
    continue;
  }
  if (name === 'site-load') {
    printSiteLoad(await runSiteLoadBench(Number(values.runs)));
    continue;
  }
  if (name === 'rules') {
    printRules(await runRulesBench(Number(values.duration)));
    continue;
  }
  if (name === 'gates') {
    printGates(await runGatesBench(Number(values.duration)));
    continue;
  }
  if (name === 'allowlist') {
    printAllowList(await runAllowListBench());
    continue;
  }
  if (name === 'decode') {
    printDecode(runDecodeBench());
    continue;
  }
  if (name === 'login') {
    printLogin(await runLoginBench());
    continue;
  }
  if (name === 'automation') {
    printAutomation(await runAutomationBench(values.via as Via));
    continue;
  }
  if (name === 'people') {
    // 30 s per rate unless --duration says otherwise (the default 60 would take the scenario past 3 minutes)
    const durationS = process.argv.some((a) => a.startsWith('--duration')) ? Number(values.duration) : 30;
    printPeople(await runPeopleBench(durationS, rates ?? [20, 100, 500]));
    continue;
  }
  if (name === 'fleet') {
    printFleet(
      await runFleetBench(
        Number(values.duration),
        Number(values.nodes),
        values['broker-queue'] ? Number(values['broker-queue']) : undefined,
      ),
    );
    continue;
  }
  if (name === 'fleet-outage') {
    printFleetOutage(await runFleetOutageBench(rates?.[0] ?? 10_000, Number(values.outage)));
    continue;
  }
  if (name === 'energy') {
    printEnergy(await runEnergyBench());
    continue;
  }
  if (name === 'live') {
    const result = await runLiveBench(Number(values.duration), rates ?? [10, 1_000, 5_000]);
    printLive(result);
    mkdirSync(here('./results'), { recursive: true });
    writeFileSync(here('./results/live.json'), JSON.stringify(result, null, 2));
    continue;
  }
  if (name === 'opcua') {
    printOpcua(await runOpcuaBench(Number(values.duration)));
    continue;
  }
  if (STORAGE.includes(name)) {
    await runStorage(name, Number(values.duration), rates, Number(values.outage));
    continue;
  }
  const scenario = SCENARIOS[name];
  if (!scenario) {
    console.error(
      `unknown scenario "${name}"; one of: ${[...Object.keys(SCENARIOS), ...STORAGE, 'modbus', 'site-load', 'opcua', 'rules', 'gates', 'allowlist', 'energy', 'decode', 'login', 'live', 'automation', 'people', 'fleet', 'fleet-outage'].join(', ')}, all`,
    );
    process.exit(2);
  }
  await runScenario(scenario, Number(values.duration), rates);
}
process.exit(0);
