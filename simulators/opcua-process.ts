#!/usr/bin/env node
/**
 * The OPC UA simulators of a site on their own, for tests and the benchmark (which kill, stop and restart
 * it): `tsx simulators/opcua-process.ts <site.yaml> --control-port 0 --port-offset N --pki DIR
 * --users '{"hub":"pw"}' --tick-ms 1000`. When every server listens it prints one JSON line:
 * {"ready":true,"controlUrl":"http://127.0.0.1:P","servers":{"<device>":{"endpointUrl":…,"certificateFile":…}}}
 * Keep --pki the same across restarts: the servers keep their certificates there.
 */
import './log-to-stderr.js';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadSiteFile } from '../hub/site-file.js';
import { buildControlApi } from './control-api.js';
import { OpcuaSimulation } from './opcua-servers.js';

const Args = z.object({
  site: z.string().min(1),
  controlPort: z.coerce.number().int().min(0).max(65_535),
  portOffset: z.coerce.number().int(),
  pki: z.string().min(1).optional(),
  users: z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(z.record(z.string(), z.string()))
    .optional(),
  tickMs: z.coerce.number().int().min(10),
  host: z.string(),
});

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'control-port': { type: 'string', default: '0' },
      'port-offset': { type: 'string', default: '0' },
      pki: { type: 'string' },
      users: { type: 'string' },
      'tick-ms': { type: 'string', default: '1000' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const args = Args.parse({
    site: positionals[0] ?? 'config/demo-site.yaml',
    controlPort: values['control-port'],
    portOffset: values['port-offset'],
    pki: values.pki,
    users: values.users,
    tickMs: values['tick-ms'],
    host: values.host,
  });
  const site = await loadSiteFile(args.site, { HUB_LOG_LEVEL: 'silent' });
  const sim = new OpcuaSimulation(site, {
    host: args.host,
    portOf: (port) => port + args.portOffset,
    pkiDir: args.pki,
    users: args.users,
    tickMs: args.tickMs,
  });
  const api = buildControlApi(new Map(), undefined, sim);
  // handlers first: a test may signal as soon as it reads the ready line
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([api.close(), sim.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await sim.start();
  const controlUrl = await api.listen({ host: '127.0.0.1', port: args.controlPort });
  const servers = Object.fromEntries(
    [...sim.servers].map(([id, s]) => [
      id,
      { endpointUrl: s.endpointUrl, certificateFile: s.certificateFile },
    ]),
  );
  process.stdout.write(`${JSON.stringify({ ready: true, controlUrl, servers })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`opcua-process: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
