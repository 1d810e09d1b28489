import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { influxQuery, tempDataDir, waitFor } from './hub-harness.js';
import { freePort, waitForPort } from './services.js';
import { METER_TOPIC, storageSiteYaml } from './storage-fixtures.js';

/** The hub as its own process (`hub/main.ts`), so that it can be SIGKILLed like a crash. */
function spawnHub(siteFile: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts', siteFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('the hub killed mid-stream', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('loses at most the last second: every reading older than that reaches InfluxDB after a restart', async () => {
    const url = inject('influxUrl');
    const db = `crash_${process.pid}`;
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const dataDir = tempDataDir();
    const siteFile = join(dataDir, 'site.yaml');
    writeFileSync(
      siteFile,
      storageSiteYaml({ mode: 'influxdb', influxdb: { url, database: db } }, { httpPort, mqttPort, dataDir }),
    );
    const env = { HUB_ADMIN_PASSWORD: 'crash-test-password-1', HUB_LOG_LEVEL: 'warn' };
    const start = async () => {
      const child = spawnHub(siteFile, env);
      children.push(child);
      await waitForPort(httpPort, 30_000);
      return child;
    };
    let hub = await start();

    // log in as the admin, issue the meter's MQTT password
    const api = `http://127.0.0.1:${httpPort}/api/v1`;
    const login = await fetch(`${api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: env.HUB_ADMIN_PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    const issued = await fetch(`${api}/devices/env-2/credentials`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    const { password } = (await issued.json()) as { password: string };
    const meter = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'env-2',
      username: 'env-2',
      password,
      reconnectPeriod: 0,
    });

    // 200 readings a second, each with its own timestamp; remember when each was sent
    const base = Date.now() - 60_000;
    const sentAt: number[] = [0];
    let seq = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < 10; k++) {
        seq++;
        sentAt[seq] = Date.now();
        meter.publish(METER_TOPIC, JSON.stringify({ ts: base + seq, seq }));
      }
    }, 50);
    const storage = async () =>
      (await (await fetch(`${api}/storage`, { headers: { cookie } })).json()) as {
        outbox: { lines: number };
        influxdb: { writtenLines: number };
      };
    // mid-stream: the readings flow through the outbox into InfluxDB when the hub dies
    let before = { outbox: { lines: -1 }, influxdb: { writtenLines: 0 } };
    await waitFor(
      async () => {
        before = await storage();
        return before.influxdb.writtenLines >= 400;
      },
      20_000,
      () => JSON.stringify(before),
    );
    hub.kill('SIGKILL');
    const killedAt = Date.now();
    clearInterval(timer);
    await new Promise((r) => hub.once('exit', r));
    meter.end(true);
    const lastSent = seq;

    hub = await start();
    // the session survived the crash (it lives in SQLite); watch the outbox drain
    let after = before;
    await waitFor(
      async () => {
        after = await storage();
        return after.outbox.lines === 0;
      },
      30_000,
      () => JSON.stringify(after),
    );
    const rows = await influxQuery(url, db, `SELECT seq FROM "raw"."electricity-meter"`);
    const present = new Set(rows.values.map((r) => r[1] as number));
    const missing = Array.from({ length: lastSent }, (_, i) => i + 1).filter((s) => !present.has(s));
    // what was lost was sent in the last second before the kill (plus a little for the trip through MQTT)
    expect(missing.filter((s) => sentAt[s]! < killedAt - 1_200)).toEqual([]);
    expect(present.size).toBeGreaterThan(lastSent - 300);
    expect(present.size).toBeLessThanOrEqual(lastSent);
    hub.kill('SIGTERM');
    await new Promise((r) => hub.once('exit', r));
  }, 90_000);
});
