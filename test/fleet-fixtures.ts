import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDataDir } from './hub-harness.js';
import { freePort } from './services.js';

/**
 * The fleet's pieces for tests: site files for a site hub with `upstream:` and for a central hub, site hubs
 * in a process of their own (to kill), a TCP link that can be cut, and the load source.
 */

const ROOT = join(import.meta.dirname, '..');

export interface FleetSiteOptions {
  id: string;
  name?: string;
  /** The embedded broker the load source publishes to. */
  mqttPort: number;
  /** The upstream broker (or the cuttable link in front of it). */
  upstreamUrl: string;
  groupId: string;
  assets: number;
  points: number;
  keepAliveS?: number;
  /** More of the `upstream:` block, as YAML flow entries (`replayMetricsPerS: 50000`). */
  upstreamExtra?: string[];
  dataDir?: string;
  httpPort?: number;
  logLevel?: string;
}

/**
 * A site hub as an edge node: one MQTT device (`load`, anonymous embedded broker) feeding `assets` assets
 * (`a0` …, kind generic, zone z1) of `points` numeric points (`p0` …) each, no storage of its own.
 */
export function fleetSiteYaml(o: FleetSiteOptions): string {
  const points = Array.from({ length: o.points }, (_, p) => `{ name: p${p}, unit: kW, intervalMs: 600000 }`);
  const assets = Array.from(
    { length: o.assets },
    (_, a) =>
      `  - { id: a${a}, name: Asset ${a}, kind: generic, zone: z1, device: load, points: [${points.join(', ')}] }`,
  );
  const upstream = [
    `url: '${o.upstreamUrl}'`,
    `groupId: ${o.groupId}`,
    `keepAliveS: ${o.keepAliveS ?? 5}`,
    ...(o.upstreamExtra ?? []),
  ];
  return `site: { id: ${o.id}, name: '${o.name ?? o.id}', timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: ${o.httpPort ?? 0} }, logLevel: ${o.logLevel ?? 'warn'}, dataDir: '${o.dataDir ?? tempDataDir()}' }
mqtt: { mode: embedded, host: 127.0.0.1, port: ${o.mqttPort}, anonymous: true, maxPayloadBytes: 1048576 }
storage: { mode: off }
zones: [{ id: z1, name: Zone 1, kind: building }]
devices:
  - { id: load, protocol: mqtt }
assets:
${assets.join('\n')}
upstream: { ${upstream.join(', ')} }
`;
}

export interface CentralOptions {
  brokerUrl: string;
  groups: string[];
  influxUrl: string;
  database: string;
  silentAfterS?: number;
  rebirthHoldoffMs?: number;
  /** The central's own keep-alive (30 s: a central busy with a replay must not be taken for dead). */
  keepAliveS?: number;
  dataDir?: string;
  centralExtra?: string[];
}

/** A central hub (`hub.mode: central`) writing the fleet's history to InfluxDB. */
export function centralSiteYaml(o: CentralOptions): string {
  const central = [
    `url: '${o.brokerUrl}'`,
    `groups: [${o.groups.join(', ')}]`,
    `silentAfterS: ${o.silentAfterS ?? 30}`,
    `rebirthHoldoffMs: ${o.rebirthHoldoffMs ?? 1000}`,
    `keepAliveS: ${o.keepAliveS ?? 30}`,
    ...(o.centralExtra ?? []),
  ];
  return `site: { id: central, name: Fleet central, timezone: Asia/Shanghai }
hub: { mode: central, http: { host: 127.0.0.1, port: 0 }, logLevel: silent, dataDir: '${o.dataDir ?? tempDataDir()}' }
mqtt: { mode: off }
storage: { mode: influxdb, influxdb: { url: '${o.influxUrl}', database: ${o.database} }, outbox: { flushMs: 200 } }
zones: [{ id: hq, name: Head office }]
central: { ${central.join(', ')} }
`;
}

export function writeSiteFile(yaml: string, name = 'site.yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'hub-fleet-site-')), name);
  writeFileSync(file, yaml);
  return file;
}

export interface HubProcess {
  readonly pid: number | undefined;
  /** What it wrote to stderr (the last 8 KB), for failure messages. */
  output(): string;
  /** SIGKILL, as a crash or a pulled plug would. */
  kill(): Promise<void>;
  /** SIGTERM: the orderly stop (NDEATH published before disconnecting). */
  stop(): Promise<void>;
  /** Each edge node's upstream health, as the process prints it. */
  upstreamHealth(): Promise<string>;
}

