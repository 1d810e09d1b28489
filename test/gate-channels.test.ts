import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoAcl } from '../adapters/mqtt/mosquitto-acl.js';
import type { DeviceMessage } from '../core/devices/driver.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { connectDevice, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { freePort, type Mosquitto, requireBinary, startMosquitto } from './services.js';

/** Two gates, each with its own controller, and a sensor that is not a gate. */
function gateSiteYaml(mqttYaml: string): string {
  return `
site: { id: t1, name: Test site }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: ${mqttYaml}
zones: [{ id: b1, name: Building 1, kind: building }]
devices:
  - { id: gate-a-ctl, protocol: mqtt, clientId: gate-a-ctl }
  - { id: gate-b-ctl, protocol: mqtt, clientId: gate-b-ctl }
  - { id: env-1, protocol: mqtt }
assets:
  - { id: gate-a, name: Gate A, kind: gate, zone: b1, device: gate-a-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
  - { id: gate-b, name: Gate B, kind: gate, zone: b1, device: gate-b-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
  - { id: room-1, name: Room 1, kind: env-sensor, zone: b1, device: env-1, points: [{ name: temp_c, unit: degC }] }
# transport only: the hub's gate decisions (domains/visitors) stay out of it
visitors: { gates: [] }
`;
}

const topic = (gate: string, channel: string) => `site/t1/${gate}/${channel}`;
const device = (hub: Hub, id: string) => hub.supervisor.deviceHealth().find((d) => d.deviceId === id)!;
const text = (m: DeviceMessage) => ({ ...m, payload: m.payload.toString('utf8') });

/** Resolves with the next message the client hears on `t`. */
function nextMessage(client: MqttClient, t: string): Promise<{ payload: string; retain: boolean }> {
  return new Promise((resolve) => {
    const on = (got: string, payload: Buffer, packet: { retain: boolean }) => {
      if (got !== t) return;
      client.off('message', on);
      resolve({ payload: payload.toString('utf8'), retain: packet.retain });
    };
    client.on('message', on);
  });
}

