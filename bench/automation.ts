/**
 * `npm run bench automation [--via schedules|control|api]`: 2,000 command points on simulated Modbus TCP units
 * (one uint16 holding register each; 167 units behind 8 TCP ports), OPC UA servers (writable Double and Boolean
 * variables; 2 servers) and BACnet/IP controllers (analog-value and binary-value objects with their 16-level
 * priority arrays; 4 controllers, COV), 500 schedules of 4 points each (one asset each, the protocols taken in
 * turn) whose first period starts at the same minute: the first whole minute at least 50 s after the scheduled
 * hub is started, in the site's time zone. At that instant the schedule engine commands 2,000 writes at level 14
 * (`schedule`) through the priority arrays: each a number of its schedule's own (100 + k) or on.
 *
 * Processes: the hub (bench/automation-hub-process.ts) and one simulator process per protocol
 * (bench/automation-sim-process.ts), which logs every write its devices take (Modbus FC6/FC16, OPC UA Write of
 * the Value attribute, BACnet WriteProperty of present-value at a priority), with the time. Measured per point,
 * from the minute: when the command service started the write (the end of the engine's and the array's part),
 * when the device took it (the simulator's log), when the write finished in the hub (its driver read it back),
 * and the read-back: the first reading in the hub that showed the value (OPC UA passes the driver's read after
 * the write on, BACnet the COV notification); a Modbus command register is not polled, its driver reads it back
 * inside the write and resolves only when the device holds the value, so there the write's end is the read-back.
 * p50/p99/max of each, overall and per protocol. Written: points whose device took the value after the minute.
 * Lost: not read back within 30 s. Duplicated: a device that took the value more than once (counted at the
 * simulators, for 6 s after the last read-back). Holding at the end: the devices' values then. CPU (from /proc, 100 % = one core): the hub with the same site
 * and no schedules (30 s), the hub with the 500 schedules before the edge (the engine idle between edges), and
 * over the burst; the simulators' too. RSS of the hub. The machine's load (`uptime`) before and after: the
 * machine may be shared, and a starved hub is a slow one.
 *
 * BENCH_PROFILE_DIR=dir: CPU profiles of the hub before the edge and over the burst (written there), summed up
 * by component (inclusive), by source and by function (self time). The profiler costs CPU: take the CPU
 * figures from a run without it.
 *
 * `--via control`: no schedules; at the minute the hub makes one PriorityArrays.commandMany of the same 2,000
 * level-14 commands (what the engine does at an edge, without the engine). `--via api`: the same writes
 * through the HTTP API (`POST /api/v1/points/:asset/:point/command`, an operator override at level 8, 64 at a
 * time, fired at the minute). Both are labelled "NOT the schedule engine"; `auto` (the default) is the engine,
 * or the API on a hub whose site file takes no control.schedules. Results: bench/results/automation.json.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PointValue } from '../core/model/reading.js';
import { parseSiteText } from '../hub/site-file.js';
import { freePort } from '../test/services.js';
import type { AutomationHubStats, HubWrite } from './automation-hub-process.js';
import type { SimConfig, SimWrite } from './automation-sim-process.js';
import { BENCH_ADMIN, offlineSiteHead, request, writeSite } from './common.js';

const TIME_ZONE = 'Asia/Shanghai'; // offlineSiteHead's
const POINTS_PER_ASSET = 4;
const MODBUS_ASSETS = 167;
const OPCUA_ASSETS = 167;
const BACNET_ASSETS = 166;
const MODBUS_PORTS = 8;
const OPCUA_SERVERS = 2;
const BACNET_DEVICES = 4;
/** The edge is the first whole minute at least this long after the scheduled hub is started. */
const LEAD_MS = 50_000;
const BASELINE_MS = 30_000;
const TARGET_MS = 5_000;
const LOST_AFTER_MS = 30_000;
/** A burst still going at 30 s is followed until it ends, at most this long (late writes are counted too). */
const GIVE_UP_MS = 60_000;
const API_CONCURRENCY = 64;
/** After the last read-back, writes are still counted this long (a retry or re-assert would come now). */
const AFTER_MS = 6_000;

type Protocol = 'modbus' | 'opcua' | 'bacnet';
const PROTOCOLS: Protocol[] = ['modbus', 'opcua', 'bacnet'];

const tsx = { execArgv: ['--import', 'tsx'] };
/** The hub's process, with extra Node options from BENCH_HUB_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const hubTsx = {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
};
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** One asset: 4 command points of one device, one schedule, one value. */
interface PlannedAsset {
  id: string;
  protocol: Protocol;
  /** Index of its device (Modbus: its port; OPC UA: its server; BACnet: its controller). */
  device: number;
  /** Modbus unit id behind its port. */
  unit: number;
  boolean: boolean;
  points: string[];
  /** What its schedule commands at the edge. */
  value: PointValue;
}

/**
 * 500 assets: 167 Modbus units, 167 assets on 2 OPC UA servers, 166 on 4 BACnet controllers; listed (and
 * their schedules numbered) round the protocols in turn, as a building mixes them.
 */