/**
 * Site hubs in a child process (test/peers/fleet-sites.ts: each site file built and started as hub/main.ts
 * does); resolves once all serve. Several sites share a process to spare the start-up (loading the hub's code
 * costs ~3 s of CPU per process); a site to kill gets a process of its own.
 */
export function startHubProcess(siteFiles: string[]): Promise<HubProcess> {
  const script = join(import.meta.dirname, 'peers', 'fleet-sites.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...siteFiles], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  background(proc);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d).slice(-8000);
  };
  proc.stderr?.on('data', keep);
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (exited()) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  const handle: HubProcess = {
    get pid() {
      return proc.pid;
    },
    output: () => out,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    async upstreamHealth() {
      if (exited()) return '(exited)';
      const from = out.length;
      proc.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 500));
      return out
        .slice(from)
        .split('\n')
        .filter((l) => l.startsWith('upstream '))
        .join('\n');
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`site hubs ${siteFiles} did not start in 60 s: ${out}`));
    }, 60_000);
    proc.stdout?.on('data', (d: Buffer) => {
      keep(d);
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        resolve(handle);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`site hubs ${siteFiles} exited (${code ?? signal}): ${out}`));
    });
  });
}

/**
 * A TCP link in front of a broker that can be cut as a network fails: `cut()` freezes every open connection
 * (no byte passes either way, nothing is closed: each side finds out through its keep-alive) and holds new
 * ones silent; `restore()` drops what it held (as the far side's reset would show) and forwards again.
 */
export interface CuttableLink {
  port: number;
  url: string;
  readonly cut: boolean;
  /** Connections made through it (accepted while not cut). */
  readonly connections: number;
  cutLink(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startCuttableLink(targetPort: number): Promise<CuttableLink> {
  const port = await freePort();
  let cut = false;
  let connections = 0;
  const open = new Set<Socket>();
  const held = new Set<Socket>();
  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    if (cut) {
      held.add(client);
      client.pause();
      client.once('close', () => held.delete(client));
      return;
    }
    connections++;
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    open.add(client);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.once('close', () => !cut && close());
    upstream.once('close', () => !cut && close());
    upstream.connect(targetPort, '127.0.0.1', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get cut() {
      return cut;
    },
    get connections() {
      return connections;
    },
    cutLink() {
      cut = true;
      for (const s of open) {
        s.unpipe();
        s.pause();
      }
    },
    restore() {
      for (const s of [...open, ...held]) s.destroy();
      open.clear();
      held.clear();
      cut = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of [...open, ...held]) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface FleetLoad {
  /** Start ticking: tick k has ts = t0 + k·periodMs. */
  start(t0: number): void;
  /** Stop, and the ticks each site got (values 0 … n−1 in every series). */
  stop(): Promise<Record<string, number>>;
  kill(): Promise<void>;
}

export async function startFleetLoad(cfg: {
  sites: { id: string; url: string }[];
  assets: number;
  points: number;
  periodMs: number;
}): Promise<FleetLoad> {
  const child: ChildProcess = fork(
    join(import.meta.dirname, 'peers', 'fleet-load.ts'),
    [JSON.stringify(cfg)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  background(child);
  let err = '';
  child.stderr?.on('data', (d) => {
    err = (err + d).slice(-4000);
  });
  const reply = <T>(cmd: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: { cmd: string } & T) => {
        if (m.cmd !== cmd) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
      child.once('exit', (code) => reject(new Error(`the load source exited (${code}): ${err}`)));
    });
  await reply('ready');
  return {
    start: (t0) => child.send({ cmd: 'start', t0 }),
    async stop() {
      const answer = reply<{ ticks: Record<string, number> }>('stopped');
      child.send({ cmd: 'stop' });
      return (await answer).ticks;
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/**
 * The site hubs and their load stand for other machines: on the test machine's 2 cores they run at a lower
 * priority (nice 10), so the 30,000 readings/s they make do not starve the test file running beside this one
 * (browser tests timed out in CI while they ran at full priority); the central, the hub under test, keeps its own.
 */
function background(proc: ChildProcess): void {
  if (proc.pid !== undefined) setPriority(proc.pid, 10);
}
