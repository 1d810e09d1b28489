#!/usr/bin/env node
import { buildHub } from './app.js';
import { ConfigError, loadSiteFile } from './config/load-config.js';
import { createLogger } from './logger.js';

/** `hub [site.yaml]`: exit 2 on an invalid site file (nothing started), 1 on a start failure. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const file = argv[0] ?? process.env.HUB_SITE_FILE ?? 'config/demo-site.yaml';
  let site: Awaited<ReturnType<typeof loadSiteFile>>;
  try {
    site = await loadSiteFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`invalid site file ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(site.hub.logLevel);
  const hub = await buildHub({ site, log });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    const url = await hub.start();
    process.stdout.write(`facility hub: dashboard at ${url}\n`);
  } catch (err) {
    log.fatal({ err }, 'cannot start');
    await hub.stop().catch(() => undefined);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('hub/main.ts')) {
  void main();
}