export function planAssets(): PlannedAsset[] {
  const make = (protocol: Protocol, n: number, devices: number): PlannedAsset[] =>
    Array.from({ length: n }, (_, i) => {
      const id = `${protocol.slice(0, 2)}${i}`;
      // every 4th OPC UA and BACnet asset of a device is on/off (a Boolean variable, binary-value objects)
      const boolean = protocol !== 'modbus' && Math.floor(i / devices) % 4 === 3;
      return {
        id,
        protocol,
        device: i % devices,
        unit: Math.floor(i / devices) + 1,
        boolean,
        points: Array.from({ length: POINTS_PER_ASSET }, (_, p) => `${id}/sp${p}`),
        value: boolean,
      };
    });
  const lists = [
    make('modbus', MODBUS_ASSETS, MODBUS_PORTS),
    make('opcua', OPCUA_ASSETS, OPCUA_SERVERS),
    make('bacnet', BACNET_ASSETS, BACNET_DEVICES),
  ];
  const out: PlannedAsset[] = [];
  for (let i = 0; out.length < MODBUS_ASSETS + OPCUA_ASSETS + BACNET_ASSETS; i++)
    for (const list of lists) if (list[i]) out.push(list[i]!);
  // what each schedule commands: on, or a number of its own (so a value read back is this schedule's)
  out.forEach((a, k) => {
    a.value = a.boolean ? true : 100 + k;
  });
  return out;
}

/** A BACnet asset's objects: analog-value (or binary-value) instances numbered on its controller. */
function bacnetObject(a: PlannedAsset, p: number): string {
  return `${a.boolean ? 'binary-value' : 'analog-value'}:${Math.floor(Number(a.id.slice(2)) / BACNET_DEVICES) * POINTS_PER_ASSET + p}`;
}

export interface Endpoints {
  modbusPorts: number[];
  opcuaPorts: number[];
  /** BACnet controller index → host:port (known once the simulators are bound). */
  bacnet: string[];
}

const BACNET_INSTANCE = 3001;

function localParts(ms: number): { day: string; hhmm: string; date: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: TIME_ZONE,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return {
    day: parts.weekday!.toLowerCase(),
    hhmm: `${parts.hour}:${parts.minute}`,
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

/** The bench's site file; with `edgeAt`, each asset's schedule starts its period at that minute (local time). */
export function automationSite(assets: PlannedAsset[], ep: Endpoints, edgeAt?: number): string {
  const devices: string[] = [];
  const lines: string[] = [];
  for (let d = 0; d < MODBUS_PORTS; d++)
    for (const a of assets.filter((x) => x.protocol === 'modbus' && x.device === d))
      devices.push(
        `  - { id: ${a.id}-dev, protocol: modbus, host: 127.0.0.1, port: ${ep.modbusPorts[d]}, unitId: ${a.unit}, intervalMs: 1000, timeoutMs: 1000, retries: 1 }`,
      );
  for (let s = 0; s < OPCUA_SERVERS; s++)
    devices.push(
      `  - { id: ua${s}-srv, protocol: opcua, endpoint: 'opc.tcp://127.0.0.1:${ep.opcuaPorts[s]}', nodeIdTemplate: 'nsu=urn:bench:ua${s};s={asset}.{point}', publishingIntervalMs: 500, samplingIntervalMs: 250, timeoutMs: 10000 }`,
    );
  const broadcast = `[${ep.bacnet.map((a) => `'${a}'`).join(', ')}]`;
  for (let b = 0; b < BACNET_DEVICES; b++)
    devices.push(
      `  - { id: ba${b}-ctl, protocol: bacnet, instance: ${BACNET_INSTANCE + b}, address: '${ep.bacnet[b]}', localAddress: 127.0.0.1, localPort: 0, broadcast: ${broadcast}, covLifetimeS: 600, intervalMs: 10000 }`,
    );
  for (const a of assets) {
    const device =
      a.protocol === 'modbus'
        ? `${a.id}-dev`
        : a.protocol === 'opcua'
          ? `ua${a.device}-srv`
          : `ba${a.device}-ctl`;
    const points = Array.from({ length: POINTS_PER_ASSET }, (_, p) => {
      const kind = a.boolean ? 'type: boolean, kind: command' : 'kind: command, min: 0, max: 1000';
      const where =
        a.protocol === 'modbus'
          ? `, table: holding, register: ${p}, dataType: uint16`
          : a.protocol === 'bacnet'
            ? `, object: ${bacnetObject(a, p)}`
            : '';
      return `{ name: sp${p}, ${kind}${where} }`;
    }).join(', ');
    lines.push(
      `  - { id: ${a.id}, name: ${a.id}, kind: generic, zone: z, device: ${device}, points: [${points}] }`,
    );
  }
  let control = '';
  if (edgeAt !== undefined) {
    const from = localParts(edgeAt);
    const end = localParts(edgeAt + 30 * 60_000);
    const to = end.date === from.date ? end.hhmm : '24:00';
    const schedules = assets.map(
      (a, k) =>
        `    - { id: s${k}, name: Schedule ${k}, targets: { points: [${a.points.join(', ')}] }, weekly: { ${from.day}: [{ from: '${from.hhmm}', to: '${to}', value: ${JSON.stringify(a.value)} }] } }`,
    );
    control = `control:\n  schedules:\n${schedules.join('\n')}\n`;
  }
  return `${offlineSiteHead('automation')}devices:
${devices.join('\n')}
assets:
${lines.join('\n')}
${control}`;
}

interface Pcts {
  n: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
}

function pcts(xs: number[]): Pcts | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)]!;
  return { n: s.length, min: s[0]!, p50: at(0.5), p99: at(0.99), max: s.at(-1)! };
}

