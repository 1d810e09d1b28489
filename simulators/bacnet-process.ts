#!/usr/bin/env node
/**
 * The BACnet simulators on their own: an air handler (device 1001) and a lighting controller (device 2001),
 * each on its own UDP port, and a BBMD for them. `tsx simulators/bacnet-process.ts --host 127.0.0.1
 * --ahu-port 47808 --lighting-port 47809 --bbmd-port 47810 --tick-ms 1000` (port 0: a free one). When all are
 * bound it prints one JSON line: {"ready":true,"devices":{"1001":"127.0.0.1:47808",…},"bbmd":"127.0.0.1:47810"}
 */
import './log-to-stderr.js';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startBacnetSite } from './bacnet-site.js';

const port = z.coerce.number().int().min(0).max(65_535);
const Args = z.object({
  host: z.string().min(1),
  ahuPort: port,
  lightingPort: port,
  bbmdPort: port,
  tickMs: z.coerce.number().int().min(0),
});

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'ahu-port': { type: 'string', default: '47808' },
      'lighting-port': { type: 'string', default: '47809' },
      'bbmd-port': { type: 'string', default: '47810' },
      'tick-ms': { type: 'string', default: '1000' },
    },
  });
  const args = Args.parse({
    host: values.host,
    ahuPort: values['ahu-port'],
    lightingPort: values['lighting-port'],
    bbmdPort: values['bbmd-port'],
    tickMs: values['tick-ms'],
  });
  const site = await startBacnetSite({
    hosts: [args.host, args.host, args.host],
    ports: [args.ahuPort, args.lightingPort, args.bbmdPort],
    tickMs: args.tickMs,
  });
  const stop = () => void site.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const devices = Object.fromEntries([site.ahu, site.lighting].map((d) => [d.deviceId, d.address]));
  process.stdout.write(`${JSON.stringify({ ready: true, devices, bbmd: site.bbmdAddress })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bacnet-process: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
