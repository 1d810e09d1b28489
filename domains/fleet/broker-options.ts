import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { BrokerConnection } from './fleet-schema.js';

/** A broker setting that cannot be used (a TLS file unreadable, a credential variable unset). */
export class BrokerSettingsError extends Error {
  override name = 'BrokerSettingsError';
}

/**
 * mqtt.js options for a broker the site does not own: credentials from the environment only, TLS files read
 * once here (so a bad path fails at build, not at the first reconnect), no automatic reconnect (the caller
 * owns reconnects and sessions) and no packet tracing.
 */
export function brokerOptions(
  conn: BrokerConnection,
  clientId: string,
  env: NodeJS.ProcessEnv = process.env,
): IClientOptions {
  const opts: IClientOptions = {
    clientId,
    keepalive: conn.keepAliveS,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    clean: true,
    resubscribe: false,
    log: () => undefined,
  };
  if (conn.usernameEnv && conn.passwordEnv) {
    const username = env[conn.usernameEnv];
    const password = env[conn.passwordEnv];
    if (username === undefined || password === undefined)
      throw new BrokerSettingsError(
        `broker credentials: set ${conn.usernameEnv} and ${conn.passwordEnv} in the environment`,
      );
    opts.username = username;
    opts.password = password;
  }
  const tls = conn.tls;
  if (tls) {
    const read = (file: string | undefined, what: string) => {
      if (!file) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new BrokerSettingsError(`broker TLS ${what} ${file}: ${(err as Error).message}`);
      }
    };
    opts.ca = read(tls.caFile, 'CA file');
    opts.cert = read(tls.certFile, 'certificate file');
    opts.key = read(tls.keyFile, 'key file');
    opts.rejectUnauthorized = tls.rejectUnauthorized;
    if (tls.servername) opts.servername = tls.servername;
  }
  return opts;
}