export interface AutomationResult {
  via: 'schedules' | 'api' | 'control';
  points: number;
  schedules: number;
  perProtocol: Record<Protocol, number>;
  edge: string;
  edgeLocal: string;
  /** Counted at the devices. */
  expectedWrites: number;
  writtenPoints: number;
  /** Devices holding the commanded value at the end (6 s after the last read-back). */
  holdingAtEnd: number;
  /** Points whose value was read back in the hub within 5 s of the minute, and at all within 30 s. */
  readBackWithin5s: number;
  lost: number;
  /** Points whose device took the commanded value more than once, and the extra writes. */
  duplicatedPoints: number;
  duplicateWrites: number;
  /** Writes after the edge of another value (none expected), and writes before it (start-up). */
  otherWritesAfterEdge: number;
  writesBeforeEdge: number;
  /** Points that held their value already before the edge (a write of it would not show). */
  alreadyHeldBeforeEdge: number;
  failedWrites: number;
  /** The first 20 failed writes, and duplicated points (device write times, the hub's writes of them). */
  failures: string[];
  duplicated: { pointId: string; writes: number; at: number[]; hub: string[] }[];
  /** Read back, but after 30 s (counted as lost); never taken by the device at all (within 60 s). */
  lateReadBacks: number;
  neverWritten: number;
  /** ms from the minute. */
  startedMs: Pcts | null;
  deviceTookMs: Pcts | null;
  writeDoneMs: Pcts | null;
  /** One write in the hub, from the command service's start to its end (the driver's round trips). */
  writeTookMs: Pcts | null;
  readBackMs: Pcts | null;
  byProtocol: Record<
    Protocol,
    { deviceTookMs: Pcts | null; writeDoneMs: Pcts | null; writeTookMs: Pcts | null; readBackMs: Pcts | null }
  >;
  /** Hub CPU, % of one core. */
  cpu: {
    idleHubNoSchedulesPct: number;
    idleWindowS: number;
    beforeEdgePct: number;
    beforeEdgeWindowS: number;
    burstPct: number;
    burstS: number;
    /** CPU seconds the hub spent on the burst, and per write: what it needs whatever the machine's load. */
    burstCpuS: number;
    cpuMsPerWrite: number;
    simulatorsBeforeEdgePct: Record<Protocol, number>;
    simulatorsBurstPct: Record<Protocol, number>;
  };
  hubRssMb: number;
  hubPeakRssMb: number;
  hubHeapUsedMb: number;
  loopDelayAfterEdgeMs: { p50: number; p99: number; max: number };
  uptimeBefore: string;
  uptimeAfter: string;
  /** With BENCH_PROFILE_DIR: where the hub's CPU went from the edge to the end of the burst. */
  profile?: ProfileSummary;
  /** The same over the time before the edge (from when the hub was ready to 2 s before the minute). */
  idleProfile?: ProfileSummary;
  note?: string;
}

