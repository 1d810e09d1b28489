import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { LatestValue } from '../core/latest-values.js';
import { buildHub } from '../hub/app.js';
import {
  connectDevice,
  sessionAs,
  startTestHub,
  type TestHub,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';
import { testSite } from './site-fixtures.js';

describe('live gateway (socket.io client, no browser)', () => {
  let t: TestHub;
  let mqttPort: number;
  let socket: Socket;

  beforeAll(async () => {
    mqttPort = await freePort();
    t = await startTestHub(testSite({ mqttPort }));
    const viewer = await sessionAs(t.hub, ['viewer']);
    socket = io(t.url, { transports: ['websocket'], extraHeaders: { cookie: viewer.cookie } });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  });
  afterAll(async () => {
    socket?.disconnect();
    await t?.stop();
  });

  it('subscribing to an asset answers with a snapshot, then sends coalesced batches at most every interval', async () => {
    const ack = await socket.emitWithAck('subscribe', { assets: ['room-1', 'nope'] });
    expect(ack.unknownAssets).toEqual(['nope']);
    expect(ack.values.map((v: LatestValue) => v.pointId)).toEqual([
      'room-1/temp_c',
      'room-1/humidity_pct',
      'room-1/co2_ppm',
    ]);

    const batches: { at: number; values: LatestValue[] }[] = [];
    socket.on('values', (values: LatestValue[]) => batches.push({ at: Date.now(), values }));
    const device = await connectDevice(t.hub, mqttPort, 'env-1');
    const other = await connectDevice(t.hub, mqttPort, 'env-2');
    // 200 updates of one point in ~0.5 s: the client gets the latest, not 200 messages
    for (let i = 1; i <= 200; i++) {
      device.publish('site/t1/room-1/telemetry', JSON.stringify({ temp_c: i / 10 }));
      other.publish('legacy/room2/temp', String(i)); // room-2 is not subscribed
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(() =>
      batches.some((b) => b.values.some((v) => v.pointId === 'room-1/temp_c' && v.value === 20)),
    );
    const all = batches.flatMap((b) => b.values);
    expect(all.every((v) => v.pointId.startsWith('room-1/'))).toBe(true);
    expect(all.length).toBeLessThan(60);
    // at most one batch per liveIntervalMs (50 ms in the test site), counted over the whole stretch: the
    // arrival of each one here jitters with the machine's load (two 50 ms apart arrived 33 ms apart once)
    const span = batches.at(-1)!.at - batches[0]!.at;
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.length).toBeLessThanOrEqual(Math.floor(span / 50) + 2);
    await device.endAsync();
    await other.endAsync();
  });

  it('a whole-site subscriber gets every point, and device changes as they happen', async () => {
    // an integration with an API token instead of a session cookie
    const engineer = await sessionAs(t.hub, ['engineer']);
    const created = await t.hub.http.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: engineer.headers,
      payload: { name: 'wall screen', scopes: ['site:read'] },
    });
    const site = io(t.url, { transports: ['websocket'], auth: { token: created.json().token } });
    const ack = await site.emitWithAck('subscribe', { site: true });
    expect(ack.values).toHaveLength(t.hub.site.points.length);
    const deviceEvents: { deviceId: string; state: string }[] = [];
    site.on('device', (e) => deviceEvents.push(e));
    const values: LatestValue[] = [];
    site.on('values', (batch: LatestValue[]) => values.push(...batch));
    const gate = await connectDevice(t.hub, mqttPort, 'gate-ctl');
    await gate.publishAsync('site/t1/gate-a/telemetry', JSON.stringify({ door_open: false }));
    await waitFor(() => values.some((v) => v.pointId === 'gate-a/door_open' && v.value === false));
    await gate.endAsync();
    await waitFor(() => deviceEvents.some((e) => e.deviceId === 'gate-ctl' && e.state === 'offline'));
    expect(deviceEvents.filter((e) => e.deviceId === 'gate-ctl').map((e) => e.state)).toEqual([
      'online',
      'offline',
    ]);
    // alerts as they happen
    const alerts: { event: string; alert: { ruleId: string } }[] = [];
    site.on('alert', (e) => alerts.push(e));
    t.hub.alerts.conditionChanged(
      {
        key: 'live-test|room-1|',
        ruleId: 'live-test',
        assetId: 'room-1',
        severity: 'critical',
        priority: 1,
        chatter: { transitions: 5, withinMs: 600_000 },
      },
      { active: true, message: 'test alert' },
      Date.now(),
    );
    await waitFor(() => alerts.length > 0);
    expect(alerts[0]).toMatchObject({
      event: 'raised',
      alert: { ruleId: 'live-test', severity: 'critical' },
    });
    const bad = await site.emitWithAck('subscribe', { assets: 'room-1' });
    expect(bad.error).toMatch(/expected/);
    site.disconnect();
  });

  it('refuses a connection without a session or token, and closes one whose session ends', async () => {
    const anon = io(t.url, { transports: ['websocket'], reconnection: false });
    const refused = await new Promise<Error & { data?: { status: number } }>((resolve) =>
      anon.once('connect_error', resolve),
    );
    expect(refused.message).toBe('unauthorized');
    expect(refused.data).toEqual({ status: 401 });
    anon.close();

    const viewer = await sessionAs(t.hub, ['viewer']);
    const s = io(t.url, {
      transports: ['websocket'],
      extraHeaders: { cookie: viewer.cookie },
      reconnection: false,
    });
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    const ended = new Promise<unknown>((resolve) => s.once('session-ended', resolve));
    const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
    const out = await t.hub.http.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: viewer.headers,
    });
    expect(out.statusCode).toBe(204);
    expect(await ended).toEqual({ reason: 'logged out', reconnect: false });
    expect(await closed).toBe('io server disconnect');
  });
});

describe('live gateway and sessions that end without an event', () => {
  it('closes a connection whose session expired or was removed, at its next check', async () => {
    const clock = new ManualClock(Date.now());
    const hub = await buildHub(testHubOptions(testSite(), { clock }));
    const url = await hub.start();
    try {
      const viewer = await sessionAs(hub, ['viewer']);
      const s = io(url, {
        transports: ['websocket'],
        extraHeaders: { cookie: viewer.cookie },
        reconnection: false,
      });
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      const ended = new Promise<unknown>((resolve) => s.once('session-ended', resolve));
      // the row goes away behind the hub's back (as the hourly purge of expired sessions does)
      hub.db.prepare('DELETE FROM sessions').run();
      clock.advance(29_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(s.connected).toBe(true);
      clock.advance(1_000);
      expect(await ended).toEqual({ reason: 'session expired', reconnect: false });
      s.close();
    } finally {
      await hub.stop();
    }
  });
});