describe('gate channels through the embedded broker', () => {
  let hub: Hub;
  let port: number;
  const heard: DeviceMessage[] = [];
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient) => {
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    port = await freePort();
    const yaml = gateSiteYaml(`{ mode: embedded, host: 127.0.0.1, port: ${port}, maxPayloadBytes: 1024 }`);
    hub = await buildHub(testHubOptions(parseSiteText(yaml, 's.yaml'), { live: false }));
    hub.bus.on('device.message', (m) => heard.push(m));
    await hub.start();
    await waitFor(() => hub.supervisor.linkHealth()[0]?.state === 'up');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    heard.length = 0;
  });
  afterAll(() => hub?.stop());

  it('a scan from the gate reaches the bus as a device message; the gate’s points still work', async () => {
    const gate = keep(await connectDevice(hub, port, 'gate-a-ctl'));
    const scan = JSON.stringify({ credential: { type: 'code', value: '12345678' }, nonce: 'n1', ts: 1 });
    await gate.publishAsync(topic('gate-a', 'scan'), scan, { qos: 1 });
    await waitFor(() => heard.length === 1);
    expect(text(heard[0]!)).toMatchObject({
      deviceId: 'gate-a-ctl',
      assetId: 'gate-a',
      channel: 'scan',
      payload: scan,
    });
    expect(Math.abs(heard[0]!.ts - Date.now())).toBeLessThan(5_000);
    expect(device(hub, 'gate-a-ctl').state).toBe('online');
    for (const channel of ['door', 'passage', 'sync'])
      await gate.publishAsync(topic('gate-a', channel), '{}', { qos: 1 });
    await waitFor(() => heard.length === 4);
    expect(heard.map((m) => m.channel)).toEqual(['scan', 'door', 'passage', 'sync']);
    await gate.publishAsync(topic('gate-a', 'telemetry'), JSON.stringify({ door_open: true }));
    await waitFor(() => hub.latest.get('gate-a/door_open')?.value === true);
    expect(device(hub, 'gate-a-ctl').readings).toBe(1);
  });

  it('supervisor.send puts a decision on the gate’s decision topic; bad channels and assets are refused', async () => {
    const gate = keep(await connectDevice(hub, port, 'gate-a-ctl'));
    await gate.subscribeAsync(topic('gate-a', 'decision'), { qos: 1 });
    const got = nextMessage(gate, topic('gate-a', 'decision'));
    const decision = JSON.stringify({ nonce: 'n1', decision: 'open', passId: 7, ts: 2 });
    await hub.supervisor.send('gate-a', 'decision', decision);
    expect(await got).toEqual({ payload: decision, retain: false });
    await expect(hub.supervisor.send('gate-a', 'scan', '{}')).rejects.toMatchObject({ code: 'bad-config' });
    await expect(hub.supervisor.send('room-1', 'decision', '{}')).rejects.toMatchObject({
      code: 'bad-config',
    });
    await expect(hub.supervisor.send('nowhere', 'decision', '{}')).rejects.toThrow(/no device/);
    // the hub's own publishes are not read back as device traffic
    expect(hub.supervisor.linkHealth()[0]!.stats).toMatchObject({ unmapped: 0 });
  });

  it('a retained allow-list reaches a gate that connects after it was sent', async () => {
    const list = JSON.stringify({ version: 3, issuedAt: 1, validUntil: 2, entries: [], sig: 'x' });
    await hub.supervisor.send('gate-b', 'allowlist', list, { retain: true });
    await hub.supervisor.send('gate-b', 'decision', '{"nonce":"stale"}'); // not retained: lost
    const gate = keep(await connectDevice(hub, port, 'gate-b-ctl'));
    const got = nextMessage(gate, topic('gate-b', 'allowlist'));
    const decisions: string[] = [];
    gate.on('message', (t, p) => t.endsWith('/decision') && decisions.push(p.toString()));
    await gate.subscribeAsync([topic('gate-b', 'allowlist'), topic('gate-b', 'decision')], { qos: 1 });
    expect(await got).toEqual({ payload: list, retain: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(decisions).toEqual([]);
  });

  it('a gate may not publish on another gate’s channels nor listen to its decisions', async () => {
    const a = keep(await connectDevice(hub, port, 'gate-a-ctl'));
    const before = device(hub, 'gate-a-ctl').denied;
    await a.publishAsync(topic('gate-b', 'scan'), '{"nonce":"forged"}', { qos: 1 });
    await a.publishAsync(topic('gate-b', 'sync'), '{"events":[]}', { qos: 1 });
    await waitFor(() => device(hub, 'gate-a-ctl').denied.publish === before.publish + 2);
    const spy = await a
      .subscribeAsync([topic('gate-b', 'decision'), topic('gate-b', 'allowlist')])
      .catch((e: { packet?: { granted: number[] } }) => e);
    expect((spy as { packet: { granted: number[] } }).packet.granted).toEqual([128, 128]);
    expect(device(hub, 'gate-a-ctl').denied.subscribe).toBe(before.subscribe + 2);
    expect(device(hub, 'gate-a-ctl').lastDenied).toMatchObject({ kind: 'subscribe' });
    // a sensor may not speak for a gate either
    const env = keep(await connectDevice(hub, port, 'env-1'));
    await env.publishAsync(topic('gate-a', 'scan'), '{"nonce":"forged"}', { qos: 1 });
    await waitFor(() => device(hub, 'env-1').denied.publish === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([]);
    expect(a.connected).toBe(true);
  });

  it('an oversize scan is counted malformed and never reaches the bus', async () => {
    const gate = keep(await connectDevice(hub, port, 'gate-a-ctl'));
    const before = device(hub, 'gate-a-ctl').malformed;
    await gate.publishAsync(
      topic('gate-a', 'scan'),
      JSON.stringify({ nonce: 'big', pad: 'x'.repeat(2_000) }),
      {
        qos: 1,
      },
    );
    await gate.publishAsync(topic('gate-a', 'scan'), '{"nonce":"ok"}', { qos: 1 });
    await waitFor(() => heard.length === 1);
    expect(heard[0]!.payload.toString()).toBe('{"nonce":"ok"}');
    expect(device(hub, 'gate-a-ctl').malformed).toBe(before + 1);
    expect(device(hub, 'gate-a-ctl').lastMalformed).toMatchObject({
      topic: topic('gate-a', 'scan'),
      reason: expect.stringMatching(/^oversize: 20\d\d bytes > 1024/),
    });
  });

  it('the generated mosquitto ACL gives each gate controller its own channels, and the hub the rest', () => {
    const acl = mosquittoAcl(hub.site, 'facility-hub');
    expect(acl).toContain(
      [
        'user gate-a-ctl',
        'topic write site/t1/gate-a/door',
        'topic write site/t1/gate-a/passage',
        'topic write site/t1/gate-a/scan',
        'topic write site/t1/gate-a/status',
        'topic write site/t1/gate-a/sync',
        'topic write site/t1/gate-a/telemetry',
        'topic read site/t1/gate-a/allowlist',
        'topic read site/t1/gate-a/decision',
        '',
      ].join('\n'),
    );
    expect(acl).toContain('topic read site/t1/gate-b/scan\n');
    expect(acl).toContain('topic write site/t1/gate-b/allowlist\n');
    expect(acl).not.toMatch(/user env-1\n[^#]*gate-/);
  });
});

describe('gate channels in the site file', () => {
  it('a point may not use a gate channel’s topic', () => {
    const yaml = gateSiteYaml('{ mode: embedded }').replace(
      '[{ name: door_open, type: boolean, kind: state }] }',
      '[{ name: door_open, type: boolean, kind: state, topic: site/t1/gate-a/scan }] }',
    );
    expect(() => parseSiteText(yaml, 's.yaml')).toThrow(/topic site\/t1\/gate-a\/scan is a gate channel/);
  });
});

describe('gate channels through an external mosquitto with the generated ACL', () => {
  let broker: Mosquitto;
  let hub: Hub;
  const passwords: Record<string, string> = {
    'facility-hub': 'hub-secret-1234',
    'gate-a-ctl': 'gate-a-secret-1234',
  };
  const connect = (user: string) =>
    mqtt.connectAsync(broker.url, {
      clientId: user,
      username: user,
      password: passwords[user],
      reconnectPeriod: 0,
    });

  beforeAll(async () => {
    const passwd = requireBinary('mosquitto_passwd', 'apt-get install -y mosquitto');
    const dir = tempDataDir();
    const aclFile = join(dir, 'acl');
    const passwordFile = join(dir, 'passwd');
    writeFileSync(
      aclFile,
      mosquittoAcl(parseSiteText(gateSiteYaml('{ mode: embedded }'), 's.yaml'), 'facility-hub'),
    );
    writeFileSync(passwordFile, '');
    for (const [user, pw] of Object.entries(passwords)) execFileSync(passwd, ['-b', passwordFile, user, pw]);
    broker = await startMosquitto([
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
    ]);
    const yaml = gateSiteYaml(`{ mode: external, url: '${broker.url}', clientId: hub-gates }`);
    const site = parseSiteText(yaml, 's.yaml', {
      HUB_MQTT_USERNAME: 'facility-hub',
      HUB_MQTT_PASSWORD: passwords['facility-hub'],
    });
    hub = await buildHub(testHubOptions(site, { live: false }));
    await hub.start();
    await waitFor(() => hub.supervisor.linkHealth()[0]?.state === 'up');
  });
  afterAll(async () => {
    await hub?.stop();
    await broker?.stop();
  });

  it('scans arrive on the bus, decisions and a retained allow-list reach the gate', async () => {
    const heard: DeviceMessage[] = [];
    hub.bus.on('device.message', (m) => heard.push(m));
    const gate = await connect('gate-a-ctl');
    try {
      await gate.subscribeAsync(topic('gate-a', 'decision'), { qos: 1 });
      await gate.publishAsync(topic('gate-a', 'scan'), '{"nonce":"e1"}', { qos: 1 });
      await waitFor(() => heard.length === 1);
      expect(text(heard[0]!)).toMatchObject({
        assetId: 'gate-a',
        channel: 'scan',
        payload: '{"nonce":"e1"}',
      });
      const got = nextMessage(gate, topic('gate-a', 'decision'));
      await hub.supervisor.send('gate-a', 'decision', '{"nonce":"e1","decision":"open"}');
      expect(await got).toEqual({ payload: '{"nonce":"e1","decision":"open"}', retain: false });

      await hub.supervisor.send('gate-a', 'allowlist', '{"version":1}', { retain: true });
      const later = nextMessage(gate, topic('gate-a', 'allowlist'));
      await gate.subscribeAsync(topic('gate-a', 'allowlist'), { qos: 1 });
      expect(await later).toEqual({ payload: '{"version":1}', retain: true });
    } finally {
      await gate.endAsync(true);
    }
  });
});
