import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDataDir } from './hub-harness.js';

export interface OpcuaSimProcess {
  controlUrl: string;
  servers: Record<string, { endpointUrl: string; certificateFile: string }>;
  readonly pid: number | undefined;
  /** SIGKILL, as a crash or power loss. */
  kill(): Promise<void>;
  /** Start again on the same ports with the same certificates; resolves when it listens. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that hangs with its sockets open. */
  pause(): void;
  resume(): void;
  /** POST a fault to the control API. */
  control(path: string): Promise<unknown>;
}

/** The OPC UA simulators of a site file in their own process (simulators/opcua-process.ts). */
export async function startOpcuaSimProcess(
  siteFile: string,
  opts: { pkiDir?: string; users?: Record<string, string>; tickMs?: number } = {},
): Promise<OpcuaSimProcess> {
  const pki = opts.pkiDir ?? join(tempDataDir(), 'sim-pki');
  const args = [
    '--import',
    'tsx',
    join(import.meta.dirname, '..', 'simulators', 'opcua-process.ts'),
    siteFile,
    '--pki',
    pki,
    '--tick-ms',
    String(opts.tickMs ?? 200),
    ...(opts.users ? ['--users', JSON.stringify(opts.users)] : []),
  ];
  let proc: ChildProcess | undefined;
  const launch = () =>
    new Promise<{ controlUrl: string; servers: OpcuaSimProcess['servers'] }>((resolve, reject) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      proc = p;
      let out = '';
      let err = '';
      // node-opcua's import and the servers' first certificates take a few seconds on an idle machine and
      // several times that on a busy one (2 shared cores): 45 s before it counts as not starting
      const timer = setTimeout(
        () => reject(new Error(`OPC UA simulator did not start in 45 s: ${err}`)),
        45_000,
      );
      p.stdout!.on('data', (d: Buffer) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
        if (!line) return;
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
      p.stderr!.on('data', (d: Buffer) => {
        err = (err + d).slice(-4000);
      });
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`OPC UA simulator exited (${code}): ${err}`));
      });
    });
  const ready = await launch();
  const sim: OpcuaSimProcess = {
    ...ready,
    get pid() {
      return proc?.pid;
    },
    async kill() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((r) => {
        p.once('exit', () => r());
        p.kill('SIGKILL');
      });
    },
    async restart() {
      Object.assign(sim, await launch());
    },
    pause: () => proc?.kill('SIGSTOP'),
    resume: () => proc?.kill('SIGCONT'),
    async control(path: string) {
      const res = await fetch(`${sim.controlUrl}${path}`, { method: 'POST' });
      const body = await res.json();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
  };
  return sim;
}

/**
 * A site with one OPC UA server (a chiller, an AHU and a pump behind it), written to a file the simulator
 * process and the hub both read. `device` overrides the device's fields (security, login).
 */
export function opcuaSiteFile(
  port: number,
  device: Record<string, unknown> = {},
  dataDir = tempDataDir(),
  edit?: (site: { assets: { points: Record<string, unknown>[] }[] } & Record<string, unknown>) => void,
) {
  const site = {
    site: { id: 'o1', name: 'OPC UA site', timezone: 'Asia/Shanghai' },
    hub: { http: { host: '127.0.0.1', port: 0 }, dataDir, logLevel: 'silent' },
    mqtt: { mode: 'off' },
    storage: { mode: 'off' },
    zones: [{ id: 'plant', name: 'Plant room', kind: 'plant-room' }],
    devices: [
      {
        id: 'bms',
        protocol: 'opcua',
        endpoint: `opc.tcp://127.0.0.1:${port}`,
        nodeIdTemplate: 'nsu=urn:facility-hub:sim:test;s={asset}.{point}',
        intervalMs: 1000,
        publishingIntervalMs: 200,
        samplingIntervalMs: 100,
        timeoutMs: 2000,
        ...device,
      },
    ],
    assets: [
      {
        id: 'chiller-1',
        name: 'Chiller 1',
        kind: 'chiller',
        zone: 'plant',
        device: 'bms',
        points: [
          { name: 'running', type: 'boolean', kind: 'state' },
          { name: 'chw_supply_temp_c', unit: 'degC', min: 0, max: 30 },
          { name: 'chw_return_temp_c', unit: 'degC', min: 0, max: 30 },
          { name: 'power_kw', unit: 'kW', min: 0 },
          { name: 'fault_code', kind: 'state' },
          { name: 'run_hours_h', unit: 'h', kind: 'counter' },
          { name: 'chw_setpoint_c', unit: 'degC', kind: 'command', min: 5, max: 15 },
        ],
      },
      {
        id: 'ahu-1',
        name: 'AHU 1',
        kind: 'ahu',
        zone: 'plant',
        device: 'bms',
        points: [
          { name: 'supply_air_temp_c', unit: 'degC' },
          { name: 'supply_air_setpoint_c', unit: 'degC', kind: 'command', min: 10, max: 30 },
          { name: 'filter_dp_pa', unit: 'Pa', mode: 'read' },
        ],
      },
    ],
  };
  edit?.(site);
  const file = join(dataDir, 'site.yaml');
  writeFileSync(file, stringify(site));
  return { file, dataDir };
}
