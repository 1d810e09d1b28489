import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttDevice } from '../adapters/mqtt/mqtt-schema.js';
import { SYSTEM } from '../core/actor.js';
import { allowListHash, signAllowList } from '../domains/visitors/allow-list.js';
import type { DecisionMessage, ScanMessage } from '../domains/visitors/gate-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { buildControlApi } from '../simulators/control-api.js';
import { createGateSimulation, type GateSimulation } from '../simulators/gate-controllers.js';
import { SimulatedMqttDevice } from '../simulators/mqtt-devices.js';
import { tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';

function siteYaml(port: number, anonymous = false): string {
  return `
site: { id: t1, name: Test site }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: ${port}, anonymous: ${anonymous} }
zones: [{ id: b1, name: Building 1, kind: building }]
devices:
  - { id: gate-a-ctl, protocol: mqtt, clientId: gate-a-ctl }
  - { id: gate-b-ctl, protocol: mqtt, clientId: gate-b-ctl }
assets:
  - { id: gate-a, name: Gate A, kind: gate, zone: b1, device: gate-a-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
  - { id: gate-b, name: Gate B, kind: gate, zone: b1, device: gate-b-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
# the hub's own gate decisions stay out of it: a fake decider in the test answers
visitors: { gates: [] }
`;
}

/** QR payloads `FH2:<code>.<tag>` (the tag made up: the fake decider and the list built here know them). */
const QR: Record<string, string> = Object.fromEntries(
  ['11111111', '22222222', '33333333', '44444444'].map((c) => [c, `FH2:${c}.${c}${c}tagTAG`]),
);
const tagOf = (code: string) => QR[code]!.split('.')[1]!;
const scanQr = (code: string, direction = 'in') =>
  `type=qr&value=${encodeURIComponent(QR[code]!)}&direction=${direction}`;

interface Heard {
  assetId: string;
  channel: string;
  body: Record<string, unknown>;
}

/** A hub (embedded broker), the gate simulation on it, and the control API over HTTP. */
async function start(opts: { anonymous?: boolean } = {}) {
  const port = await freePort();
  const hub = await buildHub(
    testHubOptions(parseSiteText(siteYaml(port, opts.anonymous), 's.yaml'), { live: false }),
  );
  const heard: Heard[] = [];
  hub.bus.on('device.message', (m) =>
    heard.push({ assetId: m.assetId, channel: m.channel, body: JSON.parse(m.payload.toString('utf8')) }),
  );
  await hub.start();
  const url = `mqtt://127.0.0.1:${port}`;
  const devices = new Map<string, SimulatedMqttDevice>();
  for (const d of hub.site.devicesOf('mqtt') as MqttDevice[]) {
    const password = opts.anonymous ? undefined : hub.deviceCredentials.issue(SYSTEM, d.id).password;
    devices.set(d.id, new SimulatedMqttDevice(hub.site, d, url, password));
  }
  const gates = createGateSimulation(hub.site, devices, {
    decisionTimeoutMs: 400,
    passageAfterMs: 60,
    doorOpenMs: 150,
  });
  for (const d of devices.values()) d.start();
  const api = buildControlApi(devices, undefined, undefined, gates);
  const controlUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${controlUrl}${path}`, {
      method: 'POST',
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const connected = () => [...gates.controllers.values()].every((g) => g.status.connected);
  await waitFor(connected);
  return {
    hub,
    url,
    heard,
    gates,
    control,
    async stop() {
      await api.close();
      gates.stop();
      await Promise.all([...devices.values()].map((d) => d.stop()));
      await hub.stop();
    },
  };
}

/** Stands in for the hub's decision engine (written elsewhere): code 11111111 (or its QR) is Ada's pass 1. */
function fakeDecider(hub: Hub) {
  const state = { answering: true, scans: 0 };
  hub.bus.on('device.message', (m) => {
    if (m.channel !== 'scan' || !state.answering) return;
    state.scans++;
    const scan = JSON.parse(m.payload.toString('utf8')) as ScanMessage;
    const d: DecisionMessage =
      scan.credential.value === '11111111' || scan.credential.value === QR['11111111']
        ? { nonce: scan.nonce, decision: 'open', passId: 1, name: 'Ada', ts: Date.now() }
        : { nonce: scan.nonce, decision: 'deny', reason: 'unknown', ts: Date.now() };
    void hub.supervisor.send(m.assetId, 'decision', JSON.stringify(d));
  });
  return state;
}

describe('gate controller simulator against the hub', () => {
  let t: Awaited<ReturnType<typeof start>>;
  let decider: ReturnType<typeof fakeDecider>;
  const from = (gate: string, since: number) => t.heard.slice(since).filter((h) => h.assetId === gate);
  const status = (g: GateSimulation, id: string) => g.controllers.get(id)!.status;

  beforeAll(async () => {
    t = await start();
    decider = fakeDecider(t.hub);
  });
  afterAll(() => t?.stop());

  it('a scan gets the hub’s decision; an open one makes door opened, a passage, door closed', async () => {
    const since = t.heard.length;
    const outcome = await t.control('/gates/gate-a/scan?type=code&value=11111111&direction=in');
    expect(outcome).toMatchObject({
      gateId: 'gate-a',
      decision: 'open',
      passId: 1,
      name: 'Ada',
      source: 'hub',
      offline: false,
    });
    await waitFor(() => from('gate-a', since).some((h) => h.channel === 'door' && h.body.event === 'closed'));
    const seen = from('gate-a', since);
    expect(seen.map((h) => [h.channel, h.body.event ?? h.body.direction])).toEqual([
      ['scan', 'in'],
      ['door', 'opened'],
      ['passage', 'in'],
      ['door', 'closed'],
    ]);
    expect(seen[0]!.body).toMatchObject({
      credential: { type: 'code', value: '11111111' },
      nonce: outcome.nonce,
      direction: 'in',
      ts: expect.any(Number),
    });
    expect(seen[2]!.body).toEqual({
      direction: 'in',
      nonce: outcome.nonce,
      passId: 1,
      ts: expect.any(Number),
    });
    expect(seen.every((h) => h.body.offline === undefined)).toBe(true);
  });

  it('a denied scan opens nothing', async () => {
    const since = t.heard.length;
    const outcome = await t.control('/gates/gate-b/scan?type=code&value=99999999');
    expect(outcome).toMatchObject({ decision: 'deny', reason: 'unknown', source: 'hub' });
    await new Promise((r) => setTimeout(r, 300)); // longer than the door sequence
    expect(from('gate-b', since).map((h) => h.channel)).toEqual(['scan']);
    expect(status(t.gates, 'gate-b').door).toBe('closed');
  });

  it('offline, the gate decides from its retained allow-list; the events are synced on return, marked offline', async () => {
    // built and signed with the hub's own functions, with the key the hub would provision
    const gateKey = randomBytes(32);
    const now = Date.now();
    const h = (code: string) => allowListHash(gateKey, 'qr', tagOf(code));
    const list = {
      version: 7,
      gate: 'gate-a',
      issuedAt: now,
      validUntil: now + 3_600_000,
      entries: [
        { h: h('11111111'), from: now - 60_000, until: now + 3_600_000 },
        { h: h('22222222'), from: now - 7_200_000, until: now - 1_000 },
        { h: h('33333333'), from: now + 3_600_000, until: now + 7_200_000 },
      ],
    };
    const payload = JSON.stringify({ ...list, sig: signAllowList(gateKey, list) });
    await t.hub.supervisor.send('gate-a', 'allowlist', payload, { retain: true });
    await waitFor(() => status(t.gates, 'gate-a').allowListProblem !== undefined);
    expect(status(t.gates, 'gate-a').allowListProblem).toMatch(/no gate key/);
    // provisioned after the list came: the kept list is checked and used
    await t.control('/gates/gate-a/key', { key: gateKey.toString('hex') });
    expect(status(t.gates, 'gate-a')).toMatchObject({
      allowList: { version: 7, entries: 3 },
      keyProvisioned: true,
    });
    expect(status(t.gates, 'gate-a').allowListProblem).toBeUndefined();

    await t.control('/gates/gate-a/offline');
    const device = () => t.hub.supervisor.deviceHealth().find((d) => d.deviceId === 'gate-a-ctl')!;
    await waitFor(() => device().state === 'offline');
    const since = t.heard.length;
    const scans = decider.scans;
    const ok = await t.control(`/gates/gate-a/scan?${scanQr('11111111')}`);
    expect(ok).toMatchObject({ decision: 'open', source: 'allow-list', offline: true });
    expect(await t.control(`/gates/gate-a/scan?${scanQr('22222222')}`)).toMatchObject({
      decision: 'deny',
      reason: 'expired',
      offline: true,
    });
    expect(await t.control(`/gates/gate-a/scan?${scanQr('33333333')}`)).toMatchObject({
      decision: 'deny',
      reason: 'not-yet-valid',
    });
    expect(await t.control(`/gates/gate-a/scan?${scanQr('44444444')}`)).toMatchObject({
      decision: 'deny',
      reason: 'unknown',
    });
    await t.control('/gates/gate-a/tailgate?direction=in');
    await waitFor(
      () => status(t.gates, 'gate-a').door === 'closed' && status(t.gates, 'gate-a').queued === 8,
    );
    expect(from('gate-a', since)).toEqual([]);

    const online = await t.control('/gates/gate-a/online');
    expect(online).toMatchObject({ connected: true });
    await waitFor(() => from('gate-a', since).some((h) => h.channel === 'sync'));
    const sync = from('gate-a', since).filter((h) => h.channel === 'sync');
    expect(sync).toHaveLength(1);
    const events = sync[0]!.body.events as Record<string, unknown>[];
    expect(events.every((e) => e.offline === true)).toBe(true);
    const decisions = events.filter((e) => e.kind === 'decision');
    expect(decisions.map((e) => [(e.credential as { value: string }).value, e.decision, e.reason])).toEqual([
      [QR['11111111'], 'open', undefined],
      [QR['22222222'], 'deny', 'expired'],
      [QR['33333333'], 'deny', 'not-yet-valid'],
      [QR['44444444'], 'deny', 'unknown'],
    ]);
    expect(decisions[0]).toMatchObject({ nonce: ok.nonce, direction: 'in', ts: expect.any(Number) });
    const rest = events.filter((e) => e.kind !== 'decision');
    expect(rest.map((e) => e.event ?? 'passage').sort()).toEqual(['closed', 'opened', 'passage', 'passage']);
    expect(rest.filter((e) => e.kind === 'passage')).toEqual(
      expect.arrayContaining([
        { kind: 'passage', direction: 'in', nonce: ok.nonce, ts: expect.any(Number), offline: true },
        { kind: 'passage', direction: 'in', ts: expect.any(Number), offline: true }, // the tailgater
      ]),
    );
    expect(decider.scans).toBe(scans); // nothing was asked while offline
    await waitFor(() => device().state === 'online');
    expect(status(t.gates, 'gate-a')).toMatchObject({ queued: 0, synced: 8, hubReachable: true });
  });

  it('a hub that does not answer in time: the allow-list decides, and the next answered scan syncs first', async () => {
    await waitFor(() => status(t.gates, 'gate-a').allowList?.version === 7);
    decider.answering = false;
    const since = t.heard.length;
    expect(await t.control(`/gates/gate-a/scan?${scanQr('11111111', 'out')}`)).toMatchObject({
      decision: 'open',
      source: 'allow-list',
    });
    expect(status(t.gates, 'gate-a').hubReachable).toBe(false);
    await waitFor(
      () => status(t.gates, 'gate-a').door === 'closed' && status(t.gates, 'gate-a').queued === 4,
    );
    decider.answering = true;
    expect(await t.control('/gates/gate-a/scan?type=code&value=11111111')).toMatchObject({ source: 'hub' });
    await waitFor(() => from('gate-a', since).some((h) => h.channel === 'door'));
    const seen = from('gate-a', since).map((h) => h.channel);
    // the unanswered scan, the answered one, then the queue before the new door events
    expect(seen.slice(0, 4)).toEqual(['scan', 'scan', 'sync', 'door']);
    const synced = from('gate-a', since).find((h) => h.channel === 'sync')!.body.events as { kind: string }[];
    expect(synced.map((e) => e.kind)).toEqual(['decision', 'door', 'passage', 'door']);
  });

  it('the control API refuses unknown gates and bad queries', async () => {
    expect(await t.control('/gates/nope/scan?value=1')).toMatchObject({
      message: 'no simulated gate "nope"',
    });
    expect(await t.control('/gates/gate-a/scan?type=retina&value=1')).toHaveProperty('error');
    expect(await t.control('/gates/gate-a/door?event=exploded')).toHaveProperty('error');
  });

  it('traffic uses the codes it is given, and wrong ones', async () => {
    expect(await t.control('/gates/visitors', { codes: ['11111111', '55555555'] })).toMatchObject({
      codes: 2,
    });
    for (let i = 0; i < 20; i++) await t.gates.traffic.visit();
    const s = t.gates.traffic.status;
    expect(s.scans).toBe(20);
    expect(s.opened + s.denied).toBe(20);
    expect(s.opened).toBeGreaterThan(0);
    expect(await t.control('/gates/traffic?on=true&perHour=3600')).toMatchObject({
      running: true,
      perHour: 3600,
    });
    expect(await t.control('/gates/traffic?on=false')).toMatchObject({ running: false });
  });
});

describe('gate controller status', () => {
  it('announces itself online (retained) on connect, and its last will says offline', async () => {
    const t = await start({ anonymous: true }); // anonymous: a test client may watch the status topic
    try {
      const spy = await mqtt.connectAsync(t.url, { clientId: 'spy', reconnectPeriod: 0 });
      const said: { payload: string; retain: boolean }[] = [];
      spy.on('message', (_t, p, packet) => said.push({ payload: p.toString(), retain: packet.retain }));
      await spy.subscribeAsync('site/t1/gate-a/status', { qos: 1 });
      await waitFor(() => said.length === 1);
      expect(said[0]).toEqual({ payload: '{"online":true}', retain: true });
      await t.control('/gates/gate-a/offline');
      await waitFor(() => said.length === 2);
      expect(JSON.parse(said[1]!.payload)).toEqual({ online: false });
      await spy.endAsync();
    } finally {
      await t.stop();
    }
  });
});
