import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { SYSTEM } from '../core/actor.js';
import { silentLogger } from '../core/logger.js';
import type { Reading } from '../core/model/reading.js';
import type { SiteModel } from '../core/model/site-model.js';
import { buildHub, type Hub, type HubOptions } from '../hub/app.js';
import type { Role } from '../platform/security/roles.js';
import { waitFor } from './wait.js';

export { waitFor };

/** The first admin of every test hub. */
export const TEST_ADMIN = { username: 'admin', password: 'test-root-password-1' };
/** Cheap scrypt for tests that log in often; the default cost has its own test. */
export const TEST_PASSWORD_COST = { N: 1024, r: 8, p: 1 };

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'hub-data-'));
}

/** buildHub with what every test hub shares: silent log, a known admin, cheap password hashing. */
export function testHubOptions(site: SiteModel, extra: Partial<HubOptions> = {}): HubOptions {
  return {
    site,
    log: silentLogger,
    admin: TEST_ADMIN,
    passwordCost: TEST_PASSWORD_COST,
    backoff: { initialMs: 100, maxMs: 1_000, jitter: 0.2 },
    ...extra,
  };
}

/** A started hub plus a record of everything that reached the bus. */
export interface TestHub {
  hub: Hub;
  url: string;
  readings: Reading[];
  /** Resolves once `n` readings (in total) have been accepted. */
  waitForReadings(n: number, timeoutMs?: number): Promise<Reading[]>;
  stop(): Promise<void>;
}

export async function startTestHub(site: SiteModel, opts: { live?: boolean } = {}): Promise<TestHub> {
  const hub = await buildHub(testHubOptions(site, { live: opts.live }));
  const readings: Reading[] = [];
  hub.bus.on('readings.accepted', (batch) => readings.push(...batch.map((r) => ({ ...r }))));
  const url = await hub.start();
  return {
    hub,
    url,
    readings,
    waitForReadings: (n, timeoutMs = 10_000) =>
      waitFor(
        () => readings.length >= n,
        timeoutMs,
        () => `${readings.length} of ${n} readings`,
      ).then(() => readings),
    stop: () => hub.stop(),
  };
}

/** A logged-in dashboard session: send `headers` with inject() or fetch(). */
export interface TestSession {
  username: string;
  password: string;
  cookie: string;
  csrf: string;
  headers: { cookie: string; 'x-csrf-token': string };
}

/**
 * Log in through the auth service (the HTTP login is rate-limited per address; tests of the login route
 * call it themselves).
 */
export async function login(hub: Hub, username: string, password: string): Promise<TestSession> {
  const res = await hub.auth.login(username, password, { ip: '127.0.0.1' });
  if (!res.ok) throw new Error(`login as ${username} failed: ${res.reason}`);
  const cookie = `hub_session=${res.cookieValue}`;
  const csrf = res.session.csrfToken;
  return { username, password, cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

let userSeq = 0;
/** A new user with these roles, logged in. */
export async function sessionAs(hub: Hub, roles: Role[], username = `u${++userSeq}-${roles.join('-')}`) {
  const password = `pw-${userSeq}-0123456789-secret`;
  await hub.auth.createUser(SYSTEM, { username, roles, password });
  return login(hub, username, password);
}

/** Issue a device's MQTT password and connect as it (username = device id). */
export async function connectDevice(
  hub: Hub,
  port: number,
  deviceId: string,
  opts: IClientOptions = {},
): Promise<MqttClient> {
  const { password } = hub.deviceCredentials.issue(SYSTEM, deviceId);
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: opts.clientId ?? deviceId,
    username: deviceId,
    password,
    reconnectPeriod: 0,
    ...opts,
  });
}

/** An InfluxQL query straight to InfluxDB (as Grafana would make it), rows of the first series. */
export async function influxQuery(
  url: string,
  db: string,
  q: string,
): Promise<{ columns: string[]; values: unknown[][] }> {
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms`, {
    method: 'POST',
    body: new URLSearchParams({ q }),
  });
  const body = (await res.json()) as {
    results: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[];
  };
  const r = body.results[0]!;
  if (r.error) throw new Error(`${q}: ${r.error}`);
  return r.series?.[0] ?? { columns: [], values: [] };
}
