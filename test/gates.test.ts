import { createHmac } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { DecisionMessage } from '../domains/visitors/gate-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  connectDevice,
  sessionAs,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function siteYaml(port: number): string {
  return `
site: { id: g1, name: Gate site, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: ${port} }
zones:
  - { id: campus, name: Campus, kind: campus }
  - { id: gates, name: Gates, kind: outdoor, parent: campus }
  - { id: lab, name: Lab, kind: building }
devices:
  - { id: north-ctl, protocol: mqtt, clientId: north-ctl }
  - { id: lab-ctl, protocol: mqtt, clientId: lab-ctl }
assets:
  - { id: gate-north, name: North gate, kind: gate, zone: gates, device: north-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
  - { id: gate-lab, name: Lab door, kind: gate, zone: lab, device: lab-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
visitors:
  requireHostApproval: true
  doorHeldOpenSeconds: 30
  denialBurst: { count: 5, withinSeconds: 60 }
  staff:
    - { badge: 'CARD-0001', holder: Li Na, zones: [campus] }
`;
}

describe('visitor gates over MQTT: decisions, passages, offline sync, alerts', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 1, 0)); // 09:00 in Shanghai
  let hub: Hub;
  let gate: MqttClient;
  let lab: MqttClient;
  let host: TestSession;
  let guard: TestSession;
  const decisions = new Map<string, DecisionMessage>();
  let n = 0;

  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.http.inject({ method, url, headers: s.headers, payload });

  /** Scan at the north gate and wait for the hub's answer on its decision topic. */
  const scan = async (
    type: string,
    value: string,
    direction: 'in' | 'out' = 'in',
    client = gate,
    g = 'gate-north',
  ) => {
    const nonce = `n${++n}`;
    client.publish(
      `site/g1/${g}/scan`,
      JSON.stringify({ credential: { type, value }, nonce, ts: clock.now(), direction }),
    );
    await waitFor(
      () => decisions.has(nonce),
      5_000,
      () => `the decision for ${nonce}`,
    );
    return decisions.get(nonce)!;
  };
  const passage = async (direction: 'in' | 'out', nonce: string) => {
    const before = hub.visitors.gateStore.passages(0, Number.MAX_SAFE_INTEGER).length;
    gate.publish('site/g1/gate-north/passage', JSON.stringify({ direction, nonce, ts: clock.now() }));
    await waitFor(() => hub.visitors.gateStore.passages(0, Number.MAX_SAFE_INTEGER).length > before);
  };
  const register = async (extra: object = {}) => {
    // security registers, the host approves: nobody approves a visitor they registered as their own host
    const res = await call(guard, 'POST', '/api/v1/visitors', {
      name: 'Zhang Wei',
      phone: '13812345678',
      idNumber: '34010219900101123X',
      host: host.username,
      purpose: 'Meeting',
      validFrom: clock.now(),
      validUntil: clock.now() + 3 * HOUR,
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().pass.id as number;
    const ok = await call(host, 'POST', `/api/v1/passes/${id}/approve`, {});
    expect(ok.statusCode, ok.body).toBe(200);
    return { id, code: ok.json().code as string, qr: ok.json().qr as string };
  };

  beforeAll(async () => {
    const port = await freePort();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(port), 'gates.yaml'), { clock, live: false }));
    await hub.start();
    host = await sessionAs(hub, ['requester'], 'alice');
    guard = await sessionAs(hub, ['security'], 'guard');
    gate = await connectDevice(hub, port, 'north-ctl');
    lab = await connectDevice(hub, port, 'lab-ctl');
    for (const [c, g] of [
      [gate, 'gate-north'],
      [lab, 'gate-lab'],
    ] as const) {
      await c.subscribeAsync(`site/g1/${g}/decision`);
      c.on('message', (t, payload) => {
        if (t.endsWith('/decision')) {
          const d = JSON.parse(payload.toString()) as DecisionMessage;
          decisions.set(d.nonce, d);
        }
      });
    }
  });
  afterAll(async () => {
    await gate?.endAsync();
    await lab?.endAsync();
    await hub?.stop();
  });

  it('a valid code opens once; anti-passback; out; used up; unknown; the decision names the visitor', async () => {
    const { id, code, qr } = await register();
    const first = await scan('code', code);
    expect(first).toMatchObject({ decision: 'open', passId: id, name: 'Zhang Wei' });
    await passage('in', first.nonce);
    expect((await call(guard, 'GET', '/api/v1/gates/occupancy')).json()).toEqual({ visitors: 1, staff: 0 });
    expect(await scan('qr', qr)).toMatchObject({ decision: 'deny', reason: 'anti-passback' });
    const out = await scan('code', code, 'out');
    expect(out.decision).toBe('open');
    await passage('out', out.nonce);
    expect(await scan('code', code)).toMatchObject({ decision: 'deny', reason: 'used-up' });
    expect(await scan('code', '00000000')).toMatchObject({ decision: 'deny', reason: 'unknown' });
    expect(await scan('qr', 'not-a-pass')).toMatchObject({ decision: 'deny', reason: 'unknown' });
    // every decision kept, with its latency
    const rows = hub.db.prepare('SELECT * FROM gate_decisions ORDER BY id').all() as { latency_ms: number }[];
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.every((r) => r.latency_ms >= 0)).toBe(true);
  });

  it('an ID card finds the pass; expired and revoked passes are refused; wrong gate', async () => {
    const { id, code } = await register({
      maxEntries: 0,
      gates: ['gate-north'],
      idNumber: '110101199003077777',
    });
    expect(await scan('id', '110101199003077777')).toMatchObject({ decision: 'open', passId: id });
    expect(await scan('code', code, 'in', lab, 'gate-lab')).toMatchObject({
      decision: 'deny',
      reason: 'wrong-gate',
    });
    expect(
      (await call(guard, 'POST', `/api/v1/passes/${id}/revoke`, { comment: 'left early' })).statusCode,
    ).toBe(200);
    expect(await scan('code', code)).toMatchObject({ decision: 'deny', reason: 'revoked' });
    const later = await register({ maxEntries: 0 });
    clock.advance(3 * HOUR + MIN);
    expect(await scan('code', later.code)).toMatchObject({ decision: 'deny', reason: 'expired' });
  });

  it('staff badges open the gates of their zones only', async () => {
    expect(await scan('card', 'CARD-0001')).toMatchObject({ decision: 'open', name: 'Li Na' });
    expect(await scan('card', 'CARD-0001', 'in', lab, 'gate-lab')).toMatchObject({
      decision: 'deny',
      reason: 'wrong-gate',
    });
  });

  it('the allow-list: retained on the gate topic, signed with the gate key, holding the active QR tags', async () => {
    const { code, qr } = await register({ maxEntries: 3 });
    clock.advance(1_100); // the list goes out within a second of a pass change
    const admin = await sessionAs(hub, ['admin'], 'root2');
    const key = Buffer.from(
      (await call(admin, 'GET', '/api/v1/gates/gate-north/allowlist-key')).json().key,
      'hex',
    );
    expect((await call(guard, 'GET', '/api/v1/gates/gate-north/allowlist-key')).statusCode).toBe(403);
    // retained: a gate subscribing now (after a restart) gets the list at once
    const got = new Promise<Record<string, unknown>>((resolve) => {
      gate.on('message', (t, p) => {
        if (t === 'site/g1/gate-north/allowlist') resolve(JSON.parse(p.toString()));
      });
    });
    await gate.subscribeAsync('site/g1/gate-north/allowlist');
    const list = await got;
    const { sig, ...body } = list;
    expect(sig).toBe(createHmac('sha256', key).update(JSON.stringify(body)).digest('hex'));
    const tag = qr.split('.')[1];
    const h = createHmac('sha256', key).update(`qr:${tag}`).digest('hex');
    const badge = createHmac('sha256', key).update('card:CARD-0001').digest('hex');
    const hashes = (list.entries as { h: string }[]).map((e) => e.h);
    expect(hashes).toContain(h);
    expect(hashes).toContain(badge);
    // the typed code has no entry (gate-allowlist-attack.test.ts tries them all)
    expect(hashes).not.toContain(createHmac('sha256', key).update(`code:${code}`).digest('hex'));
  });

  it('offline sync: decisions recorded once as offline, passages counted with the gate’s times', async () => {
    const t = clock.now() - 10 * MIN;
    const events = [
      {
        kind: 'decision',
        credential: { type: 'card', value: 'CARD-0001' },
        nonce: 'off-1',
        ts: t,
        direction: 'in',
        decision: 'open',
      },
      { kind: 'door', event: 'opened', ts: t + 1_000 },
      { kind: 'passage', direction: 'in', nonce: 'off-1', ts: t + 2_000 },
      { kind: 'door', event: 'closed', ts: t + 4_000 },
    ];
    const before = hub.visitors.gateStore.passages(0, Number.MAX_SAFE_INTEGER).length;
    gate.publish('site/g1/gate-north/sync', JSON.stringify({ events }));
    gate.publish('site/g1/gate-north/sync', JSON.stringify({ events: events.slice(0, 1) })); // replayed
    await waitFor(() => hub.visitors.gateStore.passages(0, Number.MAX_SAFE_INTEGER).length > before);
    await new Promise((r) => setTimeout(r, 200));
    const rows = hub.db.prepare("SELECT * FROM gate_decisions WHERE nonce = 'off-1'").all() as {
      offline: number;
      badge_id: number;
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ offline: 1 });
    expect(rows[0]!.badge_id).toBeGreaterThan(0);
    const p = hub.visitors.gateStore.passages(t, t + 3_000);
    expect(p).toEqual([expect.objectContaining({ ts: t + 2_000, direction: 'in' })]);
    expect((await call(guard, 'GET', '/api/v1/gates/on-site')).json().staff).toEqual([
      expect.objectContaining({ holder: 'Li Na' }),
    ]);
  });

  it('door forced, held open and a burst of denials raise alerts; forced opens a ticket', async () => {
    const alertOf = (rule: string) => hub.alerts.list({ limit: 100 }).find((a) => a.ruleId === rule);
    gate.publish('site/g1/gate-north/door', JSON.stringify({ event: 'forced' }));
    await waitFor(() => alertOf('system:gate-door-forced')?.active === true);
    expect(alertOf('system:gate-door-forced')).toMatchObject({ severity: 'critical', assetId: 'gate-north' });
    await waitFor(() =>
      hub.maintenance.tickets.list({ limit: 10 }).some((t) => t.ruleId === 'system:gate-door-forced'),
    );
    expect(hub.maintenance.tickets.list({ limit: 10 })[0]!.title).toBe('North gate: gate door forced open');
    gate.publish('site/g1/gate-north/door', JSON.stringify({ event: 'closed' }));
    await waitFor(() => alertOf('system:gate-door-forced')?.active === false);

    const doors = doorEvents();
    gate.publish('site/g1/gate-north/door', JSON.stringify({ event: 'opened' }));
    await waitFor(() => doorEvents() > doors);
    clock.advance(31_000);
    await waitFor(() => alertOf('system:gate-held-open')?.active === true);

    for (let i = 0; i < 5; i++) await scan('code', `9999000${i}`);
    await waitFor(() => alertOf('system:gate-denial-burst')?.active === true);
    clock.advance(61_000);
    await waitFor(() => alertOf('system:gate-denial-burst')?.active === false);
  });

  it('malformed gate messages are counted and visible, never answered wrongly', async () => {
    gate.publish('site/g1/gate-north/scan', '{"credential":{"type":"face","value":"x"},"nonce":"m1"}');
    gate.publish('site/g1/gate-north/scan', 'not json');
    await waitFor(() => (hub.visitors.gates.statsByGate()['gate-north']?.malformed ?? 0) >= 2);
    const gates = (await call(guard, 'GET', '/api/v1/gates')).json();
    expect(gates.find((g: { id: string }) => g.id === 'gate-north')).toMatchObject({
      malformed: 2,
      lastProblem: expect.stringMatching(/malformed scan/),
    });
    expect(decisions.has('m1')).toBe(false);
  });

  it('traffic by gate, hour and day in the site’s time zone', async () => {
    const res = await call(
      guard,
      'GET',
      `/api/v1/gates/traffic?from=${clock.now() - 24 * HOUR}&to=${clock.now() + HOUR}`,
    );
    const t = res.json();
    expect(t.entries).toBe(2); // the visitor, and Li Na while the gate was offline
    expect(t.exits).toBe(1);
    expect(t.visitors).toBe(1);
    expect(t.byGate['gate-north']).toEqual({ in: 2, out: 1 });
    expect(t.decisions.denyReasons).toMatchObject({
      'anti-passback': 1,
      'used-up': 1,
      revoked: 1,
      expired: 1,
    });
  });

  const doorEvents = () =>
    (hub.db.prepare('SELECT COUNT(*) FROM gate_door_events').pluck().get() as number) ?? 0;
});
