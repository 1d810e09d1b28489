import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `hub-process.ts <site> live`: an admin the bench logs in as (to make an API token for its live clients). */
export const BENCH_ADMIN = { username: 'bench', password: 'live-load-secret-0123456789' };

/** The standard ingest workload's devices: 100 MQTT devices, each one asset of `fields` numeric points. */
export const DEVICES = 100;

export function benchSite(fields: number, mqtt: string, storage = '{ mode: off }'): string {
  const points = Array.from({ length: fields }, (_, f) => `{ name: p${f}, intervalMs: 600000 }`).join(', ');
  const assets = Array.from(
    { length: DEVICES },
    (_, i) => `  - { id: a${i}, name: A${i}, kind: generic, zone: z, device: d${i}, points: [${points}] }`,
  ).join('\n');
  const devices = Array.from(
    { length: DEVICES },
    (_, i) => `  - { id: d${i}, protocol: mqtt, clientId: bench-dev-${i} }`,
  ).join('\n');
  return `site: { id: bench, name: Bench }
hub: { http: { host: 127.0.0.1, port: 0 }, logLevel: silent, dataDir: '${mkdtempSync(join(tmpdir(), 'bench-hub-'))}' }
mqtt: ${mqtt}
storage: ${storage}
zones: [{ id: z, name: Z }]
devices:
${devices}
assets:
${assets}
`;
}

/** The head of a bench site file with no broker and no storage: site, hub (a fresh data dir), one zone. */
export function offlineSiteHead(
  name: string,
  dataDir = mkdtempSync(join(tmpdir(), `bench-${name}-`)),
): string {
  return `site: { id: bench, name: Bench, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, logLevel: silent, dataDir: '${dataDir}' }
mqtt: { mode: off }
storage: { mode: off }
zones: [{ id: z, name: Z }]
`;
}

/** Send `{ cmd }` to a child process (unless cmd is empty) and wait for its message `{ cmd: reply }`. */
export function request<T>(child: ChildProcess, cmd: string | object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string } & Record<string, unknown>) => {
      if (m.cmd !== reply) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    if (typeof cmd === 'object') child.send(cmd);
    else if (cmd) child.send({ cmd });
  });
}

/** A site file in a temp dir, for sites too large for a command line; pass it to hub-process as `@file`. */
export function writeSite(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-site-')), 'site.yaml');
  writeFileSync(file, yaml);
  return file;
}
