import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoAcl } from '../adapters/mqtt/mosquitto-acl.js';
import type { MqttDriver } from '../adapters/mqtt/mqtt-driver.js';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { connectDevice, login, TEST_ADMIN, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import {
  freePort,
  type Mosquitto,
  makePki,
  requireBinary,
  startMosquitto,
  type TestPki,
} from './services.js';
import { testSiteYaml } from './site-fixtures.js';

const ENV1_TOPIC = 'site/t1/room-1/telemetry';
const GATE_TOPIC = 'site/t1/gate-a/telemetry';
const GATE_COMMAND = 'site/t1/gate-a/command';

/** Connect and resolve to the client, or to the error the broker answered with. */
function tryConnect(url: string, opts: IClientOptions): Promise<MqttClient | Error> {
  return mqtt
    .connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts })
    .catch((e: Error) => e);
}

const device = (hub: Hub, id: string) => hub.supervisor.deviceHealth().find((d) => d.deviceId === id)!;

describe('embedded broker: device logins and topic ACLs', () => {
  let hub: Hub;
  let pki: TestPki;
  let port: number;
  let tlsPort: number;
  let url: string;
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient) => {
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = makePki();
    port = await freePort();
    tlsPort = await freePort();
    const mqttYaml = `{ mode: embedded, host: 127.0.0.1, port: ${port}, maxPayloadBytes: 65536, tls: { port: ${tlsPort}, certFile: '${pki.serverCert}', keyFile: '${pki.serverKey}', caFile: '${pki.caFile}' } }`;
    hub = await buildHub(
      testHubOptions(parseSiteText(testSiteYaml({ mqtt: mqttYaml }), 's.yaml'), { live: false }),
    );
    await hub.start();
    url = `mqtt://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(() => hub?.stop());

  it('refuses clients without the right password, and counts each refusal against the device it claimed', async () => {
    const env1 = hub.deviceCredentials.issue(SYSTEM, 'env-1').password;
    const env2 = hub.deviceCredentials.issue(SYSTEM, 'env-2').password;
    const refusals = [
      await tryConnect(url, { clientId: 'anon' }),
      await tryConnect(url, { username: 'env-1', password: 'guessed-password' }),
      await tryConnect(url, { username: 'env-1', password: env2 }), // another device's password
      await tryConnect(url, { username: 'chiller-9', password: env1 }), // no such device
    ];
    for (const r of refusals) {
      expect(r).toBeInstanceOf(Error);
      expect((r as Error & { code: number }).code).toBe(4); // bad username or password
    }
    expect(device(hub, 'env-1').denied).toEqual({ login: 2, publish: 0, subscribe: 0 });
    expect(device(hub, 'env-1').lastDenied).toMatchObject({
      kind: 'login',
      detail: expect.stringMatching(/^wrong password \(client id/),
    });
    expect(hub.supervisor.unknownClientDenials().login).toBe(2);
    expect(hub.supervisor.linkHealth()[0]!.stats).toMatchObject({ loginsRefused: 4 });
    const admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    const metrics = (await hub.http.inject({ url: '/metrics', headers: admin.headers })).body;
    expect(metrics).toMatch(/^hub_device_denied_total\{device="env-1",kind="login"\} 2$/m);
    expect(metrics).toMatch(/^hub_device_denied_total\{device="",kind="login"\} 2$/m);
    const ok = keep((await tryConnect(url, { username: 'env-1', password: env1 })) as MqttClient);
    expect(ok.connected).toBe(true);
  });

  it('a device publishes only its own topics: another device’s topic is refused, counted, and changes nothing', async () => {
    const env1 = keep(await connectDevice(hub, port, 'env-1'));
    await env1.publishAsync(GATE_TOPIC, JSON.stringify({ door_open: true, last_card: 'FORGED' }));
    await env1.publishAsync(ENV1_TOPIC, JSON.stringify({ temp_c: 22.5 }));
    await waitFor(() => hub.latest.get('room-1/temp_c')?.value === 22.5);
    expect(hub.latest.get('gate-a/door_open')?.value).toBeNull();
    expect(hub.latest.get('gate-a/last_card')?.value).toBeNull();
    expect(env1.connected).toBe(true);
    expect(device(hub, 'env-1').denied.publish).toBe(1);
    expect(device(hub, 'env-1').lastDenied).toMatchObject({ kind: 'publish', detail: `topic ${GATE_TOPIC}` });
    expect(device(hub, 'gate-ctl').readings).toBe(0);
    // nor may it publish a retained message where the gate's last will would go, or on a $ topic
    await env1.publishAsync('site/t1/gate-a/status', 'offline', { retain: true, qos: 1 });
    await env1.publishAsync('$SYS/broker/uptime', '0');
    await waitFor(() => device(hub, 'env-1').denied.publish === 3);
  });

  it('a device subscribes only to its own command topic and hears the commands meant for it', async () => {
    const gate = keep(await connectDevice(hub, port, 'gate-ctl'));
    const env1 = keep(await connectDevice(hub, port, 'env-1'));
    const env1Heard: string[] = [];
    env1.on('message', (topic) => env1Heard.push(topic));
    // refused in the SUBACK (mqtt.js turns an all-refused SUBACK into an error)
    const spy = await env1
      .subscribeAsync([GATE_COMMAND, 'site/#'])
      .catch((e: { packet?: { granted: number[] } }) => e);
    expect((spy as { packet: { granted: number[] } }).packet.granted).toEqual([128, 128]);
    expect(env1.connected).toBe(true);
    expect(device(hub, 'env-1').denied.subscribe).toBe(2);
    const own = await gate.subscribeAsync(GATE_COMMAND, { qos: 1 });
    expect(own[0]!.qos).toBe(1);
    const heard = new Promise<string>((resolve) => gate.on('message', (_t, p) => resolve(p.toString())));
    await hub.commands.write(
      { actor: 'guard', via: 'session', permissions: new Set(['gate:command']) },
      'gate-a/open_cmd',
      true,
    );
    expect(JSON.parse(await heard)).toMatchObject({ point: 'open_cmd', value: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(env1Heard).toEqual([]);
  });

  it('a declared client id belongs to its device: nobody else can take over its session', async () => {
    const env1 = keep(await connectDevice(hub, port, 'env-1')); // clientId env-1, declared in the site file
    const env2Password = hub.deviceCredentials.issue(SYSTEM, 'env-2').password;
    const takeover = await tryConnect(url, { clientId: 'env-1', username: 'env-2', password: env2Password });
    expect((takeover as Error & { code: number }).code).toBe(2); // identifier rejected
    await new Promise((r) => setTimeout(r, 100));
    expect(env1.connected).toBe(true);
  });

  it('issuing a new password disconnects the device; the old one stops working', async () => {
    const old = hub.deviceCredentials.issue(SYSTEM, 'gate-ctl').password;
    const gate = keep(
      (await tryConnect(url, { clientId: 'gate-ctl', username: 'gate-ctl', password: old })) as MqttClient,
    );
    const closed = new Promise<void>((r) => gate.once('close', () => r()));
    const fresh = hub.deviceCredentials.issue(SYSTEM, 'gate-ctl').password;
    await closed;
    expect(
      await tryConnect(url, { clientId: 'gate-ctl', username: 'gate-ctl', password: old }),
    ).toBeInstanceOf(Error);
    keep(
      (await tryConnect(url, { clientId: 'gate-ctl', username: 'gate-ctl', password: fresh })) as MqttClient,
    );
    expect(hub.audit.query({ target: 'gate-ctl', limit: 2 }).map((e) => e.action)).toEqual([
      'device.credentials-rotated',
      'device.credentials-rotated',
    ]);
  });

  it('over TLS a device may log in with a client certificate whose CN is its id, and the same ACL holds', async () => {
    const tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
    const ca = readFileSync(pki.caFile);
    const { cert, key } = pki.client('env-1');
    const env1 = keep(
      (await tryConnect(tlsUrl, {
        clientId: 'env-1',
        ca,
        cert: readFileSync(cert),
        key: readFileSync(key),
      })) as MqttClient,
    );
    expect(env1.connected).toBe(true);
    await env1.publishAsync(ENV1_TOPIC, JSON.stringify({ temp_c: 24.25 }));
    await waitFor(() => hub.latest.get('room-1/temp_c')?.value === 24.25);
    const before = device(hub, 'env-1').denied.publish;
    await env1.publishAsync(GATE_TOPIC, JSON.stringify({ door_open: true }));
    await waitFor(() => device(hub, 'env-1').denied.publish === before + 1);

    // a certificate from another CA proves nothing: no password, no entry
    const rogue = pki.client('env-1', { rogue: true });
    const refused = await tryConnect(tlsUrl, {
      clientId: 'env-1',
      ca,
      cert: readFileSync(rogue.cert),
      key: readFileSync(rogue.key),
    });
    expect((refused as Error & { code: number }).code).toBe(4);
    // TLS without a certificate, with the device password, works too
    const password = hub.deviceCredentials.issue(SYSTEM, 'env-2').password;
    const env2 = keep((await tryConnect(tlsUrl, { ca, username: 'env-2', password })) as MqttClient);
    expect(env2.connected).toBe(true);
  });

  it('an oversize PUBLISH is dropped before it is buffered, counted, and the device carries on', async () => {
    const env1 = keep(await connectDevice(hub, port, 'env-1'));
    const before = device(hub, 'env-1').malformed;
    env1.publish(ENV1_TOPIC, JSON.stringify({ temp_c: 1, pad: 'x'.repeat(2 * 1024 * 1024) }));
    await env1.publishAsync(ENV1_TOPIC, JSON.stringify({ temp_c: 26.5 }));
    await waitFor(() => hub.latest.get('room-1/temp_c')?.value === 26.5);
    expect(env1.connected).toBe(true);
    expect(device(hub, 'env-1').malformed).toBe(before + 1);
    expect(device(hub, 'env-1').lastMalformed).toMatchObject({
      topic: ENV1_TOPIC,
      reason: expect.stringMatching(/^oversize 2097\d{3} bytes > 65536/),
    });
  });
});

describe('embedded broker settings', () => {
  it('requireClientCert refuses TLS clients without a certificate; plaintext: false opens no TCP listener', async () => {
    const pki = makePki();
    const tlsPort = await freePort();
    const plainPort = await freePort();
    const yaml = `{ mode: embedded, host: 127.0.0.1, port: ${plainPort}, plaintext: false, tls: { port: ${tlsPort}, certFile: '${pki.serverCert}', keyFile: '${pki.serverKey}', caFile: '${pki.caFile}', requireClientCert: true } }`;
    const hub = await buildHub(
      testHubOptions(parseSiteText(testSiteYaml({ mqtt: yaml }), 's.yaml'), { live: false }),
    );
    await hub.start();
    try {
      const ca = readFileSync(pki.caFile);
      const password = hub.deviceCredentials.issue(SYSTEM, 'env-1').password;
      const noCert = await tryConnect(`mqtts://127.0.0.1:${tlsPort}`, { ca, username: 'env-1', password });
      expect(noCert).toBeInstanceOf(Error);
      const { cert, key } = pki.client('env-1');
      const ok = await tryConnect(`mqtts://127.0.0.1:${tlsPort}`, {
        ca,
        cert: readFileSync(cert),
        key: readFileSync(key),
      });
      expect((ok as MqttClient).connected).toBe(true);
      await (ok as MqttClient).endAsync();
      expect(
        await tryConnect(`mqtt://127.0.0.1:${plainPort}`, { username: 'env-1', password }),
      ).toBeInstanceOf(Error);
      const adapterPorts = (
        hub.supervisor as unknown as { links: Map<string, { driver: MqttDriver }> }
      ).links.get('mqtt')!.driver.ports;
      expect(adapterPorts).toEqual({ tls: tlsPort });
    } finally {
      await hub.stop();
    }
  });

  it('anonymous: true lets any client in (a lab setting) and says so in the log', async () => {
    const port = await freePort();
    const hub = await buildHub(
      testHubOptions(
        parseSiteText(
          testSiteYaml({ mqtt: `{ mode: embedded, host: 127.0.0.1, port: ${port}, anonymous: true }` }),
          's.yaml',
        ),
        {
          live: false,
        },
      ),
    );
    await hub.start();
    try {
      const c = (await tryConnect(`mqtt://127.0.0.1:${port}`, { clientId: 'env-1' })) as MqttClient;
      await c.publishAsync(GATE_TOPIC, JSON.stringify({ door_open: false }));
      await waitFor(() => hub.latest.get('gate-a/door_open')?.value === false);
      await c.endAsync();
    } finally {
      await hub.stop();
    }
  });
});

