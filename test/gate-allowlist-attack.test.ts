import { createHmac } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttDevice } from '../adapters/mqtt/mqtt-schema.js';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { parseAllowList } from '../simulators/allow-list.js';
import { createGateSimulation, type GateSimulation } from '../simulators/gate-controllers.js';
import { SimulatedMqttDevice } from '../simulators/mqtt-devices.js';
import { connectDevice, sessionAs, type TestSession, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';
import { gateSiteYaml } from './site-fixtures.js';

const HOUR = 3_600_000;
/**
 * The attacker's budget: the real code's first three digits are known, the other five are tried (10^5 HMACs,
 * a fraction of a second). The whole space is 10^8 codes, a thousand times this: minutes on one core
 * (`npm run bench allowlist` measures the rate).
 */
const KNOWN_DIGITS = 3;

function siteYaml(port: number): string {
  return gateSiteYaml({
    id: 'k1',
    name: 'Key site',
    mqttPort: port,
    gates: [
      ['gate-a', 'Gate A', 'a-ctl'],
      ['gate-b', 'Gate B', 'b-ctl'],
    ],
    visitors: '  requireHostApproval: false\n  pass: { maxEntries: 0 }',
  });
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('hex');
type List = { gate: string; entries: { h: string }[] };

/** Every code sharing the real one's first digits, tried against a list's entries as `<kind>:<code>`. */
function bruteForce(key: Buffer, entries: Set<string>, knownPrefix: string, kinds: string[]): string[] {
  const found: string[] = [];
  const rest = 8 - knownPrefix.length;
  for (let i = 0; i < 10 ** rest; i++) {
    const code = knownPrefix + String(i).padStart(rest, '0');
    for (const kind of kinds) if (entries.has(hmac(key, `${kind}:${code}`))) found.push(code);
  }
  return found;
}

/**
 * A controller's allow-list key is in every gate, so assume an attacker has gate A's key and its published
 * list. The real hub, its embedded broker, and the simulated gate controllers deciding offline from the lists.
 */
describe('what one gate’s allow-list key gives away', () => {
  let hub: Hub;
  let sim: GateSimulation;
  let devices: Map<string, SimulatedMqttDevice>;
  let host: TestSession;
  let admin: TestSession;
  let spy: MqttClient;
  let port: number;
  const lists = new Map<string, List>();

  const register = async (gates?: string[]) => {
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/visitors',
      headers: host.headers,
      payload: {
        name: 'Wang Wei',
        phone: '13800001111',
        host: 'host',
        purpose: 'Visit',
        validFrom: Date.now(),
        validUntil: Date.now() + 8 * HOUR,
        ...(gates ? { gates } : {}),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { pass: { id: number }; code: string; qr: string };
  };
  const keyOf = async (gate: string) => {
    const res = await hub.http.inject({ url: `/api/v1/gates/${gate}/allowlist-key`, headers: admin.headers });
    expect(res.statusCode, res.body).toBe(200);
    return Buffer.from(res.json().key as string, 'hex');
  };

  let everywhere: Awaited<ReturnType<typeof register>>;
  let onlyB: Awaited<ReturnType<typeof register>>;

  beforeAll(async () => {
    port = await freePort();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(port), 'k.yaml'), { live: false }));
    await hub.start();
    host = await sessionAs(hub, ['requester'], 'host');
    admin = await sessionAs(hub, ['admin'], 'root2');
    everywhere = await register();
    onlyB = await register(['gate-b']);
    // the published lists, as a second client of each gate's own login hears them (retained)
    spy = await connectDevice(hub, port, 'a-ctl', { clientId: 'a-ctl-listener' });
    const spyB = await connectDevice(hub, port, 'b-ctl', { clientId: 'b-ctl-listener' });
    for (const c of [spy, spyB])
      c.on('message', (topic, payload) => {
        if (topic.endsWith('/allowlist') && payload.length) {
          const list = JSON.parse(payload.toString()) as List;
          lists.set(list.gate, list);
        }
      });
    await spy.subscribeAsync('site/k1/gate-a/allowlist');
    await spyB.subscribeAsync('site/k1/gate-b/allowlist');
    await waitFor(
      () => lists.get('gate-a')?.entries.length === 1 && lists.get('gate-b')?.entries.length === 2,
    );
    await spyB.endAsync();

    devices = new Map();
    for (const d of hub.site.devicesOf('mqtt') as MqttDevice[])
      devices.set(
        d.id,
        new SimulatedMqttDevice(
          hub.site,
          d,
          `mqtt://127.0.0.1:${port}`,
          hub.deviceCredentials.issue(SYSTEM, d.id).password,
        ),
      );
    const keys = { 'gate-a': (await keyOf('gate-a')).toString('hex') };
    sim = createGateSimulation(hub.site, devices, {
      decisionTimeoutMs: 1_000,
      passageAfterMs: 20,
      doorOpenMs: 40,
      keys,
    });
    for (const d of devices.values()) d.start();
    const gateA = sim.controllers.get('gate-a')!;
    await waitFor(() => gateA.status.connected && gateA.status.allowList !== undefined, 10_000);
  }, 60_000);
  afterAll(async () => {
    sim?.stop();
    await spy?.endAsync();
    await Promise.all([...(devices?.values() ?? [])].map((d) => d.stop()));
    await hub?.stop();
  });

  it('trying codes against gate A’s list with its key finds none (the same search breaks the old construction)', async () => {
    const key = await keyOf('gate-a');
    const prefix = everywhere.code.slice(0, KNOWN_DIGITS);
    // the budget is enough: over entries made the old way (HMAC(key, "code:" + code)) it finds the code
    const oldStyle = new Set([hmac(key, `code:${everywhere.code}`)]);
    expect(bruteForce(key, oldStyle, prefix, ['code'])).toEqual([everywhere.code]);
    // over the list the hub published: nothing, whatever the kind tried
    const published = new Set(lists.get('gate-a')!.entries.map((e) => e.h));
    expect(published.size).toBe(1);
    expect(bruteForce(key, published, prefix, ['code', 'qr'])).toEqual([]);
    // what the entry is made of: the QR's tag, 128 random-looking bits, not the 8-digit code
    const tag = everywhere.qr.split('.')[1]!;
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(published.has(hmac(key, `qr:${tag}`))).toBe(true);
  });

  it('gate A’s list holds no entry for a pass limited to gate B, and nothing in it serves at gate B', async () => {
    const [keyA, keyB] = [await keyOf('gate-a'), await keyOf('gate-b')];
    const a = new Set(lists.get('gate-a')!.entries.map((e) => e.h));
    const b = new Set(lists.get('gate-b')!.entries.map((e) => e.h));
    const tagB = onlyB.qr.split('.')[1]!;
    expect(a.has(hmac(keyA, `qr:${tagB}`))).toBe(false);
    expect(b.has(hmac(keyB, `qr:${tagB}`))).toBe(true);
    // the pass valid at both gates has a different entry in each: A's key cannot make or read B's
    expect([...a].filter((h) => b.has(h))).toEqual([]);
    // and a list forged with A's key is refused by gate B
    const forged = { version: 1, gate: 'gate-b', issuedAt: 1, validUntil: 9e12, entries: [] };
    const payload = JSON.stringify({ ...forged, sig: hmac(keyA, JSON.stringify(forged)) });
    expect(parseAllowList(Buffer.from(payload), keyB, 'gate-b').problem).toMatch(/signature/);
  });

  it('offline, the simulated gate refuses a typed code (it needs the hub) and opens for the QR', async () => {
    const gate = sim.controllers.get('gate-a')!;
    await gate.offline();
    const typed = await gate.scan({ type: 'code', value: everywhere.code });
    expect(typed).toMatchObject({ decision: 'deny', reason: 'hub-unreachable', source: 'allow-list' });
    const qr = await gate.scan({ type: 'qr', value: everywhere.qr });
    expect(qr).toMatchObject({ decision: 'open', source: 'allow-list' });
    // a made-up tag, or the code in a QR of the old format, opens nothing
    const forgedTag = `${everywhere.qr.slice(0, -4)}AAAA`;
    expect(await gate.scan({ type: 'qr', value: forgedTag })).toMatchObject({ decision: 'deny' });
    expect(await gate.scan({ type: 'qr', value: `FH1:${everywhere.code}` })).toMatchObject({
      decision: 'deny',
      reason: 'hub-unreachable',
    });
    // the pass limited to gate B is not in gate A's list
    expect(await gate.scan({ type: 'qr', value: onlyB.qr })).toMatchObject({ decision: 'deny' });
    // back online: what it decided alone reaches the hub, who it was included
    gate.online();
    await waitFor(
      () => hub.db.prepare('SELECT COUNT(*) FROM gate_decisions WHERE offline = 1').pluck().get() === 5,
      10_000,
    );
    const opened = hub.db
      .prepare("SELECT pass_id FROM gate_decisions WHERE offline = 1 AND decision = 'open'")
      .all();
    expect(opened).toEqual([{ pass_id: everywhere.pass.id }]);
  });

  it('online, the hub checks the QR’s tag: a QR with a made-up tag is refused, the code typed is fine', async () => {
    const gate = sim.controllers.get('gate-b')!;
    const forgedTag = `${onlyB.qr.slice(0, -4)}AAAA`;
    expect(await gate.scan({ type: 'qr', value: forgedTag })).toMatchObject({
      decision: 'deny',
      reason: 'unknown',
      source: 'hub',
    });
    expect(await gate.scan({ type: 'code', value: onlyB.code })).toMatchObject({
      decision: 'open',
      passId: onlyB.pass.id,
      source: 'hub',
    });
  });
});
