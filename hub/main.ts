#!/usr/bin/env node
import { ConfigError } from '../core/config/load-config.js';
import { createLogger } from '../core/logger.js';
import { buildHub } from './app.js';
import { loadSiteFile } from './site-file.js';

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
  const hub = await buildHub({ site, log, admin: adminFromEnv() });
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
    printFirstAdmin(hub.firstAdmin);
  } catch (err) {
    log.fatal({ err }, 'cannot start');
    await hub.stop().catch(() => undefined);
    process.exit(1);
  }
}

/** HUB_ADMIN_USERNAME and HUB_ADMIN_PASSWORD: the first admin, for automated installs. */
export function adminFromEnv(env = process.env): { username?: string; password?: string } {
  return { username: env.HUB_ADMIN_USERNAME || undefined, password: env.HUB_ADMIN_PASSWORD || undefined };
}

/** The generated first-admin password goes to the terminal once, never to the log. */
export function printFirstAdmin(first: { username: string; generatedPassword?: string } | undefined): void {
  if (!first?.generatedPassword) return;
  process.stdout.write(
    [
      '',
      `  First start: created the admin user "${first.username}" with the password`,
      '',
      `      ${first.generatedPassword}`,
      '',
      '  It is shown only this once. Log in and change it (top bar → change password), or reset it later',
      `  with: npm run admin -- reset-password ${first.username}`,
      '',
      '',
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('hub/main.ts')) {
  void main();
}