describe('external mosquitto with the generated ACL', () => {
  let broker: Mosquitto;
  let hub: Hub;
  const passwords: Record<string, string> = {
    'facility-hub': 'hub-secret-1234',
    'env-1': 'env1-secret-1234',
    'gate-ctl': 'gate-secret-1234',
  };

  beforeAll(async () => {
    const passwd = requireBinary('mosquitto_passwd', 'apt-get install -y mosquitto');
    const dir = tempDataDir();
    const site = parseSiteText(testSiteYaml(), 's.yaml');
    const aclFile = join(dir, 'acl');
    const passwordFile = join(dir, 'passwd');
    writeFileSync(aclFile, mosquittoAcl(site, 'facility-hub'));
    writeFileSync(passwordFile, '');
    for (const [user, pw] of Object.entries(passwords)) execFileSync(passwd, ['-b', passwordFile, user, pw]);
    broker = await startMosquitto([
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
    ]);
    const yaml = testSiteYaml({ mqtt: `{ mode: external, url: '${broker.url}', clientId: hub-acl }` });
    hub = await buildHub(
      testHubOptions(
        parseSiteText(yaml, 's.yaml', {
          HUB_MQTT_USERNAME: 'facility-hub',
          HUB_MQTT_PASSWORD: passwords['facility-hub'],
        }),
        {
          live: false,
        },
      ),
    );
    await hub.start();
    await waitFor(() => hub.supervisor.linkHealth()[0]?.state === 'up');
  });
  afterAll(async () => {
    await hub?.stop();
    await broker?.stop();
  });

  it('the generated acl_file lists each device’s own topics', () => {
    const acl = mosquittoAcl(hub.site, 'facility-hub');
    expect(acl).toContain(
      'user env-1\ntopic write site/t1/room-1/status\ntopic write site/t1/room-1/telemetry\n',
    );
    expect(acl).toContain(
      [
        'user gate-ctl',
        // the gate controller's channels (scan, door, passage, sync; decision and allowlist) come with its gate
        'topic write site/t1/gate-a/door',
        'topic write site/t1/gate-a/passage',
        'topic write site/t1/gate-a/scan',
        'topic write site/t1/gate-a/status',
        'topic write site/t1/gate-a/sync',
        'topic write site/t1/gate-a/telemetry',
        'topic read site/t1/gate-a/allowlist',
        'topic read site/t1/gate-a/command',
        'topic read site/t1/gate-a/decision',
        '',
      ].join('\n'),
    );
    expect(acl).toContain('user facility-hub\ntopic read $SYS/broker/publish/messages/dropped\n');
  });

  it('mosquitto enforces the same rules: a device’s forged topic never reaches the hub; wrong passwords are refused', async () => {
    const env1 = (await tryConnect(broker.url, {
      clientId: 'env-1',
      username: 'env-1',
      password: passwords['env-1'],
    })) as MqttClient;
    await env1.publishAsync(GATE_TOPIC, JSON.stringify({ door_open: true }), { qos: 1 });
    await env1.publishAsync(ENV1_TOPIC, JSON.stringify({ temp_c: 20.5 }), { qos: 1 });
    await waitFor(() => hub.latest.get('room-1/temp_c')?.value === 20.5);
    expect(hub.latest.get('gate-a/door_open')?.value).toBeNull();
    const bad = await tryConnect(broker.url, {
      clientId: 'x',
      username: 'env-1',
      password: 'wrong-password',
    });
    expect(bad).toBeInstanceOf(Error);
    expect(await tryConnect(broker.url, { clientId: 'y' })).toBeInstanceOf(Error);
    await env1.endAsync();
  });
});
