import mqtt, { type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { startControlSimulation } from './control-fixtures.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

/**
 * Commands down: a site hub as a Sparkplug B edge node (upstream: the tests' real mosquitto) and a raw MQTT host
 * application that encodes its DCMDs with Eclipse Tahu's own `sparkplug-payload` (not the hub's codec). The site's
 * equipment is the simulated BACnet controllers of the control tests: each device keeps a priority array, so the
 * level a remote write took is the device's own record of it.
 */

// biome-ignore lint/suspicious/noExplicitAny: Tahu's payload types are loose
type Loose = any;
const tahu = sparkplugPayload.get('spBv1.0')!;
const GROUP = `fleet-cmd-${process.pid}`;
const SP = 'ahu-2/supply_temp_setpoint';
const SIM_HOST = '127.0.0.123';

let sim: Awaited<ReturnType<typeof startControlSimulation>>;
const mqttUrl = inject('mosquittoUrl');

/** The Tahu-decoding host: every message under the group, decoded, in order. */
async function startHost() {
  const client: MqttClient = await mqtt.connectAsync(mqttUrl, {
    clientId: `host-${Math.random().toString(16).slice(2)}`,
    reconnectPeriod: 0,
  });
  const messages: { topic: string; payload: Loose }[] = [];
  client.on('message', (topic, buf) => {
    if (topic.startsWith('spBv1.0/STATE/')) return;
    messages.push({ topic, payload: tahu.decodePayload(buf) });
  });
  await client.subscribeAsync(`spBv1.0/${GROUP}/#`, { qos: 1 });
  return {
    client,
    messages,
    /** Publish a DCMD to one of the node's assets. */
    async dcmd(node: string, asset: string, metrics: Loose[]) {
      const payload = tahu.encodePayload({ timestamp: Date.now(), metrics });
      await client.publishAsync(`spBv1.0/${GROUP}/DCMD/${node}/${asset}`, Buffer.from(payload), { qos: 0 });
    },
    /** The alias a DBIRTH gave a metric. */
    aliasOf(node: string, asset: string, name: string): number | undefined {
      const birth = messages.findLast((m) => m.topic === `spBv1.0/${GROUP}/DBIRTH/${node}/${asset}`);
      const metric = birth?.payload.metrics.find((x: Loose) => x.name === name);
      return metric?.alias === undefined ? undefined : Number(metric.alias);
    },
  };
}

async function startSiteHub(node: string, commands: string): Promise<Hub> {
  const site = sim.site({
    hubHost: SIM_HOST,
    dataDir: tempDataDir(),
    extra: `upstream:
  url: ${mqttUrl}
  groupId: ${GROUP}
  edgeNodeId: ${node}
  keepAliveS: 5
  commands: ${commands}
`,
  });
  const hub = await buildHub(testHubOptions(site, { live: false }));
  await hub.start();
  await waitFor(
    () =>
      hub.supervisor.deviceHealth().every((d) => d.state === 'online') &&
      hub.supervisor.linkHealth().every((l) => l.state === 'up'),
    15_000,
    () => JSON.stringify(hub.supervisor.linkHealth().map((l) => [l.linkId, l.state])),
  );
  return hub;
}

beforeAll(async () => {
  sim = await startControlSimulation({ simHost: SIM_HOST });
}, 30_000);
afterAll(async () => {
  await sim?.stop();
});

describe('DCMD from upstream, remote writes on', () => {
  let hub: Hub;
  let host: Awaited<ReturnType<typeof startHost>>;
  const level = (n: number) => sim.object('ahu-ctl', 'analog-value:1').priority![n - 1];

  beforeAll(async () => {
    host = await startHost();
    hub = await startSiteHub('site-on', '{ remoteWrites: true }');
    await waitFor(
      () => host.aliasOf('site-on', 'ahu-2', 'supply_temp_setpoint') !== undefined,
      15_000,
      () => host.messages.map((m) => m.topic).join(', '),
    );
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await host?.client.endAsync();
  });

  it("a setpoint by name lands at priority 12 in the device's array, audited as upstream:central with the user", async () => {
    await host.dcmd('site-on', 'ahu-2', [
      { name: 'supply_temp_setpoint', type: 'Double', value: 22.5 },
      { name: 'Command/Requested by', type: 'String', value: 'alice' },
    ]);
    await waitFor(
      () => level(12) === 22.5,
      10_000,
      () => `level 12: ${level(12)}`,
    );
    expect(level(8)).toBeNull();
    await waitFor(
      () => hub.audit.query({ target: SP, actor: 'upstream:central', limit: 10 }).length >= 2,
      5_000,
    );
    const entries = hub.audit.query({ target: SP, actor: 'upstream:central', limit: 10 });
    // the priority array took it at level 12 as upstream:central; the device write is audited as theirs too
    expect(entries.find((e) => e.action === 'control.command')).toMatchObject({
      via: 'upstream',
      outcome: 'ok',
      after: { value: 22.5, level: 12, source: 'upstream:central' },
      detail: expect.stringContaining('reason: requested by alice at central'),
    });
    expect(entries.find((e) => e.action === 'setpoint.write')).toMatchObject({
      via: 'upstream',
      outcome: 'ok',
      after: { value: 22.5, priority: 12 },
    });
    expect(hub.control.state(SP)!.slots).toContainEqual(
      expect.objectContaining({ level: 12, value: 22.5, source: 'upstream:central' }),
    );
    // the new value comes back up as data
    await waitFor(
      () =>
        host.messages.some(
          (m) =>
            m.topic === `spBv1.0/${GROUP}/DDATA/site-on/ahu-2` &&
            m.payload.metrics.some((x: Loose) => x.value === 22.5),
        ),
      10_000,
    );
  });

  it('by the DBIRTH alias too; a null metric relinquishes the level; a person at the dashboard (8) still outranks it', async () => {
    const alias = host.aliasOf('site-on', 'ahu-2', 'supply_temp_setpoint')!;
    await host.dcmd('site-on', 'ahu-2', [{ alias, type: 'Double', value: 23 }]);
    await waitFor(
      () => level(12) === 23,
      10_000,
      () => `level 12: ${level(12)}`,
    );
    const eng = { actor: 'eng', via: 'session' as const, permissions: new Set(['setpoint:write'] as const) };
    await hub.control.override(eng, SP, 21, 'tenant complaint');
    await host.dcmd('site-on', 'ahu-2', [{ alias, type: 'Double', value: 24 }]);
    await waitFor(
      () => level(12) === 24,
      10_000,
      () => `level 12: ${level(12)}`,
    );
    expect(level(8)).toBe(21);
    expect(hub.control.state(SP)!.effective).toMatchObject({ value: 21, level: 8 });
    await hub.control.override(eng, SP, null, 'done');
    await host.dcmd('site-on', 'ahu-2', [{ alias, type: 'Double', value: null, isNull: true }]);
    await waitFor(
      () => level(12) === null,
      10_000,
      () => `level 12: ${level(12)}`,
    );
    expect(hub.control.state(SP)!.slots.some((s) => s.level === 12)).toBe(false);
  });

  it('measurements, unknown points and values out of range are refused, audited as failed, counted', async () => {
    await host.dcmd('site-on', 'ahu-2', [
      { name: 'supply_temp', type: 'Double', value: 5 },
      { name: 'no_such_point', type: 'Double', value: 5 },
      { name: 'supply_temp_setpoint', type: 'Double', value: 99 },
    ]);
    await waitFor(
      () =>
        hub.audit.query({ actor: 'upstream:central', outcome: 'failed', action: 'setpoint.write', limit: 10 })
          .length >= 3,
      5_000,
    );
    expect(level(12)).toBeNull();
  });
});

describe('DCMD from upstream, remote writes off (the default)', () => {
  let hub: Hub;
  let host: Awaited<ReturnType<typeof startHost>>;
  const level = (n: number) => sim.object('ahu-ctl', 'analog-value:1').priority![n - 1];

  beforeAll(async () => {
    host = await startHost();
    hub = await startSiteHub('site-off', '{}');
    await waitFor(() => host.aliasOf('site-off', 'ahu-2', 'supply_temp_setpoint') !== undefined, 15_000);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await host?.client.endAsync();
  });

  it('nothing is written; each refusal is audited as denied, naming upstream:central', async () => {
    const before = level(12);
    await host.dcmd('site-off', 'ahu-2', [
      { name: 'supply_temp_setpoint', type: 'Double', value: 19 },
      { name: 'Command/Requested by', type: 'String', value: 'mallory' },
    ]);
    await waitFor(
      () => hub.audit.query({ actor: 'upstream:central', outcome: 'denied', limit: 5 }).length >= 1,
      10_000,
    );
    const [refusal] = hub.audit.query({ actor: 'upstream:central', outcome: 'denied', limit: 5 });
    expect(refusal).toMatchObject({
      via: 'upstream',
      action: 'setpoint.write',
      target: SP,
      detail: expect.stringMatching(/requested by mallory at central.*remote writes are off/),
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(level(12)).toBe(before);
    expect(hub.control.state(SP)!.slots.some((s) => s.level === 12)).toBe(false);
    // counted in the upstream block of health
    const viewer = await sessionAs(hub, ['viewer']);
    const health = await hub.http.inject({ url: '/api/v1/health', headers: viewer.headers });
    expect(health.json().upstream.commands).toMatchObject({ received: 1, refused: 1, written: 0 });
  });
});

describe("DCMD from the central hub's fleet API (central.commands: true)", () => {
  let site: Hub;
  let central: Hub;
  const level = (n: number) => sim.object('ahu-ctl', 'analog-value:1').priority![n - 1];
  const url = (point: string, node = 'site-c') =>
    `/api/v1/fleet/sites/${node}/assets/ahu-2/points/${point}/command`;

  beforeAll(async () => {
    central = await buildHub(
      testHubOptions(
        parseSiteText(
          `
site: { id: central, name: Fleet }
hub: { mode: central, http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: off }
storage: { mode: off }
zones: [{ id: fleet, name: Fleet, kind: campus }]
central: { url: ${mqttUrl}, hostId: central-cmd-${process.pid}, groups: [${GROUP}], keepAliveS: 5, commands: true }
`,
          'central.yaml',
        ),
        { live: false },
      ),
    );
    await central.start();
    await waitFor(() => central.fleet!.stats().connected, 10_000);
    site = await startSiteHub('site-c', '{ remoteWrites: true }');
    // the site's births describe ahu-2 to the central
    await waitFor(() => central.fleet!.site('site-c')?.site.state === 'online', 15_000);
    await waitFor(() => (central.fleet!.site('site-c')?.assets.length ?? 0) > 0, 15_000);
  }, 60_000);
  afterAll(async () => {
    await central?.stop();
    await site?.stop();
  });

  it("an engineer at the central writes a site's setpoint: audited at both ends, at level 12 in the device", async () => {
    const eng = await sessionAs(central, ['engineer']);
    const res = await central.http.inject({
      method: 'POST',
      url: url('supply_temp_setpoint'),
      headers: eng.headers,
      payload: { value: 20.5, reason: 'comfort complaint' },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({
      site: 'site-c',
      asset: 'ahu-2',
      point: 'supply_temp_setpoint',
      value: 20.5,
    });
    await waitFor(
      () => level(12) === 20.5,
      10_000,
      () => `level 12: ${level(12)}`,
    );
    expect(central.audit.query({ action: 'fleet.command', limit: 1 })[0]).toMatchObject({
      actor: eng.username,
      target: 'site-c/ahu-2/supply_temp_setpoint',
      outcome: 'ok',
      after: { value: 20.5 },
      detail: 'reason: comfort complaint',
    });
    await waitFor(
      () =>
        site.audit.query({ action: 'control.command', actor: 'upstream:central', target: SP, limit: 1 })
          .length > 0,
      5_000,
    );
    expect(
      site.audit.query({ action: 'control.command', actor: 'upstream:central', target: SP, limit: 1 })[0]!
        .detail,
    ).toContain(`requested by ${eng.username} at central`);
    // the value comes back up to the central's latest values
    await waitFor(
      () =>
        central
          .fleet!.site('site-c')
          ?.assets.find((a) => a.id === 'ahu-2')
          ?.points.find((p) => p.name === 'supply_temp_setpoint')?.value === 20.5,
      10_000,
    );
  });

  it('the central refuses what it can tell is wrong: no permission, a measurement, an unknown site, a wrong type', async () => {
    const viewer = await sessionAs(central, ['viewer']);
    const eng = await sessionAs(central, ['engineer']);
    const post = (u: string, value: unknown, headers = eng.headers) =>
      central.http.inject({ method: 'POST', url: u, headers, payload: { value } });
    expect((await post(url('supply_temp_setpoint'), 21, viewer.headers)).statusCode).toBe(403);
    expect((await post(url('supply_temp'), 21)).statusCode).toBe(409);
    expect((await post(url('supply_temp_setpoint', 'nowhere'), 21)).statusCode).toBe(404);
    expect((await post(url('supply_temp_setpoint'), true)).statusCode).toBe(400);
    expect(central.audit.query({ action: 'fleet.command', outcome: 'failed', limit: 10 }).length).toBe(2);
    expect(level(12)).toBe(20.5);
  });

  it('a central with central.commands false (the default) refuses every write, audited', async () => {
    const off = await buildHub(
      testHubOptions(
        parseSiteText(
          `
site: { id: central-off, name: Fleet }
hub: { mode: central, http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: off }
storage: { mode: off }
zones: [{ id: fleet, name: Fleet, kind: campus }]
central: { url: ${mqttUrl}, groups: [${GROUP}] }
`,
          'central-off.yaml',
        ),
        { live: false },
      ),
    );
    try {
      const eng = await sessionAs(off, ['engineer']);
      const res = await off.http.inject({
        method: 'POST',
        url: url('supply_temp_setpoint'),
        headers: eng.headers,
        payload: { value: 22 },
      });
      expect(res.statusCode, res.body).toBe(409);
      expect(off.audit.query({ action: 'fleet.command', limit: 1 })[0]).toMatchObject({
        outcome: 'denied',
        detail: expect.stringMatching(/central\.commands/),
      });
    } finally {
      await off.stop();
    }
  });
});
