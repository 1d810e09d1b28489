/**
 * The hub under test, in a process of its own so that its CPU and memory are its own. Started by
 * bench/run.ts; reports over IPC: `ready` with its MQTT port, then `stats` when asked.
 */
import { readFileSync } from 'node:fs';
import { buildHub, type Hub } from '../hub/app.js';
import { SYSTEM } from '../hub/audit/audit-log.js';
import { parseSiteText } from '../hub/config/load-config.js';
import { silentLogger } from '../hub/logger.js';
import { processCpuSeconds } from './proc.js';

export interface HubStats {
  accepted: number;
  rejected: number;
  /** Latency histogram, 1 ms buckets, publish → accepted on the bus. */
  hist: number[];
  overflowMax: number;
  maxLatencyMs: number;
  cpuSeconds: number;
  maxRssBytes: number;
  storage: ReturnType<Hub['storage']['health']>;
}

function peakRss(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return hwm ? Number(hwm[1]) * 1024 : process.memoryUsage().rss;
}

const site = parseSiteText(process.argv[2]!, 'bench.yaml');
const hub = await buildHub({ site, log: silentLogger });
const hist = new Uint32Array(10_000);
let overflowMax = 0;
let maxLatency = 0;
let accepted = 0;
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
let cpuAtStart = processCpuSeconds();

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'reset') {
    cpuAtStart = processCpuSeconds();
    process.send?.({ cmd: 'reset-done' });
  } else if (msg.cmd === 'stats') {
    const stats: HubStats = {
      accepted,
      rejected: hub.pipeline.counters.rejected,
      hist: [...hist],
      overflowMax,
      maxLatencyMs: maxLatency,
      cpuSeconds: processCpuSeconds() - cpuAtStart,
      maxRssBytes: peakRss(),
      storage: hub.storage.health(),
    };
    process.send?.({ cmd: 'stats', stats });
  } else if (msg.cmd === 'stop') {
    await hub.stop();
    process.exit(0);
  }
});
const passwords =
  site.mqtt.mode === 'embedded'
    ? Object.fromEntries(
        site.devicesOf('mqtt').map((d) => [d.id, hub.deviceCredentials.issue(SYSTEM, d.id).password]),
      )
    : {};
process.send?.({ cmd: 'ready', passwords });