/** Parts of the hub whose inclusive time the profile summary gives (a frame of theirs on the stack). */
const COMPONENTS: [string, RegExp][] = [
  ['schedule engine (domains/control/schedule*)', /domains\/control\/schedule/],
  ['priority arrays (domains/control/priority-array*)', /domains\/control\/priority-array/],
  ['control store (SQLite)', /domains\/control\/control-store/],
  ['audit log (SQLite)', /platform\/audit\//],
  ['command service', /core\/devices\/command-service/],
  ['Modbus driver + modbus-serial', /adapters\/modbus\/|modbus-serial/],
  ['OPC UA driver + node-opcua', /adapters\/opcua\/|node-opcua/],
  ['BACnet driver + @bacnet-js', /adapters\/bacnet\/|@bacnet-js/],
  ['readings pipeline', /core\/devices\/pipeline/],
  ['live gateway (socket.io)', /hub\/live\/|socket\.io/],
  ['HTTP API (fastify)', /fastify|hub\/api\//],
  ['the bench (its listeners in the hub)', /bench\//],
];

interface ProfileSummary {
  file: string;
  /** The profile's length, and the time its samples were not idle (on the CPU, or waiting for it). */
  windowMs: number;
  sampledMs: number;
  /** Self time by source: a package under node_modules, a project folder, or Node itself. */
  byArea: { area: string; ms: number; pct: number }[];
  /** Inclusive time: samples with a frame of that source on the stack. */
  inclusive: { component: string; ms: number; pct: number }[];
  /** The functions with the most self time. */
  topFunctions: { fn: string; where: string; ms: number; pct: number }[];
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function summarizeProfile(file: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const root = fileURLToPath(new URL('../', import.meta.url));
  const areaOf = (url: string, fn: string) => {
    if (!url) return fn === '(garbage collector)' ? '(gc)' : fn === '(idle)' ? '(idle)' : '(node/v8)';
    const path = url.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    if (pkg) return pkg[1]!;
    if (path.startsWith(root)) return path.slice(root.length).split('/').slice(0, 2).join('/');
    return path.startsWith('node:') ? 'node' : path;
  };
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!;
    if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
    total += us;
    const area = areaOf(f.url, f.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = `${f.url
      .replace(/^file:\/\//, '')
      .replace(root, '')
      .replace(/.*node_modules\//, '')}:${f.lineNumber + 1}`;
    const key = `${f.functionName} ${where}`;
    const e = fns.get(key) ?? { fn: f.functionName || '(anonymous)', where, us: 0 };
    e.us += us;
    fns.set(key, e);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const pct = (us: number) => Math.round((us / Math.max(1, total)) * 1000) / 10;
  // inclusive: a sample counts for a component when any frame on its stack is from it
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map(COMPONENTS.map(([name]) => [name, 0]));
  for (const [id, us] of self) {
    const f = byId.get(id)!;
    if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.url;
      for (const [name, re] of COMPONENTS) if (re.test(url)) hit.add(name);
    }
    for (const name of hit) inclusive.set(name, inclusive.get(name)! + us);
  }
  return {
    file,
    sampledMs: ms(total),
    windowMs: Math.round((p.endTime - p.startTime) / 1000),
    inclusive: [...inclusive].map(([component, us]) => ({ component, ms: ms(us), pct: pct(us) })),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, us]) => ({ area, ms: ms(us), pct: pct(us) })),
    topFunctions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 15)
      .map((f) => ({ fn: f.fn, where: f.where, ms: ms(f.us), pct: pct(f.us) })),
  };
}

/** Every child this bench started, killed (by its pid) if the bench fails half-way. */
const children = new Set<ChildProcess>();

function start(file: string, args: string[], options: { execArgv: string[] }): ChildProcess {
  const child = fork(here(file), args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** `request`, failing if the child exits first. */
function ask<T>(child: ChildProcess, cmd: string | object, reply: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const exited = (code: number | null) =>
      reject(new Error(`${child.spawnargs.find((a) => a.endsWith('.ts')) ?? 'a child'} exited with ${code}`));
    child.once('exit', exited);
    request<T>(child, cmd, reply).then((v) => {
      child.off('exit', exited);
      resolve(v);
    });
  });
}

/** Progress on stderr: the run takes a few minutes. */
const progress = (what: string) =>
  process.stderr.write(`  [${new Date().toISOString().slice(11, 19)}] ${what}\n`);

const round1 = (x: number) => Math.round(x * 10) / 10;
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function session(url: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  if (!res.ok) throw new Error(`login: HTTP ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** The fallback: every point's command through the API, API_CONCURRENCY at a time. */
async function commandThroughApi(
  url: string,
  assets: PlannedAsset[],
  auth: { cookie: string; csrf: string },
) {
  const jobs = assets.flatMap((a) => a.points.map((id) => ({ id, value: a.value })));
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < jobs.length) {
      const { id, value } = jobs[next++]!;
      const res = await fetch(`${url}/api/v1/points/${id}/command`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: auth.cookie, 'x-csrf-token': auth.csrf },
        body: JSON.stringify({ value, reason: 'bench automation' }),
      });
      if (!res.ok) failures.push(`${id}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      else await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: API_CONCURRENCY }, worker));
  return failures;
}

export type Via = 'schedules' | 'api' | 'control' | 'auto';

