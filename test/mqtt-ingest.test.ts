import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDevice, sessionAs, startTestHub, type TestHub, waitFor } from './hub-harness.js';
import { freePort, type Mosquitto, startMosquitto } from './services.js';
import { testSite } from './site-fixtures.js';

const TOPIC = 'site/t1/room-1/telemetry';

async function connect(url: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
}

describe('MQTT ingest through the embedded aedes broker', () => {
  let t: TestHub;
  let port: number;
  let client: MqttClient;

  beforeAll(async () => {
    port = await freePort();
    t = await startTestHub(testSite({ mqttPort: port }));
    client = await connectDevice(t.hub, port, 'env-1');
  });
  afterAll(async () => {
    await client?.endAsync();
    await t?.stop();
  });

  it('maps a JSON object of many values to its points, with the device timestamp', async () => {
    const ts = Date.now() - 1000;
    await client.publishAsync(
      TOPIC,
      JSON.stringify({ ts, temp_c: 21.5, humidity_pct: 40, air: { co2: 612 } }),
    );
    const got = await t.waitForReadings(3);
    expect(got.map((r) => [r.pointId, r.value, r.quality, r.ts])).toEqual([
      ['room-1/temp_c', 21.5, 'good', ts],
      ['room-1/humidity_pct', 40, 'good', ts],
      ['room-1/co2_ppm', 612, 'good', ts],
    ]);
    expect(t.hub.latest.get('room-1/temp_c')).toMatchObject({ value: 21.5, quality: 'good', ts });
  });

  it('malformed payloads are counted per device and topic, and every good message around them arrives', async () => {
    const before = t.readings.length;
    const bad = [
      '{"temp_c": 21.',
      '{"temp_c": NaN}',
      '{"temp_c": "warm"}',
      '42',
      JSON.stringify({ temp_c: 1, pad: 'x'.repeat(70_000) }),
      '{"nothing": 1}',
    ];
    const good = 50;
    for (let i = 0; i < good; i++) {
      await client.publishAsync(TOPIC, JSON.stringify({ temp_c: 20 + i / 100 }));
      if (i % 8 === 0) await client.publishAsync(TOPIC, bad[(i / 8) % bad.length]!);
    }
    await t.waitForReadings(before + good);
    await waitFor(
      () => (t.hub.supervisor.deviceHealth().find((d) => d.deviceId === 'env-1')?.malformed ?? 0) >= 7,
    );
    const temps = t.readings.slice(before).map((r) => r.value);
    expect(temps).toEqual(Array.from({ length: good }, (_, i) => 20 + i / 100));

    const viewer = await sessionAs(t.hub, ['viewer']);
    const res = await t.hub.http.inject({ url: '/api/v1/devices', headers: viewer.headers });
    const env1 = res.json().devices.find((d: { deviceId: string }) => d.deviceId === 'env-1');
    expect(env1.malformed).toBe(7);
    expect(env1.malformedByTopic).toEqual({ [TOPIC]: 7 });
    expect(env1.lastMalformed).toMatchObject({ topic: TOPIC });
    expect(env1.state).toBe('online');
    expect(res.json().links[0]).toMatchObject({ state: 'up', stats: { malformed: 7 } });
  });

  it('a bare value on a mapped topic; a topic outside the device ACL is refused, counted, and harmless', async () => {
    const other = await connectDevice(t.hub, port, 'env-2', { clientId: 'room2-legacy' });
    const before = t.readings.length;
    await other.publishAsync('some/unknown/topic', 'hello');
    await other.publishAsync('legacy/room2/temp', '19.5');
    await t.waitForReadings(before + 1);
    expect(t.readings.at(-1)).toMatchObject({ pointId: 'room-2/temp_c', value: 19.5 });
    expect(other.connected).toBe(true);
    const env2 = t.hub.supervisor.deviceHealth().find((d) => d.deviceId === 'env-2')!;
    expect(env2.denied).toEqual({ login: 0, publish: 1, subscribe: 0 });
    expect(env2.lastDenied).toMatchObject({ kind: 'publish', detail: 'topic some/unknown/topic' });
    await other.endAsync();
  });

  it('a device with a client id goes offline at once when its client disconnects', async () => {
    const gate = await connectDevice(t.hub, port, 'gate-ctl');
    await gate.publishAsync(
      'site/t1/gate-a/telemetry',
      JSON.stringify({ door_open: true, last_card: 'A123' }),
    );
    await waitFor(
      () => t.hub.supervisor.deviceHealth().find((d) => d.deviceId === 'gate-ctl')?.state === 'online',
    );
    expect(t.hub.latest.get('gate-a/door_open')?.value).toBe(true);
    expect(t.hub.latest.get('gate-a/last_card')?.value).toBe('A123');
    await gate.endAsync();
    await waitFor(
      () => t.hub.supervisor.deviceHealth().find((d) => d.deviceId === 'gate-ctl')?.state === 'offline',
    );
  });

  it('a command write is published on the command topic', async () => {
    const watcher = await connectDevice(t.hub, port, 'gate-ctl', { clientId: 'gate-ctl' });
    const got = new Promise<{ topic: string; body: Record<string, unknown> }>((resolve) =>
      watcher.on('message', (topic, payload) => resolve({ topic, body: JSON.parse(payload.toString()) })),
    );
    await watcher.subscribeAsync('site/t1/gate-a/command');
    await t.hub.supervisor.write(t.hub.site.pointById.get('gate-a/open_cmd')!, true, 8);
    const msg = await got;
    expect(msg.topic).toBe('site/t1/gate-a/command');
    expect(msg.body).toMatchObject({ point: 'open_cmd', value: true });
    await expect(
      t.hub.supervisor.write(t.hub.site.pointById.get('gate-a/door_open')!, true, 8),
    ).rejects.toThrow(/not a command point/);
    await watcher.endAsync();
  });
});

