/**
 * A hub of the fleet benches in a process of its own, so that its CPU and memory are its own: the central hub
 * (`hub.mode: central`, bench/fleet.ts and bench/fleet-outage.ts) or a site hub with `upstream:`
 * (bench/fleet-outage.ts). Started with the site file (`@file`); builds the hub as the tests do (a known admin,
 * cheap password hashing), starts it, logs the admin in and reports `ready` {url, cookie, passwords}. Then:
 * `reset` (CPU, peak RSS and event-loop delay counted from now), `stats` (HubProcStats), `stop`.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { login, TEST_ADMIN, testHubOptions } from '../test/hub-harness.js';
import { peakRss, processCpuSeconds, resetPeakRss } from './proc.js';

export interface HubProcStats {
  /** CPU seconds (user + system, helper threads included) since `reset`. */
  cpuSeconds: number;
  /** Kernel high-water mark of the RSS since `reset`, and the RSS now. */
  peakRssBytes: number;
  rssBytes: number;
  heapTotalBytes: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Readings accepted on the bus (a site hub's ingest). */
  accepted: number;
  storage: ReturnType<Hub['storage']['health']>;
  /** The central's host application (FleetHost.stats()), the site's edge node (EdgeNode.health()), when there. */
  fleet?: CentralFleetStats;
  upstream?: EdgeUpstreamHealth;
}

/** What the benches read of the central's host application (FleetHost.stats()). */
export interface CentralFleetStats {
  messages: number;
  /** Data metrics taken, historical included. */
  metrics: number;
  historicalMetrics: number;
  seqGaps: number;
  beforeBirth: number;
  unknownAliases: number;
  rebirthsRequested: number;
  rebirthsHeldOff: number;
  [more: string]: unknown;
}

/** What the benches read of a site's edge node (EdgeNode.health()). */
export interface EdgeUpstreamHealth {
  state: string;
  replaying: boolean;
  /** Live data messages waiting for their PUBACK. */
  inFlight: number;
  published: { messages: number; metrics: number; historicalMetrics: number };
  spool: { lines: number; bytes: number; droppedLines: number };
  [more: string]: unknown;
}

const arg = process.argv[2]!;
const site = parseSiteText(
  arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg,
  'bench-fleet.yaml',
);
const hub = await buildHub(testHubOptions(site, { live: false }));
let accepted = 0;
hub.bus.on('readings.accepted', (batch) => {
  accepted += batch.length;
});
const url = await hub.start();
const { cookie } = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let cpu0 = processCpuSeconds();
resetPeakRss();

// the central's host application (FleetHost.stats()), the site's edge node (EdgeNode.health())
const fleetHub = hub as unknown as {
  fleet?: { stats(): CentralFleetStats };
  upstream?: { health(): EdgeUpstreamHealth };
};
const fleet = () => fleetHub.fleet?.stats();
const upstream = () => fleetHub.upstream?.health();

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'reset') {
    cpu0 = processCpuSeconds();
    resetPeakRss();
    loopDelay.reset();
    process.send?.({ cmd: 'reset-done' });
  } else if (msg.cmd === 'stats') {
    const mem = process.memoryUsage();
    const stats: HubProcStats = {
      cpuSeconds: processCpuSeconds() - cpu0,
      peakRssBytes: peakRss(),
      rssBytes: mem.rss,
      heapTotalBytes: mem.heapTotal,
      loopDelayMs: {
        p50: Math.round(loopDelay.percentile(50) / 1e6),
        p99: Math.round(loopDelay.percentile(99) / 1e6),
        max: Math.round(loopDelay.max / 1e6),
      },
      accepted,
      storage: hub.storage.health(),
      fleet: fleet(),
      upstream: upstream(),
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
process.send?.({ cmd: 'ready', url, cookie, passwords });