export async function runAutomationBench(via: Via = 'auto'): Promise<AutomationResult> {
  try {
    return await run(via);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

async function run(via: Via): Promise<AutomationResult> {
  const uptimeBefore = uptime();
  const assets = planAssets();
  const expected = new Map<string, PointValue>();
  const protocolOf = new Map<string, Protocol>();
  for (const a of assets)
    for (const id of a.points) {
      expected.set(id, a.value);
      protocolOf.set(id, a.protocol);
    }

  // BACnet controllers first: their addresses go into the site file
  const bacnetConfig: SimConfig = {
    protocol: 'bacnet',
    devices: Array.from({ length: BACNET_DEVICES }, (_, b) => ({
      instance: BACNET_INSTANCE + b,
      objects: assets
        .filter((a) => a.protocol === 'bacnet' && a.device === b)
        .flatMap((a) => a.points.map((point, p) => ({ point, object: bacnetObject(a, p) }))),
    })),
  };
  const sims: Record<Protocol, ChildProcess> = {} as never;
  const bacnetFile = join(mkdtempSync(join(tmpdir(), 'bench-automation-')), 'bacnet.json');
  writeFileSync(bacnetFile, JSON.stringify(bacnetConfig));
  sims.bacnet = start('./automation-sim-process.ts', [`@${bacnetFile}`], tsx);
  const { addresses } = await ask<{ addresses: Record<string, string> }>(sims.bacnet, '', 'ready');
  const bacnet = Array.from({ length: BACNET_DEVICES }, (_, b) => addresses[String(BACNET_INSTANCE + b)]!);
  progress('BACnet controllers up; starting the Modbus and OPC UA simulators');
  // free ports, as far as one can know: one taken meanwhile (EADDRINUSE) means new ones and another try
  let ep: Endpoints | undefined;
  let plainSite = '';
  for (let attempt = 1; !ep; attempt++) {
    const tried: Endpoints = {
      modbusPorts: await Promise.all(Array.from({ length: MODBUS_PORTS }, () => freePort())),
      opcuaPorts: await Promise.all(Array.from({ length: OPCUA_SERVERS }, () => freePort())),
      bacnet,
    };
    plainSite = writeSite(automationSite(assets, tried));
    for (const protocol of ['modbus', 'opcua'] as const)
      sims[protocol] = start(
        './automation-sim-process.ts',
        [JSON.stringify({ protocol, site: plainSite })],
        tsx,
      );
    try {
      await Promise.all([ask(sims.modbus, '', 'ready'), ask(sims.opcua, '', 'ready')]);
      ep = tried;
    } catch (err) {
      for (const protocol of ['modbus', 'opcua'] as const) sims[protocol].kill('SIGKILL');
      if (attempt === 3) throw err;
      progress(`a simulator could not start (${String(err)}); again on other ports`);
    }
  }
  const cpuOf = async (child: ChildProcess) =>
    ask<{ seconds: number; at: number }>(child, { cmd: 'cpu' }, 'cpu');

  // 1. the idle hub with the same points and no schedules
  progress(`simulators up; the hub without schedules, idle for ${BASELINE_MS / 1000} s`);
  let hub = start('./automation-hub-process.ts', [`@${plainSite}`], hubTsx);
  await ask(hub, '', 'ready');
  await new Promise((r) => setTimeout(r, 3_000));
  const idle0 = await cpuOf(hub);
  await new Promise((r) => setTimeout(r, BASELINE_MS));
  const idle1 = await cpuOf(hub);
  hub.send({ cmd: 'stop' });
  await new Promise((r) => hub.once('exit', r));

  // 2. the hub with 500 schedules, all starting their period at the same minute
  const edge = Math.ceil((Date.now() + LEAD_MS) / 60_000) * 60_000;
  const scheduledText = automationSite(assets, ep, edge);
  let mode: 'schedules' | 'api' | 'control' = via === 'auto' ? 'schedules' : via;
  let note: string | undefined;
  if (mode === 'schedules') {
    try {
      parseSiteText(scheduledText, 'bench-automation.yaml');
    } catch (err) {
      if (via === 'schedules') throw err;
      mode = 'api';
      note = `this hub's site file takes no control.schedules (${String(err).split('\n')[0]}): the writes went through the API, not the schedule engine`;
    }
  }
  progress(
    `the hub ${mode === 'schedules' ? 'with 500 schedules' : '(writes through the API)'}; the edge at ${new Date(edge).toISOString().slice(11, 19)}`,
  );
  const hubSite = mode === 'schedules' ? writeSite(scheduledText) : plainSite;
  hub = start('./automation-hub-process.ts', [`@${hubSite}`], hubTsx);
  const ready = await ask<{
    url: string;
    withoutReading: number;
    links: { linkId: string; state: string }[];
  }>(hub, '', 'ready');
  const url = ready.url.replace(/\/$/, '');
  if (Date.now() > edge - 5_000)
    throw new Error(`the hub took until ${new Date().toISOString()} to start: too close to the edge`);
  const before = await ask<{ values: Record<string, PointValue | null> }>(
    sims.modbus,
    { cmd: 'values' },
    'values',
  );
  const beforeAll = { ...before.values };
  for (const p of ['opcua', 'bacnet'] as const)
    Object.assign(
      beforeAll,
      (await ask<{ values: Record<string, PointValue | null> }>(sims[p], { cmd: 'values' }, 'values')).values,
    );
  const alreadyHeld = [...expected].filter(([id, v]) => beforeAll[id] === v).length;
  progress(
    `hub ready (${ready.withoutReading} OPC UA/BACnet command points without a reading yet); idle until the edge`,
  );
  const auth = mode === 'api' ? await session(url) : undefined;
  await ask(hub, { cmd: 'watch', values: Object.fromEntries(expected), since: edge }, 'watching');
  if (mode === 'control')
    await ask(
      hub,
      {
        cmd: 'command-at',
        at: edge,
        commands: assets.flatMap((a, k) =>
          a.points.map((pointId) => ({ pointId, value: a.value, source: `schedule:s${k}` })),
        ),
      },
      'command-armed',
    );
  if (process.env.BENCH_PROFILE_DIR) await ask(hub, { cmd: 'profile-start' }, 'profiling');
  const pre0 = await cpuOf(hub);
  const simPre0 = await Promise.all(PROTOCOLS.map((p) => cpuOf(sims[p])));
  await sleepUntil(edge - 2_000);
  // the idle profile ends, the burst's starts, away from the edge (writing a profile takes a moment)
  const { file: idleProfile } = await ask<{ file?: string }>(
    hub,
    { cmd: 'profile-stop', name: 'idle', restart: true },
    'profile',
  );
  await sleepUntil(edge - 300);
  const pre1 = await cpuOf(hub);
  const simPre1 = await Promise.all(PROTOCOLS.map((p) => cpuOf(sims[p])));

  // 3. the edge
  await sleepUntil(edge);
  hub.send({ cmd: 'mark' });
  let apiFailures: string[] = [];
  if (mode === 'api') apiFailures = await commandThroughApi(url, assets, auth!);
  const stats = async () => (await ask<{ stats: AutomationHubStats }>(hub, { cmd: 'stats' }, 'stats')).stats;
  let burstEnd = 0;
  while (Date.now() < edge + GIVE_UP_MS) {
    const p = await ask<{ readBack: number; modbusDone: number }>(
      hub,
      { cmd: 'progress', since: edge },
      'progress',
    );
    if (p.readBack + p.modbusDone >= expected.size) {
      burstEnd = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const burst = await cpuOf(hub);
  const simBurst = await Promise.all(PROTOCOLS.map((p) => cpuOf(sims[p])));
  const { file: profileFile } = await ask<{ file?: string }>(
    hub,
    { cmd: 'profile-stop', name: 'burst' },
    'profile',
  );
  progress(burstEnd ? `burst over after ${((burstEnd - edge) / 1000).toFixed(1)} s` : 'gave up waiting');
  burstEnd ||= Date.now();
  // a little longer: a duplicate write would come now
  await new Promise((r) => setTimeout(r, AFTER_MS));
  const s = await stats();
  const finalValues: Record<string, PointValue | null> = {};
  for (const p of PROTOCOLS)
    Object.assign(
      finalValues,
      (await ask<{ values: Record<string, PointValue | null> }>(sims[p], { cmd: 'values' }, 'values')).values,
    );
  const holdingAtEnd = [...expected].filter(([id, v]) => finalValues[id] === v).length;
  const simWrites: SimWrite[] = [];
  for (const p of PROTOCOLS)
    simWrites.push(...(await ask<{ writes: SimWrite[] }>(sims[p], { cmd: 'writes' }, 'writes')).writes);
  hub.send({ cmd: 'stop' });
  for (const p of PROTOCOLS) sims[p].send({ cmd: 'stop' });
  await Promise.all([hub, ...Object.values(sims)].map((c) => new Promise((r) => c.once('exit', r))));

  // 4. per point, from the minute
  const deviceTook = new Map<string, number>();
  let duplicatedPoints = 0;
  let duplicateWrites = 0;
  let otherAfter = 0;
  let beforeEdge = 0;
  const count = new Map<string, number>();
  for (const [pointId, value, ts] of simWrites) {
    if (!expected.has(pointId)) continue;
    if (ts < edge) {
      beforeEdge++;
      continue;
    }
    if (value !== expected.get(pointId)) {
      otherAfter++;
      continue;
    }
    count.set(pointId, (count.get(pointId) ?? 0) + 1);
    if (!deviceTook.has(pointId)) deviceTook.set(pointId, ts - edge);
  }
  const duplicated: AutomationResult['duplicated'] = [];
  for (const [pointId, n] of count)
    if (n > 1) {
      duplicatedPoints++;
      duplicateWrites += n - 1;
      duplicated.push({
        pointId,
        writes: n,
        at: simWrites.filter((w) => w[0] === pointId && w[2] >= edge).map((w) => w[2] - edge),
        hub: s.writes
          .filter((w) => w.pointId === pointId && w.doneAt >= edge)
          .map(
            (w) =>
              `${w.ok ? 'ok' : `failed: ${w.error}`} ${w.startedAt - edge}→${w.doneAt - edge} ms (${w.actor})`,
          ),
      });
    }
  const firstDone = new Map<string, HubWrite>();
  let failedWrites = 0;
  const failures: string[] = [];
  for (const w of s.writes) {
    if (w.doneAt < edge || !expected.has(w.pointId)) continue;
    if (!w.ok) {
      failedWrites++;
      failures.push(`${w.pointId}: ${w.error} (${w.startedAt - edge}→${w.doneAt - edge} ms)`);
    } else if (w.value === expected.get(w.pointId) && !firstDone.has(w.pointId)) firstDone.set(w.pointId, w);
  }
  // read back: a reading that showed the value (OPC UA passes on the driver's read after the write, BACnet
  // the COV notification); a Modbus command register is not polled: its driver reads it back inside the write
  // and resolves only once the device holds the value, so the write's end is its read-back
  const readBack = new Map(Object.entries(s.readBack).map(([id, at]) => [id, at - edge]));
  for (const [id, w] of firstDone)
    if (protocolOf.get(id) === 'modbus' && !readBack.has(id)) readBack.set(id, w.doneAt - edge);
  const ids = [...expected.keys()];
  const of = (m: Map<string, number>, p?: Protocol) =>
    pcts(ids.filter((id) => (!p || protocolOf.get(id) === p) && m.has(id)).map((id) => m.get(id)!));
  const started = new Map([...firstDone].map(([id, w]) => [id, w.startedAt - edge]));
  const done = new Map([...firstDone].map(([id, w]) => [id, w.doneAt - edge]));
  const took = new Map([...firstDone].map(([id, w]) => [id, w.doneAt - w.startedAt]));
  const pct = (a: { seconds: number; at: number }, b: { seconds: number; at: number }) =>
    Math.round(((b.seconds - a.seconds) / ((b.at - a.at) / 1000)) * 1000) / 10;
  if (apiFailures.length)
    note = `${note ?? ''} ${apiFailures.length} API calls failed, e.g. ${apiFailures[0]}`.trim();
  return {
    via: mode,
    points: expected.size,
    schedules: mode === 'schedules' ? assets.length : 0,
    perProtocol: Object.fromEntries(
      PROTOCOLS.map((p) => [p, ids.filter((id) => protocolOf.get(id) === p).length]),
    ) as Record<Protocol, number>,
    edge: new Date(edge).toISOString(),
    edgeLocal: `${localParts(edge).date} ${localParts(edge).hhmm} ${TIME_ZONE}`,
    expectedWrites: expected.size,
    writtenPoints: deviceTook.size,
    holdingAtEnd,
    readBackWithin5s: [...readBack.values()].filter((ms) => ms <= TARGET_MS).length,
    lost: ids.filter((id) => !((readBack.get(id) ?? Number.POSITIVE_INFINITY) <= LOST_AFTER_MS)).length,
    duplicatedPoints,
    duplicateWrites,
    otherWritesAfterEdge: otherAfter,
    writesBeforeEdge: beforeEdge,
    alreadyHeldBeforeEdge: alreadyHeld,
    failedWrites,
    failures: failures.slice(0, 20),
    duplicated: duplicated.slice(0, 20),
    lateReadBacks: [...readBack.values()].filter((ms) => ms > LOST_AFTER_MS).length,
    neverWritten: ids.filter((id) => !deviceTook.has(id)).length,
    startedMs: of(started),
    deviceTookMs: of(deviceTook),
    writeDoneMs: of(done),
    writeTookMs: of(took),
    readBackMs: of(readBack),
    byProtocol: Object.fromEntries(
      PROTOCOLS.map((p) => [
        p,
        {
          deviceTookMs: of(deviceTook, p),
          writeDoneMs: of(done, p),
          writeTookMs: of(took, p),
          readBackMs: of(readBack, p),
        },
      ]),
    ) as AutomationResult['byProtocol'],
    cpu: {
      idleHubNoSchedulesPct: pct(idle0, idle1),
      idleWindowS: round1((idle1.at - idle0.at) / 1000),
      beforeEdgePct: pct(pre0, pre1),
      beforeEdgeWindowS: round1((pre1.at - pre0.at) / 1000),
      burstPct: Math.round(((burst.seconds - pre1.seconds) / ((burstEnd - pre1.at) / 1000)) * 1000) / 10,
      burstS: round1((burstEnd - edge) / 1000),
      burstCpuS: round1(burst.seconds - pre1.seconds),
      cpuMsPerWrite: round1(((burst.seconds - pre1.seconds) * 1000) / expected.size),
      simulatorsBeforeEdgePct: Object.fromEntries(
        PROTOCOLS.map((p, i) => [p, pct(simPre0[i]!, simPre1[i]!)]),
      ) as Record<Protocol, number>,
      simulatorsBurstPct: Object.fromEntries(
        PROTOCOLS.map((p, i) => [p, pct(simPre1[i]!, simBurst[i]!)]),
      ) as Record<Protocol, number>,
    },
    hubRssMb: Math.round(s.rssBytes / 2 ** 20),
    hubPeakRssMb: Math.round(s.peakRssBytes / 2 ** 20),
    hubHeapUsedMb: Math.round(s.heapUsedBytes / 2 ** 20),
    loopDelayAfterEdgeMs: s.loopDelay,
    uptimeBefore,
    uptimeAfter: uptime(),
    profile: profileFile ? summarizeProfile(profileFile) : undefined,
    idleProfile: idleProfile ? summarizeProfile(idleProfile) : undefined,
    note,
  };
}

export function printAutomation(r: AutomationResult): void {
  const how =
    r.via === 'schedules'
      ? `${r.schedules} schedules (4 points each) starting at ${r.edgeLocal}: level 14 through the schedule engine`
      : r.via === 'control'
        ? `one PriorityArrays.commandMany of every point at level 14 at ${r.edgeLocal} (in the hub, as a schedule engine commands an edge), NOT the schedule engine`
        : `through the API (POST /api/v1/points/:asset/:point/command, ${API_CONCURRENCY} at a time, fired at ${r.edgeLocal}), NOT the schedule engine`;
  console.log(
    `\nautomation: ${r.points} command points (Modbus ${r.perProtocol.modbus}, OPC UA ${r.perProtocol.opcua}, BACnet ${r.perProtocol.bacnet}); ${how}`,
  );
  console.log(`  machine before: ${r.uptimeBefore}`);
  const ok =
    r.readBackWithin5s === r.points &&
    r.lost === 0 &&
    r.duplicatedPoints === 0 &&
    r.holdingAtEnd === r.points;
  console.log(
    `  written ${r.writtenPoints}/${r.expectedWrites} (at the devices; ${r.holdingAtEnd} hold it at the end), read back within 5 s ${r.readBackWithin5s}/${r.points}, lost ${r.lost}, duplicated ${r.duplicatedPoints} (${r.duplicateWrites} extra writes), failed ${r.failedWrites}, other writes after the edge ${r.otherWritesAfterEdge}, writes before it ${r.writesBeforeEdge}${r.alreadyHeldBeforeEdge ? `, ${r.alreadyHeldBeforeEdge} held the value already` : ''}  → ${ok ? 'target met' : 'TARGET MISSED'}`,
  );
  if (r.lost)
    console.log(
      `  of the ${r.lost} lost: ${r.lateReadBacks} read back later than 30 s, ${r.neverWritten} never written`,
    );
  for (const f of r.failures.slice(0, 3)) console.log(`  failed: ${f}`);
  for (const d of r.duplicated.slice(0, 3))
    console.log(
      `  duplicated: ${d.pointId} taken ${d.writes}× at ${d.at.join(', ')} ms; the hub: ${d.hub.join('; ')}`,
    );
  console.log('  ms from the minute          n     min     p50     p99     max');
  const row = (name: string, p: Pcts | null) =>
    console.log(
      `  ${name.padEnd(24)}${String(p?.n ?? 0).padStart(5)}${String(p?.min ?? '-').padStart(8)}${String(p?.p50 ?? '-').padStart(8)}${String(p?.p99 ?? '-').padStart(8)}${String(p?.max ?? '-').padStart(8)}`,
    );
  row('write started (hub)', r.startedMs);
  row('device took it', r.deviceTookMs);
  row('write done (hub)', r.writeDoneMs);
  row('read back (hub)', r.readBackMs);
  row('one write (start→done)', r.writeTookMs);
  for (const p of PROTOCOLS) {
    row(`  ${p}: device took it`, r.byProtocol[p].deviceTookMs);
    row(`  ${p}: write done`, r.byProtocol[p].writeDoneMs);
    row(`  ${p}: read back`, r.byProtocol[p].readBackMs);
    row(`  ${p}: one write`, r.byProtocol[p].writeTookMs);
  }
  console.log(
    `  hub CPU: ${r.cpu.idleHubNoSchedulesPct} % idle without schedules (${r.cpu.idleWindowS} s), ${r.cpu.beforeEdgePct} % with ${r.schedules} schedules before the edge (${r.cpu.beforeEdgeWindowS} s), ${r.cpu.burstPct} % over the burst (${r.cpu.burstS} s): ${r.cpu.burstCpuS} CPU-s, ${r.cpu.cpuMsPerWrite} ms per write`,
  );
  const sim = (c: Record<Protocol, number>) =>
    `Modbus ${c.modbus} %, OPC UA ${c.opcua} %, BACnet ${c.bacnet} %`;
  console.log(
    `  simulators' CPU before the edge: ${sim(r.cpu.simulatorsBeforeEdgePct)}; over the burst: ${sim(r.cpu.simulatorsBurstPct)}`,
  );
  console.log(
    `  hub RSS ${r.hubRssMb} MB (peak ${r.hubPeakRssMb} MB, heap used ${r.hubHeapUsedMb} MB); event-loop delay from the edge p50/p99/max ${r.loopDelayAfterEdgeMs.p50}/${r.loopDelayAfterEdgeMs.p99}/${r.loopDelayAfterEdgeMs.max} ms`,
  );
  console.log(`  machine after: ${r.uptimeAfter}`);
  for (const [what, prof] of [
    ['the burst', r.profile],
    ['before the edge (the schedule engine idle)', r.idleProfile],
  ] as const) {
    if (!prof) continue;
    console.log(
      `  hub CPU profile of ${what}: ${prof.windowMs} ms long, ${prof.sampledMs} ms not idle (${prof.file})`,
    );
    console.log('    inclusive (a frame of it on the stack):');
    for (const c of prof.inclusive)
      console.log(
        `      ${c.component.padEnd(52)}${String(c.ms).padStart(9)} ms ${String(c.pct).padStart(5)} %`,
      );
    console.log('    self time by source:');
    for (const a of prof.byArea.slice(0, 8))
      console.log(`      ${a.area.padEnd(52)}${String(a.ms).padStart(9)} ms ${String(a.pct).padStart(5)} %`);
    console.log('    the functions with the most self time:');
    for (const f of prof.topFunctions.slice(0, 10))
      console.log(
        `      ${`${f.fn} (${f.where})`.slice(0, 90).padEnd(92)}${String(f.ms).padStart(8)} ms ${String(f.pct).padStart(5)} %`,
      );
  }
  if (r.note) console.log(`  note: ${r.note}`);
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/automation.json'),
    `${JSON.stringify({ scenario: 'automation', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAvg: loadavg() }, ...r }, null, 2)}\n`,
  );
}
