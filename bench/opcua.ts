/**
 * `npm run bench opcua`: 10,000 monitored items at 1 s sampling across 4 simulated OPC UA servers (each in
 * its own process, 2,500 variables that each count up by one every second), one hub subscribing to all of
 * them. Measured over the window: hub CPU, RSS growth over the hub before it connected, and delivery — the
 * data-change notifications the servers sent against those the hub received (after the servers stop
 * changing, so nothing is in flight), and the sequence of each value (a jump by more than one is a change
 * no notification carried: sampling, not delivery). Then one server restarts, and the time from its
 * coming back until every one of its 2,500 items has delivered again is measured.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OpcuaSimProcess, startOpcuaSimProcess } from '../test/opcua-fixtures.js';
import { freePort } from '../test/services.js';
import { offlineSiteHead, request, writeSite } from './common.js';
import type { HubStats } from './hub-process.js';
import { processCpuSeconds } from './proc.js';

const SERVERS = 4;
const ASSETS_PER_SERVER = 50;
const POINTS_PER_ASSET = 50;
const ITEMS = SERVERS * ASSETS_PER_SERVER * POINTS_PER_ASSET;
const tsx = { execArgv: ['--import', 'tsx'] };
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function siteYaml(ports: number[], only?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-opcua-'));
  const servers = ports.map((port, k) => ({ k, port })).filter((s) => only === undefined || s.k === only);
  const points = Array.from({ length: POINTS_PER_ASSET }, (_, n) => `{ name: v${n} }`).join(', ');
  const devices = servers.map(
    ({ k, port }) =>
      `  - { id: s${k}, protocol: opcua, endpoint: 'opc.tcp://127.0.0.1:${port}', nodeIdTemplate: 'nsu=urn:bench:s${k};s={asset}.{point}', publishingIntervalMs: 1000, samplingIntervalMs: 1000, intervalMs: 60000, timeoutMs: 15000 }`,
  );
  const assets = servers.flatMap(({ k }) =>
    Array.from(
      { length: ASSETS_PER_SERVER },
      (_, a) =>
        `  - { id: s${k}a${a}, name: S${k} A${a}, kind: generic, zone: z, device: s${k}, points: [${points}] }`,
    ),
  );
  return `${offlineSiteHead('opcua', dir)}devices:
${devices.join('\n')}
assets:
${assets.join('\n')}
`;
}

interface SimStatus {
  deviceId: string;
  changes: number;
  notifications: number;
}

const sum = (xs: SimStatus[], f: 'changes' | 'notifications') => xs.reduce((n, x) => n + x[f], 0);

async function simStatus(sim: OpcuaSimProcess): Promise<SimStatus[]> {
  return (await fetch(`${sim.controlUrl}/opcua`)).json() as Promise<SimStatus[]>;
}

export interface OpcuaBenchResult {
  items: number;
  servers: number;
  windowS: number;
  hubCpuPct: number;
  simCpuPct: number;
  baselineRssMb: number;
  maxRssMb: number;
  rssGrowthMb: number;
  notificationsSent: number;
  notificationsReceived: number;
  deliveredPct: number;
  valueChanges: number;
  changesSeen: number;
  changesSkipped: number;
  loopDelayP99Ms: number;
  recoveryMs: number;
}

export async function runOpcuaBench(windowS: number): Promise<OpcuaBenchResult> {
  const ports = await Promise.all(Array.from({ length: SERVERS }, () => freePort()));
  const sims: OpcuaSimProcess[] = [];
  for (let k = 0; k < SERVERS; k++)
    sims.push(await startOpcuaSimProcess(writeSite(siteYaml(ports, k)), { tickMs: 1000 }));
  const hubSite = writeSite(siteYaml(ports));
  const hub: ChildProcess = fork(here('./hub-process.ts'), [`@${hubSite}`, 'sequence'], tsx);
  await request(hub, '', 'ready');
  const stats = async () => (await request<{ stats: HubStats }>(hub, { cmd: 'stats' }, 'stats')).stats;
  const fresh = async (since: number, prefix: string) =>
    (await request<{ count: number }>(hub, { cmd: 'fresh', since, prefix }, 'fresh')).count;
  const simCpu = () => sims.reduce((s, p) => s + processCpuSeconds(p.pid!), 0);

  // warm up: every item subscribed and delivering
  const warmUntil = Date.now() + 60_000;
  while ((await stats()).sequence!.points < ITEMS && Date.now() < warmUntil)
    await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 5_000));

  await request(hub, { cmd: 'reset' }, 'reset-done');
  const simCpu0 = simCpu();
  const before = await stats();
  const changes0 = sum((await Promise.all(sims.map(simStatus))).flat(), 'changes');
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const after = await stats();
  const s = (performance.now() - t0) / 1000;
  const simCpuPct = Math.round(((simCpu() - simCpu0) / s) * 100);

  // stop the values (time stands still in every simulator), let the last publishes arrive, then compare
  // everything sent since the servers started with everything received since the hub subscribed
  await Promise.all(sims.map((sim) => sim.control('/ticks?on=false')));
  await new Promise((r) => setTimeout(r, 3_000));
  const sent1 = (await Promise.all(sims.map(simStatus))).flat();
  const settled = await stats();
  const notificationsSent = sum(sent1, 'notifications');
  const notificationsReceived = settled.links.reduce((n, l) => n + Number(l.stats?.dataChanges ?? 0), 0);

  // one server restarts (2 s down): every item of it delivers again
  await Promise.all(sims.map((sim) => sim.control('/ticks?on=true')));
  await sims[0]!.control('/opcua/s0/restart?downMs=2000');
  const back = Date.now();
  const perServer = ASSETS_PER_SERVER * POINTS_PER_ASSET;
  let recoveryMs = -1;
  while (Date.now() - back < 60_000) {
    if ((await fresh(back, 's0a')) >= perServer) {
      recoveryMs = Date.now() - back;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  hub.send({ cmd: 'stop' });
  await new Promise((r) => hub.once('exit', r));
  await Promise.all(sims.map((sim) => sim.kill()));
  return {
    items: ITEMS,
    servers: SERVERS,
    windowS,
    hubCpuPct: Math.round((after.cpuSeconds / s) * 100),
    simCpuPct,
    baselineRssMb: Math.round(after.baselineRssBytes / 2 ** 20),
    maxRssMb: Math.round(after.maxRssBytes / 2 ** 20),
    rssGrowthMb: Math.round((after.maxRssBytes - after.baselineRssBytes) / 2 ** 20),
    notificationsSent,
    notificationsReceived,
    deliveredPct: Math.round((notificationsReceived / Math.max(1, notificationsSent)) * 100_000) / 1000,
    valueChanges: sum(sent1, 'changes') - changes0,
    changesSeen: settled.sequence!.changes - before.sequence!.changes,
    changesSkipped: settled.sequence!.skipped - before.sequence!.skipped,
    loopDelayP99Ms: after.loopDelay.p99,
    recoveryMs,
  };
}

export function printOpcua(r: OpcuaBenchResult) {
  console.log(
    `\nopcua: ${r.items} monitored items (1 s sampling, 1 s publishing) on ${r.servers} servers, each value changing every second; ${r.windowS} s window`,
  );
  console.log(`  hub CPU                 ${r.hubCpuPct} % of one core   (simulators: ${r.simCpuPct} %)`);
  console.log(
    `  hub RSS                 ${r.baselineRssMb} MB before connecting → ${r.maxRssMb} MB peak: growth ${r.rssGrowthMb} MB`,
  );
  console.log(
    `  notifications           ${r.notificationsSent} sent by the servers since they started, ${r.notificationsReceived} received (${r.deliveredPct} %)`,
  );
  console.log(
    `  value changes (window)  ${r.valueChanges} made, ${r.changesSeen} seen by the hub, ${r.changesSkipped} skipped between two samples`,
  );
  console.log(`  event-loop delay p99    ${r.loopDelayP99Ms} ms`);
  console.log(
    `  restart recovery        ${r.recoveryMs} ms until all 2,500 items of the restarted server delivered again`,
  );
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/opcua.json'),
    `${JSON.stringify({ scenario: 'opcua', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
