import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatestValue } from '../hub/latest/latest-values.js';
import { startTestHub, type TestHub, waitFor } from './hub-harness.js';
import { freePort } from './services.js';
import { testSite } from './site-fixtures.js';

describe('live gateway (socket.io client, no browser)', () => {
  let t: TestHub;
  let mqttPort: number;
  let socket: Socket;

  beforeAll(async () => {
    mqttPort = await freePort();
    t = await startTestHub(testSite({ mqttPort }));
    socket = io(t.url, { transports: ['websocket'] });
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
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'env-1' });
    const other = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'env-2' });
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
    // at most one batch per liveIntervalMs (50 ms in the test site), allowing timer jitter
    for (let i = 1; i < batches.length; i++)
      expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(35);
    await device.endAsync();
    await other.endAsync();
  });

  it('a whole-site subscriber gets every point, and device changes as they happen', async () => {
    const site = io(t.url, { transports: ['websocket'] });
    const ack = await site.emitWithAck('subscribe', { site: true });
    expect(ack.values).toHaveLength(t.hub.site.points.length);
    const deviceEvents: { deviceId: string; state: string }[] = [];
    site.on('device', (e) => deviceEvents.push(e));
    const values: LatestValue[] = [];
    site.on('values', (batch: LatestValue[]) => values.push(...batch));
    const gate = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'gate-ctl' });
    await gate.publishAsync('site/t1/gate-a/telemetry', JSON.stringify({ door_open: false }));
    await waitFor(() => values.some((v) => v.pointId === 'gate-a/door_open' && v.value === false));
    await gate.endAsync();
    await waitFor(() => deviceEvents.some((e) => e.deviceId === 'gate-ctl' && e.state === 'offline'));
    expect(deviceEvents.filter((e) => e.deviceId === 'gate-ctl').map((e) => e.state)).toEqual([
      'online',
      'offline',
    ]);
    const bad = await site.emitWithAck('subscribe', { assets: 'room-1' });
    expect(bad.error).toMatch(/expected/);
    site.disconnect();
  });
});
