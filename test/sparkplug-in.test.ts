import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { newClient, type UPayload } from 'sparkplug-client';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoAcl } from '../adapters/mqtt/mosquitto-acl.js';
import type { SparkplugBrowse } from '../adapters/mqtt/sparkplug-in.js';
import { SYSTEM } from '../core/actor.js';
import type { Reading } from '../core/model/reading.js';
import type { SiteModel } from '../core/model/site-model.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { importGraph } from './import-graph.js';
import { freePort, type Mosquitto, requireBinary, startMosquitto } from './services.js';

/**
 * Sparkplug B in: a third-party edge node, played by Eclipse Tahu's own JavaScript edge client (`sparkplug-client`,
 * its own mqtt.js 4 and Tahu's payload codec: nothing of ours), publishing to a site hub through the embedded aedes
 * broker and through a real mosquitto with the generated ACL.
 */

// Tahu's codec, to forge what the Tahu client would not send (a stale death certificate, data before a birth)
const tahuCodec = sparkplugPayload.get('spBv1.0')!;

const GROUP = 'Plant';
const NODE = 'PLC1';

function siteYaml(mqttYaml: string): string {
  return `
site: { id: sp1, name: Sparkplug site }
hub:
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${tempDataDir()}
  logLevel: silent
mqtt: ${mqttYaml}
zones:
  - { id: plant, name: Plant, kind: building }
devices:
  - id: plc-1
    protocol: mqtt
    clientId: plc-1
    sparkplug: { groupId: ${GROUP}, edgeNodeId: ${NODE}, rebirthHoldoffMs: 400, primaryHostId: scada-hub }
  - { id: env-1, protocol: mqtt }
assets:
  - id: boiler-1
    name: Boiler 1
    kind: boiler
    zone: plant
    device: plc-1
    points:
      - { name: supply_temp_c, unit: degC, metric: Inputs/Temperature, sparkplugDevice: boiler, intervalMs: 1000 }
      - { name: running, type: boolean, kind: state, metric: Outputs/Running, sparkplugDevice: boiler, intervalMs: 1000 }
      - { name: supply_sp_c, unit: degC, kind: command, min: 20, max: 90, metric: Setpoints/Supply, sparkplugDevice: boiler }
  - id: plc-panel
    name: PLC panel
    kind: generic
    zone: plant
    device: plc-1
    points:
      - { name: uptime_s, unit: s, metric: Node/Uptime, intervalMs: 1000 }
      - { name: mode, type: string, kind: state, metric: Node/Mode, intervalMs: 1000 }
      - { name: mode_cmd, type: string, kind: command, metric: Node/Mode }
  - id: room-1
    name: Room 1
    kind: env-sensor
    zone: plant
    device: env-1
    points:
      - { name: temp_c, unit: degC, intervalMs: 1000 }
`;
}

const NODE_METRICS = (uptime: number) => [
  { name: 'Node/Uptime', alias: 1, type: 'Int64', value: uptime },
  { name: 'Node/Mode', alias: 2, type: 'String', value: 'auto' },
  { name: 'Node/Firmware', alias: 3, type: 'String', value: '4.2.1' },
  { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
];
const BOILER_METRICS = (temp: number) => [
  {
    name: 'Inputs/Temperature',
    alias: 10,
    type: 'Float',
    value: temp,
    properties: { engUnit: { type: 'String', value: 'degC' } },
  },
  { name: 'Outputs/Running', alias: 11, type: 'Boolean', value: true },
  { name: 'Setpoints/Supply', alias: 12, type: 'Float', value: 60 },
  {
    name: 'Inputs/Flow Rate',
    alias: 13,
    type: 'Double',
    value: 2.5,
    properties: { engUnit: { type: 'String', value: 'm3/h' } },
  },
];

type TahuClient = ReturnType<typeof newClient>;

/** A Tahu edge node that births on connect and again on every Rebirth command, and records its commands. */
interface Peer {
  client: TahuClient;
  births: number;
  ncmd: UPayload[];
  dcmd: { device: string; payload: UPayload }[];
  connected: Promise<void>;
}

function tahuNode(
  serverUrl: string,
  creds: { username: string; password: string },
  clientId = 'plc-1',
): Peer {
  const client = newClient({
    serverUrl,
    username: creds.username,
    password: creds.password,
    groupId: GROUP,
    edgeNode: NODE,
    clientId,
    keepalive: 2,
    mqttOptions: { reconnectPeriod: 0 },
  });
  const peer: Peer = {
    client,
    births: 0,
    ncmd: [],
    dcmd: [],
    connected: new Promise((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    }),
  };
  const birth = () => {
    peer.births++;
    client.publishNodeBirth({ timestamp: Date.now(), metrics: NODE_METRICS(1000 + peer.births) } as UPayload);
    client.publishDeviceBirth('boiler', { timestamp: Date.now(), metrics: BOILER_METRICS(61.5) } as UPayload);
  };
  client.on('birth', birth);
  client.on('ncmd', (payload) => {
    peer.ncmd.push(payload);
    if (payload.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true)) birth();
  });
  client.on('dcmd', (device, payload) => peer.dcmd.push({ device, payload }));
  return peer;
}