describe('MQTT ingest from an external mosquitto', () => {
  let t: TestHub | undefined;
  let broker: Mosquitto | undefined;
  afterEach(async () => {
    await t?.stop();
    await broker?.stop();
    t = undefined;
    broker = undefined;
  });

  it('subscribes to the site topics on the shared broker and maps the messages', async () => {
    const url = inject('mosquittoUrl');
    t = await startTestHub(testSite({ mqtt: `{ mode: external, url: '${url}', clientId: hub-ext-1 }` }));
    await waitFor(() => t!.hub.supervisor.linkHealth()[0]?.state === 'up');
    const device = await connect(url, 'env-1-ext');
    await device.publishAsync(TOPIC, JSON.stringify({ temp_c: 22.25, air: { co2: 700 } }));
    const got = await t.waitForReadings(2);
    expect(got.map((r) => [r.pointId, r.value])).toEqual([
      ['room-1/temp_c', 22.25],
      ['room-1/co2_ppm', 700],
    ]);
    expect(t.hub.supervisor.linkHealth()[0]!.stats).toMatchObject({ mode: 'external', lagging: false });
    await device.endAsync();
  });

  it('reconnects with backoff and resubscribes after the broker restarts, without a crash', async () => {
    broker = await startMosquitto();
    t = await startTestHub(
      testSite({ mqtt: `{ mode: external, url: '${broker.url}', clientId: hub-ext-2 }` }),
    );
    await waitFor(() => t!.hub.supervisor.linkHealth()[0]?.state === 'up');
    await broker.kill();
    await waitFor(() => t!.hub.supervisor.linkHealth()[0]?.state !== 'up');
    // a few failed attempts while it is down
    await waitFor(
      () => t!.hub.supervisor.linkHealth()[0]!.errors >= 2,
      5_000,
      () => JSON.stringify(t!.hub.supervisor.linkHealth()[0]),
    );
    await broker.restart();
    await waitFor(() => t!.hub.supervisor.linkHealth()[0]?.state === 'up', 5_000);
    expect(t.hub.supervisor.linkHealth()[0]).toMatchObject({ connects: 2, disconnects: 1 });
    const device = await connect(broker.url, 'env-1-after');
    await device.publishAsync(TOPIC, JSON.stringify({ temp_c: 23 }));
    const got = await t.waitForReadings(1);
    expect(got[0]).toMatchObject({ pointId: 'room-1/temp_c', value: 23 });
    await device.endAsync();
  });

  it('starts while the broker is down and connects when it appears', async () => {
    const port = await freePort();
    t = await startTestHub(
      testSite({ mqtt: `{ mode: external, url: 'mqtt://127.0.0.1:${port}', clientId: hub-ext-3 }` }),
    );
    await waitFor(() => (t!.hub.supervisor.linkHealth()[0]?.errors ?? 0) >= 2);
    expect(t.hub.supervisor.linkHealth()[0]).toMatchObject({
      state: expect.stringMatching(/backoff|connecting/),
    });
    expect(t.hub.supervisor.linkHealth()[0]!.lastError?.code).toBe('refused');
    const res = await t.hub.http.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(t.readings).toEqual([]);

    // the broker appears on the port the hub was told to use
    broker = await startMosquitto([], { port });
    await waitFor(
      () => t!.hub.supervisor.linkHealth()[0]?.state === 'up',
      10_000,
      () => JSON.stringify(t!.hub.supervisor.linkHealth()[0]),
    );
    expect(t.hub.supervisor.linkHealth()[0]).toMatchObject({ connects: 1 });
    expect(t.hub.supervisor.linkHealth()[0]!.errors).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await t!.hub.http.inject('/readyz')).statusCode === 200, 10_000);
    // and what a device publishes there is ingested
    const device = await connect(broker.url, 'env-1-late');
    await device.publishAsync(TOPIC, JSON.stringify({ temp_c: 24.5, air: { co2: 650 } }));
    const got = await t.waitForReadings(2);
    expect(got.map((r) => [r.pointId, r.value])).toEqual([
      ['room-1/temp_c', 24.5],
      ['room-1/co2_ppm', 650],
    ]);
    await device.endAsync();
  });
});
