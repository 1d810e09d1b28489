/**
 * BACnet/IP through the whole hub (the driver on the device framework) against the simulated AHU, lighting
 * controller and BBMD (simulators/bacnet-*), over real UDP on loopback. The simulator itself is checked against
 * the library's own client in test/bacnet-simulator.test.ts: that is the independent side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Reading } from '../core/model/reading.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { type BacnetSite, startBacnetSite } from '../simulators/bacnet-site.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

const ENGINEER = { actor: 'eng', via: 'session' as const, permissions: new Set(['setpoint:write' as const]) };

let sim: BacnetSite;
let hub: Hub;
const readings: Reading[] = [];

function site() {
  const common = {
    protocol: 'bacnet',
    localAddress: '127.0.0.9',
    localPort: 0,
    intervalMs: 500,
    timeoutMs: 300,
    retries: 0,
    breakerFailures: 2,
    covLifetimeS: 2, // renewed every 1.5 s
  };
  return parseSiteText(
    stringify({
      site: { id: 'b1', name: 'BACnet site' },
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir: tempDataDir(), logLevel: 'silent' },
      mqtt: { mode: 'off' },
      storage: { mode: 'off' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices: [
        // the AHU by its address; the lighting controller found by Who-Is through the BBMD
        // loopback has no broadcast: the subnet spelled out, for discovery
        {
          id: 'ahu-ctl',
          instance: 1001,
          address: sim.ahu.address,
          broadcast: [sim.ahu.address, sim.lighting.address],
          ...common,
        },
        { id: 'lc-ctl', instance: 2001, bbmd: sim.bbmdAddress, bbmdTtlS: 60, ...common, localPort: 0 },
      ],
      assets: [
        {
          id: 'ahu-1',
          name: 'AHU 1',
          kind: 'ahu',
          zone: 'plant',
          device: 'ahu-ctl',
          points: [
            { name: 'supply_temp_c', unit: 'degC', object: 'analog-input:1' },
            { name: 'return_temp_c', unit: 'degC', object: 'analog-input:2', cov: false },
            { name: 'setpoint_c', unit: 'degC', object: 'analog-value:1', kind: 'command' },
            { name: 'fan_cmd', type: 'boolean', object: 'binary-value:1', kind: 'command' },
          ],
        },
        {
          id: 'lights-1',
          name: 'Lighting',
          kind: 'generic',
          zone: 'plant',
          device: 'lc-ctl',
          points: [{ name: 'lux', unit: 'lx', object: 'analog-input:1' }],
        },
      ],
    }),
    'bacnet-site.yaml',
  );
}

const latest = (id: string) => hub.latest.get(id)!;
const device = (id: string) => hub.supervisor.deviceHealth().find((d) => d.deviceId === id)!;
const link = (id: string) => hub.supervisor.linkHealth().find((l) => l.linkId === `bacnet:${id}`)!;

beforeAll(async () => {
  sim = await startBacnetSite({ hosts: ['127.0.0.11', '127.0.0.12', '127.0.0.13'], tickMs: 200 });
  hub = await buildHub(testHubOptions(site(), { live: false }));
  hub.bus.on('readings.accepted', (b) => readings.push(...b.map((r) => ({ ...r }))));
  await hub.start();
  await waitFor(
    () =>
      ['ahu-1/supply_temp_c', 'ahu-1/return_temp_c', 'lights-1/lux'].every((p) => latest(p).value !== null),
    10_000,
  );
});

afterAll(async () => {
  await hub?.stop();
  await sim?.stop();
});

describe('BACnet/IP devices through the hub', () => {
  it('subscribes COV where the device takes it and polls the rest with ReadPropertyMultiple', () => {
    // a point polled by choice (cov: false) leaves the others subscribed
    expect(link('ahu-ctl')).toMatchObject({ state: 'up', stats: { covSubscriptions: 3, polledDevices: 1 } });
    expect(
      sim.ahu
        .covSubscriptions()
        .map((s) => s.object)
        .sort(),
    ).toEqual(['analog-input:1', 'analog-value:1', 'binary-value:1']);
    expect(latest('ahu-1/supply_temp_c')).toMatchObject({ quality: 'good' });
    expect(latest('ahu-1/return_temp_c').value).toBeCloseTo(23.5, 0);
    expect(device('ahu-ctl').state).toBe('online');
  });

  it('renews its COV subscriptions before they lapse', async () => {
    const first = sim.ahu.covSubscriptions().find((s) => s.object === 'analog-input:1')!;
    await new Promise((r) => setTimeout(r, 3_000)); // past the 2 s lifetime
    const now = sim.ahu.covSubscriptions();
    expect(now).toHaveLength(3);
    const same = now.find((s) => s.object === 'analog-input:1')!;
    expect(same.processId).toBe(first.processId);
    expect(same.remainingS).toBeGreaterThan(0);
  });

  it('found the lighting controller by Who-Is through the BBMD, as a foreign device', () => {
    expect(device('lc-ctl').state).toBe('online');
    expect(latest('lights-1/lux').quality).toBe('good');
  });

  it('writes at priority 8 through the command service, then relinquishes: the device falls back to its default', async () => {
    await hub.commands.write(ENGINEER, 'ahu-1/setpoint_c', 19.5, 'test', 8);
    expect(sim.ahu.object('analog-value:1').priority![7]).toBe(19.5);
    await waitFor(() => latest('ahu-1/setpoint_c').value === 19.5, 3_000);
    await hub.commands.relinquish(ENGINEER, 'ahu-1/setpoint_c', 8, 'test');
    expect(sim.ahu.object('analog-value:1').priority![7]).toBeNull();
    await waitFor(() => latest('ahu-1/setpoint_c').value === 16, 3_000);
    await hub.commands.write(ENGINEER, 'ahu-1/fan_cmd', true, 'test', 8);
    expect(sim.ahu.object('binary-value:1').priority![7]).toBe(1);
  });

  it('a fault on an object turns its point bad with BACnet’s reliability', async () => {
    const o = sim.ahu.object('analog-input:2');
    o.reliability = 1; // no-sensor
    await waitFor(() => latest('ahu-1/return_temp_c').quality === 'bad', 3_000);
    expect(latest('ahu-1/return_temp_c').reason).toBe('BACnet fault: no-sensor');
    o.reliability = 0;
    await waitFor(() => latest('ahu-1/return_temp_c').quality === 'good', 3_000);
  });

  it('a malformed datagram to the hub’s socket is counted and changes nothing', async () => {
    const before = Number(link('ahu-ctl').stats?.malformed ?? 0);
    sim.ahu.sendMalformed(String(link('ahu-ctl').stats?.address ?? ''), 'truncated');
    await waitFor(() => Number(link('ahu-ctl').stats?.malformed ?? 0) > before, 3_000);
    const n = readings.length;
    await waitFor(() => readings.length > n + 2, 3_000);
    expect(link('ahu-ctl').state).toBe('up');
  });

  it('a device that stops answering: its breaker opens, it goes offline, and it comes back by itself', async () => {
    sim.ahu.setAnswering(false);
    await waitFor(() => device('ahu-ctl').state === 'offline', 10_000);
    expect(latest('ahu-1/return_temp_c').quality).toBe('bad');
    expect(device('lc-ctl').state).toBe('online'); // the other device is on a link of its own
    sim.ahu.setAnswering(true);
    await waitFor(
      () => device('ahu-ctl').state === 'online' && latest('ahu-1/return_temp_c').quality === 'good',
      15_000,
    );
  });

  it('discovers the devices and their objects, ready for a site file', async () => {
    const found = (await hub.supervisor.discover('bacnet', { timeoutMs: 500 })) as {
      deviceId: number;
      objects: { object: string }[];
    }[];
    expect(found.map((d) => d.deviceId).sort()).toEqual([1001, 2001]);
    expect(found.find((d) => d.deviceId === 1001)!.objects.map((o) => o.object)).toContain('analog-value:1');
  });

  it('over the API: discovery and an object’s priority array, for engineers', async () => {
    await hub.commands.write(ENGINEER, 'ahu-1/setpoint_c', 21, 'test', 8);
    const eng = await sessionAs(hub, ['engineer']);
    const object = await hub.http.inject({
      url: '/api/v1/devices/ahu-ctl/bacnet/object?object=analog-value:1',
      headers: eng.headers,
    });
    expect(object.statusCode).toBe(200);
    expect(object.json()).toMatchObject({
      device: 1001,
      object: 'analog-value:1',
      presentValue: 21,
      relinquishDefault: 16,
    });
    expect(object.json().priorityArray[7]).toBe(21);
    await hub.commands.relinquish(ENGINEER, 'ahu-1/setpoint_c', 8, 'test');
    const found = await hub.http.inject({
      url: '/api/v1/devices/bacnet/discover?timeoutMs=500',
      headers: eng.headers,
    });
    expect(found.statusCode).toBe(200);
    expect(
      found
        .json()
        .map((d: { deviceId: number }) => d.deviceId)
        .sort(),
    ).toEqual([1001, 2001]);
    const bad = await hub.http.inject({
      url: '/api/v1/devices/ahu-ctl/bacnet/object?object=nonsense',
      headers: eng.headers,
    });
    expect(bad.statusCode).toBe(400);
    const viewer = await sessionAs(hub, ['viewer']);
    expect(
      (await hub.http.inject({ url: '/api/v1/devices/bacnet/discover', headers: viewer.headers })).statusCode,
    ).toBe(403);
  });
});