/** The private mqtt.js client inside Tahu's (to cut its connection as a crash would). */
function socketOf(peer: Peer): { destroy(): void } {
  return (peer.client as unknown as { client: { stream: { destroy(): void } } }).client.stream;
}

const deviceState = (hub: Hub, id: string) => hub.supervisor.deviceHealth().find((d) => d.deviceId === id);
const linkStats = (hub: Hub) => hub.supervisor.linkHealth()[0]!.stats as Record<string, number>;
const latest = (hub: Hub, id: string) => hub.latest.get(id);

function browse(hub: Hub): Promise<SparkplugBrowse> {
  return hub.supervisor.browse('plc-1', {}) as Promise<SparkplugBrowse>;
}

/** Every reading accepted, per hub. */
const accepted = new WeakMap<Hub, Reading[]>();

async function startHub(site: SiteModel): Promise<Hub> {
  const hub = await buildHub(testHubOptions(site, { live: false }));
  const readings: Reading[] = [];
  accepted.set(hub, readings);
  hub.bus.on('readings.accepted', (batch) => readings.push(...batch.map((r) => ({ ...r }))));
  await hub.start();
  return hub;
}

describe('Sparkplug B edge node (Eclipse Tahu client) on the embedded broker', () => {
  let hub: Hub;
  let url: string;
  let creds: { username: string; password: string };
  let peer: Peer;
  const stopPeer = () => {
    try {
      peer.client.stop();
    } catch {}
  };

  beforeAll(async () => {
    const port = await freePort();
    hub = await startHub(
      parseSiteText(siteYaml(`{ mode: embedded, host: 127.0.0.1, port: ${port} }`), 'sp.yaml'),
    );
    url = `mqtt://127.0.0.1:${port}`;
    creds = { username: 'plc-1', password: hub.deviceCredentials.issue(SYSTEM, 'plc-1').password };
    await waitFor(() => hub.supervisor.linkHealth()[0]?.state === 'up');
  });
  afterAll(async () => {
    stopPeer();
    await hub?.stop();
  });

  it('births define the metrics: node and device values reach their points, the device is online', async () => {
    peer = tahuNode(url, creds);
    await peer.connected;
    await waitFor(
      () => latest(hub, 'boiler-1/supply_temp_c')?.value === 61.5,
      5_000,
      () => JSON.stringify(latest(hub, 'boiler-1/supply_temp_c')),
    );
    expect(latest(hub, 'boiler-1/running')).toMatchObject({ value: true, quality: 'good' });
    expect(latest(hub, 'plc-panel/uptime_s')).toMatchObject({ value: 1001, quality: 'good' });
    expect(latest(hub, 'plc-panel/mode')).toMatchObject({ value: 'auto', quality: 'good' });
    await waitFor(() => deviceState(hub, 'plc-1')?.state === 'online');
    expect(linkStats(hub)).toMatchObject({
      sparkplugNodes: 1,
      sparkplugNodesOnline: 1,
      rebirthsRequested: 0,
    });
  });

  it('the hub is the nodes’ primary host: its STATE is retained online (Sparkplug 3.0 JSON)', async () => {
    const watcher = await mqtt.connectAsync(url, { ...creds, clientId: 'plc-1-state', reconnectPeriod: 0 });
    const state = new Promise<{ topic: string; retain: boolean; body: unknown }>((resolve) =>
      watcher.on('message', (topic, payload, packet) =>
        resolve({ topic, retain: packet.retain, body: JSON.parse(payload.toString()) }),
      ),
    );
    await watcher.subscribeAsync('spBv1.0/STATE/scada-hub');
    expect(await state).toEqual({
      topic: 'spBv1.0/STATE/scada-hub',
      retain: true,
      body: { online: true, timestamp: expect.any(Number) },
    });
    await watcher.endAsync();
  });

  it('browse lists every metric of the births with alias and type, and a site-file snippet for the unmapped', async () => {
    const b = await browse(hub);
    expect(b).toMatchObject({
      groupId: GROUP,
      edgeNodeId: NODE,
      online: true,
      bdSeq: 0,
      devices: ['boiler'],
    });
    expect(b.metrics).toContainEqual(
      expect.objectContaining({
        sparkplugDevice: 'boiler',
        name: 'Inputs/Temperature',
        alias: 10,
        type: 'Float',
        unit: 'degC',
        value: 61.5,
        points: ['boiler-1/supply_temp_c'],
      }),
    );
    expect(b.unmapped).toEqual([
      { sparkplugDevice: undefined, name: 'Node/Firmware' },
      { sparkplugDevice: 'boiler', name: 'Inputs/Flow Rate' },
    ]);
    expect(b.snippet).toBe(
      [
        '- { name: node_firmware, metric: "Node/Firmware", type: string, kind: state }',
        '- { name: inputs_flow_rate, metric: "Inputs/Flow Rate", sparkplugDevice: "boiler" } # unit: m3/h',
      ].join('\n'),
    );
    // the snippet is valid site file: pasted under an asset it parses and maps the metrics
    const yaml = siteYaml('{ mode: embedded, host: 127.0.0.1, port: 0 }').replace(
      '      - { name: uptime_s',
      `${b.snippet
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n')}\n      - { name: uptime_s`,
    );
    const site = parseSiteText(yaml, 'pasted.yaml');
    expect(site.pointById.get('plc-panel/inputs_flow_rate')?.config).toMatchObject({
      metric: 'Inputs/Flow Rate',
      sparkplugDevice: 'boiler',
    });
    // and a device that is no Sparkplug node has no such diagnostics
    await expect(hub.supervisor.browse('env-1', {})).rejects.toThrow(/not a Sparkplug B edge node/);
    // the same over HTTP, for engineers
    const engineer = await sessionAs(hub, ['engineer']);
    const res = await hub.http.inject({
      url: '/api/v1/devices/plc-1/sparkplug/browse',
      headers: engineer.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ online: true, snippet: b.snippet });
    const other = await hub.http.inject({
      url: '/api/v1/devices/env-1/sparkplug/browse',
      headers: engineer.headers,
    });
    expect(other.statusCode).toBe(404);
  });

  it('data by alias only is resolved, with its own timestamp and quality', async () => {
    const ts = Date.now() - 500;
    peer.client.publishDeviceData('boiler', {
      timestamp: ts,
      metrics: [
        { alias: 10, type: 'Float', value: 63.25, timestamp: ts },
        {
          alias: 11,
          type: 'Boolean',
          value: false,
          timestamp: ts,
          properties: { Quality: { type: 'Int32', value: 64 } },
        },
      ],
    } as UPayload);
    peer.client.publishNodeData({
      timestamp: ts,
      metrics: [{ alias: 1, type: 'Int64', value: 1500 }],
    } as UPayload);
    await waitFor(() => latest(hub, 'plc-panel/uptime_s')?.value === 1500);
    // as they arrived (a steady value is passed on again later with the time it is passed on)
    const got = accepted.get(hub)!.filter((r) => r.ts === ts);
    expect(got.map((r) => [r.pointId, r.value, r.quality])).toEqual([
      ['boiler-1/supply_temp_c', 63.25, 'good'],
      ['boiler-1/running', false, 'uncertain'],
      ['plc-panel/uptime_s', 1500, 'good'],
    ]);
    expect(got[1]!.reason).toMatch(/Sparkplug Quality 64/);
    expect(linkStats(hub).seqGaps).toBe(0);
  });

  it('an unknown alias asks the node for a rebirth (once within the hold-off), and the rebirth restores the values', async () => {
    const before = peer.births;
    peer.client.publishDeviceData('boiler', {
      metrics: [{ alias: 99, type: 'Float', value: 1 }],
    } as UPayload);
    peer.client.publishDeviceData('boiler', {
      metrics: [{ alias: 98, type: 'Float', value: 1 }],
    } as UPayload);
    await waitFor(
      () => peer.births === before + 1,
      5_000,
      () => `births ${peer.births}`,
    );
    const rebirth = peer.ncmd.at(-1)!.metrics!;
    expect(rebirth).toEqual([
      expect.objectContaining({ name: 'Node Control/Rebirth', type: 'Boolean', value: true }),
    ]);
    await waitFor(() => latest(hub, 'boiler-1/supply_temp_c')?.value === 61.5);
    expect(linkStats(hub)).toMatchObject({ rebirthsRequested: 1, unknownAliases: 2 });
    expect(peer.ncmd).toHaveLength(1);
  });

  it('a seq gap asks for a rebirth', async () => {
    await new Promise((r) => setTimeout(r, 450)); // past the hold-off
    const before = peer.births;
    (peer.client as unknown as { seq: number }).seq += 3; // three messages "lost"
    peer.client.publishNodeData({ metrics: [{ alias: 1, type: 'Int64', value: 1600 }] } as UPayload);
    await waitFor(
      () => peer.births === before + 1,
      5_000,
      () => `births ${peer.births}`,
    );
    expect(linkStats(hub)).toMatchObject({ seqGaps: 1, rebirthsRequested: 2 });
    // (the birth is out before the hub has read it)
    await waitFor(() => latest(hub, 'plc-panel/uptime_s')?.value === 1000 + peer.births);
  });

  it('writes go out as DCMD (device metric) and NCMD (node metric) by name, in the birth’s type', async () => {
    await hub.supervisor.write(hub.site.pointById.get('boiler-1/supply_sp_c')!, 72.5, 8);
    await hub.supervisor.write(hub.site.pointById.get('plc-panel/mode_cmd')!, 'manual', 8);
    await waitFor(() => peer.dcmd.length === 1 && peer.ncmd.length === 3);
    expect(peer.dcmd[0]!.device).toBe('boiler');
    expect(peer.dcmd[0]!.payload.metrics).toEqual([
      expect.objectContaining({ name: 'Setpoints/Supply', type: 'Float', value: 72.5 }),
    ]);
    expect(peer.ncmd.at(-1)!.metrics).toEqual([
      expect.objectContaining({ name: 'Node/Mode', type: 'String', value: 'manual' }),
    ]);
  });

  it('DDEATH makes the device’s points bad; a DBIRTH brings them back', async () => {
    peer.client.publishDeviceDeath('boiler', { timestamp: Date.now(), metrics: [] } as UPayload);
    await waitFor(() => latest(hub, 'boiler-1/supply_temp_c')?.quality === 'bad');
    expect(latest(hub, 'boiler-1/running')?.quality).toBe('bad');
    expect(latest(hub, 'plc-panel/uptime_s')?.quality).toBe('good');
    await expect(
      hub.supervisor.write(hub.site.pointById.get('boiler-1/supply_sp_c')!, 70, 8),
    ).rejects.toThrow(/device boiler of Plant\/PLC1 is offline/);
    peer.client.publishDeviceBirth('boiler', {
      timestamp: Date.now(),
      metrics: BOILER_METRICS(64),
    } as UPayload);
    await waitFor(() => latest(hub, 'boiler-1/supply_temp_c')?.value === 64);
    expect(latest(hub, 'boiler-1/supply_temp_c')?.quality).toBe('good');
  });

  it('a steady value is passed on once per interval while the node lives (report by exception)', async () => {
    const ts0 = latest(hub, 'plc-panel/mode')!.ts ?? 0;
    await waitFor(() => (latest(hub, 'plc-panel/mode')!.ts ?? 0) > ts0, 3_000);
    expect(latest(hub, 'plc-panel/mode')).toMatchObject({ value: 'auto', quality: 'good' });
    expect(deviceState(hub, 'plc-1')?.state).toBe('online');
  });

  it('a death certificate of an older session is ignored; the node’s own (its MQTT will) makes it offline', async () => {
    // a late will of session bdSeq 7, sent on a second connection of the same device
    const late = await mqtt.connectAsync(url, { ...creds, clientId: 'plc-1-old', reconnectPeriod: 0 });
    const stale = tahuCodec.encodePayload({
      timestamp: Date.now(),
      metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }],
    });
    await late.publishAsync(`spBv1.0/${GROUP}/NDEATH/${NODE}`, Buffer.from(stale), { qos: 1 });
    await waitFor(() => linkStats(hub).staleDeaths === 1);
    expect(deviceState(hub, 'plc-1')?.state).toBe('online');
    expect(latest(hub, 'boiler-1/supply_temp_c')?.quality).toBe('good');
    // the ACL: a node publishes only its own node's topics and subscribes only to its commands and STATE
    await late.publishAsync(`spBv1.0/${GROUP}/NDATA/PLC2`, Buffer.from(stale), { qos: 1 });
    await late.publishAsync(`spBv1.0/${GROUP}/DCMD/${NODE}/boiler`, Buffer.from(stale), { qos: 1 });
    await waitFor(() => deviceState(hub, 'plc-1')!.denied.publish === 2);
    // (mqtt.js rejects a SUBACK with any refusal in it)
    const granted = await late
      .subscribeAsync([`spBv1.0/${GROUP}/NCMD/${NODE}`, 'spBv1.0/STATE/+', 'spBv1.0/#'])
      .then(
        (g) => g.map((x) => x.qos),
        (e: { packet: { granted: number[] } }) => e.packet.granted,
      );
    expect(granted).toEqual([0, 0, 128]);
    expect(deviceState(hub, 'plc-1')!.denied.subscribe).toBe(1);
    await late.endAsync();

    // the node crashes: the broker sends its will, NDEATH with bdSeq 0
    const lostBefore = deviceState(hub, 'plc-1')!.lost;
    socketOf(peer).destroy();
    await waitFor(() => deviceState(hub, 'plc-1')?.state === 'offline', 5_000);
    expect(deviceState(hub, 'plc-1')!.lost).toBe(lostBefore + 1);
    await waitFor(() => latest(hub, 'plc-panel/uptime_s')?.quality === 'bad');
    expect(latest(hub, 'boiler-1/supply_temp_c')?.quality).toBe('bad');
    expect(linkStats(hub).sparkplugNodesOnline).toBe(0);
    await expect(
      hub.supervisor.write(hub.site.pointById.get('plc-panel/mode_cmd')!, 'auto', 8),
    ).rejects.toThrow(/edge node Plant\/PLC1 is offline/);
  });

  it('data before a birth asks for one; the node comes back online with its next birth', async () => {
    const raw = await mqtt.connectAsync(url, { ...creds, clientId: 'plc-1-raw', reconnectPeriod: 0 });
    const heard: string[] = [];
    raw.on('message', (topic, payload) => {
      const metrics = tahuCodec.decodePayload(payload).metrics ?? [];
      heard.push(`${topic} ${metrics.map((m) => `${m.name}=${m.value}`).join(',')}`);
    });
    await raw.subscribeAsync(`spBv1.0/${GROUP}/NCMD/${NODE}`);
    const before = linkStats(hub).rebirthsRequested!;
    const data = tahuCodec.encodePayload({ seq: 5, metrics: [{ alias: 1, type: 'Int64', value: 1 }] });
    await raw.publishAsync(`spBv1.0/${GROUP}/NDATA/${NODE}`, Buffer.from(data), { qos: 1 });
    await waitFor(() => heard.length === 1);
    expect(heard).toEqual([`spBv1.0/${GROUP}/NCMD/${NODE} Node Control/Rebirth=true`]);
    expect(linkStats(hub).rebirthsRequested).toBe(before + 1);
    expect(latest(hub, 'plc-panel/uptime_s')?.quality).toBe('bad'); // nothing believed before the birth
    await raw.endAsync();

    peer = tahuNode(url, creds);
    await peer.connected;
    await waitFor(() => deviceState(hub, 'plc-1')?.state === 'online', 5_000);
    await waitFor(() => latest(hub, 'boiler-1/supply_temp_c')?.quality === 'good');
    expect(latest(hub, 'boiler-1/supply_temp_c')?.value).toBe(61.5);
  });

  it('a malformed payload is counted against the node, not a crash', async () => {
    const raw = await mqtt.connectAsync(url, { ...creds, clientId: 'plc-1-junk', reconnectPeriod: 0 });
    await raw.publishAsync(`spBv1.0/${GROUP}/NDATA/${NODE}`, Buffer.from('{"not":"protobuf"}'), { qos: 1 });
    await waitFor(() => (deviceState(hub, 'plc-1')?.malformed ?? 0) === 1);
    expect(deviceState(hub, 'plc-1')!.lastMalformed).toMatchObject({
      topic: `spBv1.0/${GROUP}/NDATA/${NODE}`,
      reason: expect.stringMatching(/not a Sparkplug B payload/),
    });
    await raw.endAsync();
  });
});

