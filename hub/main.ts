#!/usr/bin/env node
import { ConfigError } from '../core/config/load-config.js';
import { createLogger } from '../core/logger.js';
import { buildHub, type Hub } from './app.js';
import { loadSiteFile } from './site-file.js';
import { TlsFileError } from './tls/tls-files.js';

/**
 * `hub [site.yaml]`: exit 2 on an invalid site file or unusable TLS files (nothing started), 1 on a start
 * failure. SIGHUP reloads the HTTPS certificate.
 */
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
  let hub: Hub;
  try {
    hub = await buildHub({ site, log, admin: adminFromEnv() });
  } catch (err) {
    if (err instanceof TlsFileError) {
      process.stderr.write(`invalid site file ${file}: cannot serve HTTPS\n  ${err.problems.join('\n  ')}\n`);
      process.exit(2);
    }
    throw err;
  }
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
  // new connections get the new certificate, open ones keep theirs; a bad file keeps the one in use (logged)
  if (hub.tls) process.on('SIGHUP', () => void hub.tls?.reload());
  try {
    const url = await hub.start();
    process.stdout.write(`facility hub: dashboard at ${url}\n`);
    printCertificate(hub.tls);
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

/** The HTTPS certificate's fingerprint, to compare with what a browser shows (a self-signed one above all). */
export function printCertificate(tls: Hub['tls']): void {
  if (!tls) return;
  if (!tls.generated) {
    process.stdout.write(`HTTPS certificate SHA-256 fingerprint: ${tls.fingerprint256}\n`);
    return;
  }
  process.stdout.write(
    [
      '',
      `  First start: made a self-signed HTTPS certificate (${tls.files.certFile}, key ${tls.files.keyFile}).`,
      '  Browsers warn about it: accept it only if they show this SHA-256 fingerprint:',
      '',
      `      ${tls.fingerprint256}`,
      '',
      '',
    ].join('\n'),
  );
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
