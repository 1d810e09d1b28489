import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { DecisionMessage } from '../domains/visitors/gate-types.js';
import { HOLD_MARGIN_MS } from '../domains/visitors/gate-verdicts.js';
import { buildHub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { connectDevice, sessionAs, type TestSession, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';
import { gateSiteYaml, NORTH_SOUTH } from './site-fixtures.js';

const HOUR = 3_600_000;
const DOOR_OPEN_S = 10;
/** From an open decision until its hold lapses with no passage: the door time and the margin. */
const HOLD_MS = DOOR_OPEN_S * 1_000 + HOLD_MARGIN_MS;

function siteYaml(port: number, antiPassback: boolean): string {
  return gateSiteYaml({
    id: 'r1',
    name: 'Retry site',
    mqttPort: port,
    gates: NORTH_SOUTH,
    visitors: `  requireHostApproval: false
  antiPassback: ${antiPassback}
  doorOpenSeconds: ${DOOR_OPEN_S}
  staff:
    - { badge: 'CARD-0042', holder: Li Na, zones: [campus] }`,
  });
}

/** A hub on a manual clock and its two gates as plain MQTT clients speaking the gate protocol. */
async function gateHub(antiPassback: boolean) {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 1, 0));
  const port = await freePort();
  const hub = await buildHub(
    testHubOptions(parseSiteText(siteYaml(port, antiPassback), 'r.yaml'), { clock, live: false }),
  );
  await hub.start();
  const host = await sessionAs(hub, ['requester'], 'host');
  const answers: DecisionMessage[] = [];
  const gates: Record<string, MqttClient> = {};
  for (const [gate, device] of [
    ['gate-north', 'north-ctl'],
    ['gate-south', 'south-ctl'],
  ] as const) {
    const c = await connectDevice(hub, port, device);
    await c.subscribeAsync(`site/r1/${gate}/decision`);
    c.on('message', (_t, p) => answers.push(JSON.parse(p.toString()) as DecisionMessage));
    gates[gate] = c;
  }
  let n = 0;
  /** Scan and wait for the next answer for this nonce (a fresh nonce unless given: a retry). */
  const scan = async (
    gate: 'gate-north' | 'gate-south',
    credential: { type: string; value: string },
    opts: { direction?: 'in' | 'out'; nonce?: string } = {},
  ) => {
    const nonce = opts.nonce ?? `n${++n}`;
    const before = answers.filter((a) => a.nonce === nonce).length;
    gates[gate]!.publish(
      `site/r1/${gate}/scan`,
      JSON.stringify({ credential, nonce, ts: clock.now(), direction: opts.direction ?? 'in' }),
    );
    await waitFor(() => answers.filter((a) => a.nonce === nonce).length > before, 5_000);
    return answers.filter((a) => a.nonce === nonce).at(-1)!;
  };
  const passage = async (gate: 'gate-north' | 'gate-south', direction: 'in' | 'out', nonce: string) => {
    const count = () => hub.visitors.gateStore.passages(0, Number.MAX_SAFE_INTEGER).length;
    const before = count();
    gates[gate]!.publish(`site/r1/${gate}/passage`, JSON.stringify({ direction, nonce, ts: clock.now() }));
    await waitFor(() => count() > before);
  };
  const register = async (host: TestSession, maxEntries = 1) => {
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/visitors',
      headers: host.headers,
      payload: {
        name: 'Zhang Wei',
        phone: '13812345678',
        host: host.username,
        purpose: 'Meeting',
        validFrom: clock.now(),
        validUntil: clock.now() + 3 * HOUR,
        maxEntries,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { pass: { id: number }; code: string; qr: string };
  };
  const passRow = (id: number) =>
    hub.db.prepare('SELECT entries_used, inside FROM passes WHERE id = ?').get(id) as {
      entries_used: number;
      inside: number;
    };
  return {
    hub,
    port,
    clock,
    scan,
    passage,
    passRow,
    register: (maxEntries?: number) => register(host, maxEntries),
    async stop() {
      for (const c of Object.values(gates)) await c.endAsync();
      await hub.stop();
    },
  };
}

describe('a retried scan must present the same credential', () => {
  let t: Awaited<ReturnType<typeof gateHub>>;
  beforeAll(async () => {
    t = await gateHub(true);
  });
  afterAll(() => t?.stop());

  it('same gate and nonce with another credential: denied, counted and audited, not the recorded verdict', async () => {
    const { pass, code } = await t.register();
    const first = await t.scan('gate-north', { type: 'code', value: code }, { nonce: 'retry-1' });
    expect(first).toMatchObject({ decision: 'open', passId: pass.id });
    // a code that opens nothing, sent under the open scan's nonce
    const replay = await t.scan('gate-north', { type: 'code', value: '00000000' }, { nonce: 'retry-1' });
    expect(replay).toMatchObject({ decision: 'deny', reason: 'nonce-reused' });
    expect(replay.passId).toBeUndefined();
    // a badge under it too: the type is part of what is compared
    expect(
      await t.scan('gate-north', { type: 'card', value: 'CARD-0042' }, { nonce: 'retry-1' }),
    ).toMatchObject({ decision: 'deny', reason: 'nonce-reused' });
    // the real retry (the same scan again) still gets its recorded answer
    expect(await t.scan('gate-north', { type: 'code', value: code }, { nonce: 'retry-1' })).toMatchObject({
      decision: 'open',
      passId: pass.id,
    });
    expect(t.hub.visitors.gates.statsByGate()['gate-north']).toMatchObject({ nonceReused: 2 });
    const rows = t.hub.db
      .prepare("SELECT actor, via, target, outcome, detail FROM audit_log WHERE action = 'gate.nonce-reused'")
      .all();
    expect(rows).toEqual([
      {
        actor: 'north-ctl',
        via: 'device',
        target: 'gate-north',
        outcome: 'denied',
        detail: 'nonce retry-1: another code than the recorded code',
      },
      {
        actor: 'north-ctl',
        via: 'device',
        target: 'gate-north',
        outcome: 'denied',
        detail: 'nonce retry-1: another card than the recorded code',
      },
    ]);
    // the recorded decision is still the first scan's
    expect(
      t.hub.db.prepare("SELECT decision, pass_id FROM gate_decisions WHERE nonce = 'retry-1'").all(),
    ).toEqual([{ decision: 'open', pass_id: pass.id }]);
  });

  it('an offline sync under a recorded nonce with another credential is counted and audited, not recorded', async () => {
    const before = t.hub.visitors.gates.statsByGate()['gate-north']!.nonceReused;
    const client = await connectDevice(t.hub, t.port, 'north-ctl', {
      clientId: 'north-ctl-sync',
    });
    client.publish(
      'site/r1/gate-north/sync',
      JSON.stringify({
        events: [
          {
            kind: 'decision',
            credential: { type: 'qr', value: 'FH2:00000000.AAAAAAAAAAAAAAAAAAAAAA' },
            nonce: 'retry-1',
            ts: t.clock.now(),
            direction: 'in',
            decision: 'open',
          },
        ],
      }),
    );
    await waitFor(() => t.hub.visitors.gates.statsByGate()['gate-north']!.nonceReused === before + 1);
    await client.endAsync();
    expect(
      t.hub.db.prepare("SELECT COUNT(*) FROM gate_decisions WHERE nonce = 'retry-1'").pluck().get(),
    ).toBe(1);
  });
});

describe('a retried scan: how long the credential is remembered', () => {
  let t: Awaited<ReturnType<typeof gateHub>>;
  beforeAll(async () => {
    t = await gateHub(true);
  });
  afterAll(() => t?.stop());

  it('a decision keeps its credential’s hash for a day, then it is cleared (an ID card’s included)', async () => {
    const hashOf = (nonce: string) =>
      t.hub.db.prepare('SELECT credential_hash FROM gate_decisions WHERE nonce = ?').pluck().get(nonce);
    await t.scan('gate-north', { type: 'id', value: '110101199003077777' }, { nonce: 'id-1' });
    expect(hashOf('id-1')).toMatch(/^[0-9a-f]{64}$/);
    t.clock.advance(25 * HOUR); // the hourly clean-up runs on the hub's clock
    await waitFor(() => hashOf('id-1') === null);
    // a "retry" after that cannot be told from a reused nonce: refused
    expect(
      await t.scan('gate-north', { type: 'id', value: '110101199003077777' }, { nonce: 'id-1' }),
    ).toMatchObject({ decision: 'deny', reason: 'nonce-reused' });
  });
});

describe('an open decision holds its entry until the passage or the door time', () => {
  let t: Awaited<ReturnType<typeof gateHub>>;
  beforeAll(async () => {
    t = await gateHub(true);
  });
  afterAll(() => t?.stop());

  it('one code at two gates within the door time: the second is denied; unused, the hold lapses', async () => {
    const { pass, qr } = await t.register();
    const north = await t.scan('gate-north', { type: 'qr', value: qr });
    expect(north).toMatchObject({ decision: 'open', passId: pass.id });
    // before north reports the passage: the pass counts as inside (and its one entry as taken)
    t.clock.advance(HOLD_MS - 1);
    expect(await t.scan('gate-south', { type: 'qr', value: qr })).toMatchObject({
      decision: 'deny',
      reason: 'anti-passback',
    });
    expect(t.passRow(pass.id)).toEqual({ entries_used: 0, inside: 0 }); // nothing recorded as used
    // the door time passed with no passage: the visitor did not go in, and may try again
    t.clock.advance(1);
    const south = await t.scan('gate-south', { type: 'qr', value: qr });
    expect(south).toMatchObject({ decision: 'open', passId: pass.id });
    await t.passage('gate-south', 'in', south.nonce);
    expect(t.passRow(pass.id)).toEqual({ entries_used: 1, inside: 1 });
    expect(t.hub.visitors.gates.verdicts.holds.size).toBe(0); // the passage ended the hold
    // inside now (by the recorded passage): the north gate refuses another entry
    expect(await t.scan('gate-north', { type: 'qr', value: qr })).toMatchObject({
      decision: 'deny',
      reason: 'anti-passback',
    });
  });

  it('leaving while the entry is held (its passage not reported yet) is not refused', async () => {
    const { pass, code } = await t.register();
    const entry = await t.scan('gate-north', { type: 'code', value: code });
    expect(entry.decision).toBe('open');
    // the passage report is late; the visitor is already at the south gate on their way out
    expect(await t.scan('gate-south', { type: 'code', value: code }, { direction: 'out' })).toMatchObject({
      decision: 'open',
      passId: pass.id,
    });
  });

  it('staff badges: a second gate refuses a badge let in and not yet through', async () => {
    const badge = { type: 'card', value: 'CARD-0042' };
    const first = await t.scan('gate-north', badge);
    expect(first.decision).toBe('open');
    expect(await t.scan('gate-south', badge)).toMatchObject({ decision: 'deny', reason: 'anti-passback' });
    await t.passage('gate-north', 'in', first.nonce);
    expect(await t.scan('gate-south', badge, { direction: 'out' })).toMatchObject({ decision: 'open' });
  });
});

describe('without anti-passback, the held entry counts toward the pass’s entries', () => {
  let t: Awaited<ReturnType<typeof gateHub>>;
  beforeAll(async () => {
    t = await gateHub(false);
  });
  afterAll(() => t?.stop());

  it('a one-entry pass opens one gate, not two; after the door time it may try again', async () => {
    const { pass, code } = await t.register(1);
    expect(await t.scan('gate-north', { type: 'code', value: code })).toMatchObject({ decision: 'open' });
    expect(await t.scan('gate-south', { type: 'code', value: code })).toMatchObject({
      decision: 'deny',
      reason: 'used-up',
    });
    t.clock.advance(HOLD_MS);
    const again = await t.scan('gate-south', { type: 'code', value: code });
    expect(again).toMatchObject({ decision: 'open', passId: pass.id });
    await t.passage('gate-south', 'in', again.nonce);
    expect(await t.scan('gate-north', { type: 'code', value: code })).toMatchObject({
      decision: 'deny',
      reason: 'used-up',
    });
  });
});
