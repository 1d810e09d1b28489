import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpcuaDevice } from '../adapters/opcua/opcua-schema.js';
import { SYSTEM } from '../core/actor.js';
import type { SiteModel } from '../core/model/site-model.js';
import { loadSiteFile } from '../hub/site-file.js';
import { type Simulation, startSimulation } from '../simulators/main.js';
import { startTestHub, type TestHub, tempDataDir, waitFor } from './hub-harness.js';
import { freePort } from './services.js';

/** The demo site, end to end: simulators publish, the hub ingests, fault injection shows in health. */
describe('simulators driving the demo site', () => {
  let site: SiteModel;
  let t: TestHub;
  let sim: Simulation;
  const control = (path: string) =>
    fetch(`${sim.controlUrl}${path}`, { method: 'POST' }).then((r) => r.json());
  const device = (id: string) => t.hub.supervisor.deviceHealth().find((d) => d.deviceId === id)!;

  beforeAll(async () => {
    const mqttPort = await freePort();
    site = await loadSiteFile('config/demo-site.yaml', {
      HUB_HTTP_HOST: '127.0.0.1',
      HUB_HTTP_PORT: '0',
      HUB_MQTT_HOST: '127.0.0.1',
      HUB_MQTT_PORT: String(mqttPort),
      HUB_LOG_LEVEL: 'silent',
      HUB_DATA_DIR: tempDataDir(),
    });
    t = await startTestHub(site, { live: false });
    const passwords = Object.fromEntries(
      site.devicesOf('mqtt').map((d) => [d.id, t.hub.deviceCredentials.issue(SYSTEM, d.id).password]),
    );
    // the OPC UA servers start too: on free ports, beside other test files
    const opcuaPorts = new Map<number, number>();
    for (const d of site.devicesOf('opcua') as OpcuaDevice[])
      opcuaPorts.set(Number(d.endpoint.split(':').pop()), await freePort());
    sim = await startSimulation(
      site,
      `mqtt://127.0.0.1:${mqttPort}`,
      { host: '127.0.0.1', port: 0 },
      passwords,
      { opcuaPort: (p) => opcuaPorts.get(p)! },
    );
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('every simulated MQTT device comes online with believable values', async () => {
    const mqttDevices = site.devicesOf('mqtt').map((d) => d.id);
    await waitFor(() => mqttDevices.every((id) => device(id).state === 'online'), 10_000);
    await waitFor(() => t.hub.latest.get('gate-south/exits_total')?.value !== null);
    const temp = t.hub.latest.get('b1-f1-env/temp_c')!;
    expect(temp.quality).toBe('good');
    expect(temp.value as number).toBeGreaterThan(15);
    expect(temp.value as number).toBeLessThan(32);
    const co2 = t.hub.latest.get('b2-f1-env/co2_ppm')!.value as number;
    expect(co2).toBeGreaterThanOrEqual(380);
    expect(co2).toBeLessThan(1200);
    expect(typeof t.hub.latest.get('gate-north/door_open')!.value).toBe('boolean');
    expect(t.hub.pipeline.counters.rejected).toBe(0);
  });

  it('garbage is counted against the device and topic; the device stays online', async () => {
    expect(await control('/devices/env-b1-f2/garbage?kind=wrong-type&count=3')).toEqual({ sent: 3 });
    expect(await control('/devices/env-b1-f2/garbage?kind=not-json&count=2')).toEqual({ sent: 2 });
    await waitFor(() => device('env-b1-f2').malformed === 5);
    expect(device('env-b1-f2').malformedByTopic).toEqual({ 'site/hq/b1-f2-env/telemetry': 5 });
    expect(device('env-b1-f2').state).toBe('online');
  });

  it('a stopped device goes offline, and comes back when started', async () => {
    await control('/devices/gate-north-ctl/stop');
    await waitFor(() => device('gate-north-ctl').state === 'offline');
    expect(device('gate-north-ctl').lastError?.message).toBe('MQTT client disconnected');
    await control('/devices/gate-north-ctl/start');
    await waitFor(() => device('gate-north-ctl').state === 'online', 10_000);
  });

  it('a frozen device keeps sending the same values', async () => {
    await control('/devices/env-b2-f2/freeze');
    const frozenAt = Date.now();
    // deadband passes an unchanged value once per interval: the heartbeats show what the device sends
    const sent = () =>
      t.readings.filter((r) => r.pointId === 'b2-f2-env/humidity_pct' && r.ts > frozenAt + 300);
    await waitFor(() => sent().length >= 2, 15_000);
    expect(new Set(sent().map((r) => r.value)).size).toBe(1);
    await control('/devices/env-b2-f2/unfreeze');
  });
});
