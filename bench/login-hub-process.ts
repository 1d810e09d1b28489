/**
 * The hub for `npm run bench login`, in a process of its own: no devices, no storage, passwords at the
 * production cost (scrypt N=2^17), and the per-address login limit out of the way so the (name, address)
 * throttle is what is measured. Reports `ready` with its URL, then `stats` (the hasher's counters) when asked.
 */
import { readFileSync } from 'node:fs';
import { silentLogger } from '../core/logger.js';
import { buildHub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { BENCH_ADMIN, offlineSiteHead } from './common.js';
import { processCpuSeconds } from './proc.js';

const yaml = offlineSiteHead('login').replace(
  'logLevel: silent, dataDir:',
  'logLevel: silent, auth: { loginAttemptsPerMinute: 10000 }, dataDir:',
);
const hub = await buildHub({
  site: parseSiteText(`${yaml}assets: []\n`, 'bench-login.yaml'),
  log: silentLogger,
  live: false,
  admin: BENCH_ADMIN,
});
const url = await hub.start();

const peakRssMb = () => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Math.round((hwm ? Number(hwm[1]) * 1024 : process.memoryUsage().rss) / 2 ** 20);
};

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'stats')
    process.send?.({
      cmd: 'stats',
      hasher: { ...hub.auth.hasher.stats, cost: hub.auth.hasher.cost },
      cpuSeconds: processCpuSeconds(),
      peakRssMb: peakRssMb(),
    });
  else if (msg.cmd === 'stop') {
    await hub.stop();
    process.exit(0);
  }
});
process.send?.({ cmd: 'ready', url });
