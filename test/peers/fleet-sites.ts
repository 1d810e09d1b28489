/**
 * Site hubs in a process of their own, for the fleet test (`node --import tsx test/peers/fleet-sites.ts
 * <site.yaml> …`): each file a hub built and started as hub/main.ts does (its log at the site file's level on
 * stdout), with the tests' cheap password hashing. Prints `ready` once all serve; SIGTERM stops them in order
 * (each edge node's NDEATH sent), SIGKILL is a crash of all of them at once; SIGUSR2 prints their upstream
 * health.
 */
import { createLogger } from '../../core/logger.js';
import { buildHub, type Hub } from '../../hub/app.js';
import { loadSiteFile } from '../../hub/site-file.js';
import { testHubOptions } from '../hub-harness.js';

const hubs: Hub[] = [];
for (const file of process.argv.slice(2)) {
  const site = await loadSiteFile(file);
  const hub = await buildHub(testHubOptions(site, { log: createLogger(site.hub.logLevel), live: false }));
  await hub.start();
  hubs.push(hub);
}
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void Promise.all(hubs.map((h) => h.stop())).then(() => process.exit(0));
});
// SIGUSR2: each edge node's upstream health on stdout (for a failing test to show)
process.on('SIGUSR2', () => {
  for (const hub of hubs) {
    const up = (hub as unknown as { upstream?: { health(): unknown } }).upstream?.health();
    process.stdout.write(`upstream ${hub.site.site.id}: ${JSON.stringify(up)}\n`);
  }
});
process.stdout.write('ready\n');