describe('Sparkplug B edge node (Eclipse Tahu client) through a real mosquitto with the generated ACL', () => {
  let broker: Mosquitto;
  let hub: Hub | undefined;
  let peer: Peer | undefined;
  const passwords: Record<string, string> = { 'facility-hub': 'hub-secret-1234', 'plc-1': 'plc-secret-1234' };

  beforeAll(async () => {
    const passwd = requireBinary('mosquitto_passwd', 'apt-get install -y mosquitto');
    const dir = tempDataDir();
    const aclFile = join(dir, 'acl');
    const passwordFile = join(dir, 'passwd');
    writeFileSync(
      aclFile,
      mosquittoAcl(parseSiteText(siteYaml('{ mode: embedded }'), 's.yaml'), 'facility-hub'),
    );
    writeFileSync(passwordFile, '');
    for (const [user, pw] of Object.entries(passwords)) execFileSync(passwd, ['-b', passwordFile, user, pw]);
    broker = await startMosquitto([
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
    ]);
  });
  afterEach(async () => {
    try {
      peer?.client.stop();
    } catch {}
    await hub?.stop();
    hub = undefined;
    peer = undefined;
  });
  afterAll(() => broker?.stop());

  it('the generated ACL gives the node its own Sparkplug topics and the hub reads them and writes the commands', () => {
    const acl = mosquittoAcl(parseSiteText(siteYaml('{ mode: embedded }'), 's.yaml'), 'facility-hub');
    expect(acl).toContain(
      [
        'user plc-1',
        'topic write spBv1.0/Plant/NBIRTH/PLC1',
        'topic write spBv1.0/Plant/NDATA/PLC1',
        'topic write spBv1.0/Plant/NDEATH/PLC1',
        'topic write spBv1.0/Plant/DBIRTH/PLC1/+',
        'topic write spBv1.0/Plant/DDATA/PLC1/+',
        'topic write spBv1.0/Plant/DDEATH/PLC1/+',
        'topic read spBv1.0/Plant/NCMD/PLC1',
        'topic read spBv1.0/Plant/NCMD/PLC1/#',
        'topic read spBv1.0/Plant/DCMD/PLC1/+',
        'topic read spBv1.0/Plant/DCMD/PLC1/#',
        'topic read spBv1.0/STATE/+',
      ].join('\n'),
    );
    expect(acl).toMatch(/^topic write spBv1\.0\/STATE\/scada-hub$/m);
    expect(acl).toMatch(/^topic read spBv1\.0\/Plant\/\+\/PLC1$/m);
    expect(acl).toMatch(/^topic read spBv1\.0\/Plant\/\+\/PLC1\/\+$/m);
    expect(acl).toMatch(/^topic write spBv1\.0\/Plant\/NCMD\/PLC1$/m);
    expect(acl).toMatch(/^topic write spBv1\.0\/Plant\/DCMD\/PLC1\/\+$/m);
  });

  it('a node that was born before the hub listened is asked for a rebirth; data, a DCMD write and its will arrive', async () => {
    peer = tahuNode(broker.url, { username: 'plc-1', password: passwords['plc-1']! });
    await peer.connected;
    await waitFor(() => peer!.births === 1);
    hub = await startHub(
      parseSiteText(
        siteYaml(`{ mode: external, url: '${broker.url}', clientId: hub-sp, qos: 1 }`),
        's.yaml',
        { HUB_MQTT_USERNAME: 'facility-hub', HUB_MQTT_PASSWORD: passwords['facility-hub']! },
      ),
    );
    const h = hub;
    await waitFor(() => h.supervisor.linkHealth()[0]?.state === 'up');
    // the hub asks as it connects; Tahu's client births again
    await waitFor(
      () => peer!.births === 2,
      5_000,
      () => `births ${peer!.births}`,
    );
    await waitFor(() => latest(h, 'boiler-1/supply_temp_c')?.value === 61.5, 5_000);
    expect(latest(h, 'plc-panel/mode')?.value).toBe('auto');
    expect(deviceState(h, 'plc-1')?.state).toBe('online');

    peer.client.publishDeviceData('boiler', {
      metrics: [{ alias: 10, type: 'Float', value: 66 }],
    } as UPayload);
    await waitFor(() => latest(h, 'boiler-1/supply_temp_c')?.value === 66);

    await h.supervisor.write(h.site.pointById.get('boiler-1/supply_sp_c')!, 55, 8);
    await waitFor(() => peer!.dcmd.length === 1);
    expect(peer.dcmd[0]).toMatchObject({
      device: 'boiler',
      payload: { metrics: [expect.objectContaining({ name: 'Setpoints/Supply', type: 'Float', value: 55 })] },
    });

    // the node crashes: mosquitto sends its will (NDEATH, bdSeq 0) within 1.5 keep-alives at most
    socketOf(peer).destroy();
    await waitFor(() => deviceState(h, 'plc-1')?.state === 'offline', 5_000);
    await waitFor(() => latest(h, 'boiler-1/supply_temp_c')?.quality === 'bad');
    expect((await browse(h)).online).toBe(false);
    expect(linkStats(h)).toMatchObject({ sparkplugNodes: 1, sparkplugNodesOnline: 0 });
  });

  it('the hub’s STATE as the nodes’ primary host: online while connected, offline at an orderly stop and by its will', async () => {
    const creds = { username: 'plc-1', password: passwords['plc-1']! };
    const readState = async () => {
      const c = await mqtt.connectAsync(broker.url, {
        ...creds,
        clientId: 'state-reader',
        reconnectPeriod: 0,
      });
      const got = new Promise<{ online: boolean; timestamp: number }>((resolve) =>
        c.on('message', (_t, payload) => resolve(JSON.parse(payload.toString()))),
      );
      await c.subscribeAsync('spBv1.0/STATE/scada-hub');
      const body = await got;
      await c.endAsync();
      return body;
    };
    const env = { HUB_MQTT_USERNAME: 'facility-hub', HUB_MQTT_PASSWORD: passwords['facility-hub']! };
    const yaml = siteYaml(`{ mode: external, url: '${broker.url}', clientId: hub-sp-state }`);
    hub = await startHub(parseSiteText(yaml, 's.yaml', env));
    const h = hub;
    await waitFor(() => h.supervisor.linkHealth()[0]?.state === 'up');
    const online = await readState();
    expect(online).toEqual({ online: true, timestamp: expect.any(Number) });
    await h.stop();
    hub = undefined;
    expect(await readState()).toEqual({ online: false, timestamp: expect.any(Number) });

    // a hub whose connection dies (through a TCP proxy we cut): mosquitto publishes its will, offline with the
    // timestamp of its online STATE
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(broker.port, '127.0.0.1');
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyPort = (proxy.address() as { port: number }).port;
    try {
      const viaProxy = siteYaml(
        `{ mode: external, url: 'mqtt://127.0.0.1:${proxyPort}', clientId: hub-sp-will }`,
      );
      hub = await startHub(parseSiteText(viaProxy, 's.yaml', env));
      const h2 = hub;
      await waitFor(() => h2.supervisor.linkHealth()[0]?.state === 'up');
      const second = await readState();
      expect(second.online).toBe(true);
      proxy.close();
      for (const sock of sockets) sock.destroy();
      await waitFor(async () => (await readState()).online === false, 10_000);
      expect(await readState()).toEqual({ online: false, timestamp: second.timestamp });
    } finally {
      proxy.close();
      for (const sock of sockets) sock.destroy();
    }
  });
});

describe('the Sparkplug codec is loaded lazily', () => {
  it('only sparkplug-in.ts imports it among the MQTT adapter’s files, and the driver reaches that only by a dynamic import', () => {
    const { edges } = importGraph();
    const codec = 'core/sparkplug/sparkplug-codec.ts';
    const runtime = edges.filter((e) => !e.typeOnly);
    expect(
      runtime.filter((e) => e.to === codec && e.from.startsWith('adapters/')).map((e) => e.from),
    ).toEqual(['adapters/mqtt/sparkplug-in.ts']);
    expect(runtime.filter((e) => e.to === 'adapters/mqtt/sparkplug-in.ts').map((e) => e.from)).toEqual([
      'adapters/mqtt/mqtt-driver.ts',
    ]);
    const driver = readFileSync('adapters/mqtt/mqtt-driver.ts', 'utf8');
    expect(driver).toMatch(/await import\('\.\/sparkplug-in\.js'\)/);
    expect(driver).not.toMatch(/^import (?!type )[^;]*from '\.\/sparkplug-in\.js'/m);
  }, 60_000);
});
