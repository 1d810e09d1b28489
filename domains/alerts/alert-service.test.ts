import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActingPerson } from '../../core/actor.js';
import { EventBus, type EventMap } from '../../core/bus.js';
import { ManualClock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { AuditLog } from '../../platform/audit/audit-log.js';
import { type Db, openDatabase } from '../../platform/db/database.js';
import { type AlertInstance, AlertService, type AlertVerdict } from './alert-service.js';

const T0 = 1_700_000_000_000;
const alice: ActingPerson = {
  username: 'alice',
  permissions: new Set(['alerts:ack', 'alerts:manage']),
  via: 'session',
  ip: '10.0.0.5',
};
const HOUR = 3_600_000;

const instance = (over: Partial<AlertInstance> = {}): AlertInstance => ({
  key: 'high-temp|ahu-1|ahu-1/supply_temp_c',
  ruleId: 'high-temp',
  assetId: 'ahu-1',
  pointId: 'ahu-1/supply_temp_c',
  severity: 'high',
  priority: 2,
  chatter: { transitions: 5, withinMs: 60_000 },
  ...over,
});
/** The refusal of a transition the table does not allow (a 409 with the state and the allowed actions). */
const refused = (details?: { state: string; allowed: string[] }) =>
  expect.objectContaining({ kind: 'conflict', ...(details ? { details } : {}) });
const on: AlertVerdict = { active: true, message: 'supply_temp_c 9.4 °C above 8 °C', value: 9.4 };
const off: AlertVerdict = { active: false, message: 'supply_temp_c 7.1 °C', value: 7.1 };

type Ev = { name: keyof EventMap; from?: string; to?: string; by?: string; state: string; id: number };

describe('AlertService', () => {
  let dir: string;
  let db: Db;
  let clock: ManualClock;
  let bus: EventBus;
  let audit: AuditLog;
  let svc: AlertService;
  let events: Ev[];

  const build = () => {
    bus = new EventBus(silentLogger);
    audit = new AuditLog(db, () => clock.now());
    svc = new AlertService({ db, bus, clock, log: silentLogger, audit });
    events = [];
    bus.on('alert.raised', (e) =>
      events.push({ name: 'alert.raised', state: e.alert.state, id: e.alert.id }),
    );
    bus.on('alert.cleared', (e) =>
      events.push({ name: 'alert.cleared', state: e.alert.state, id: e.alert.id }),
    );
    bus.on('alert.changed', (e) =>
      events.push({
        name: 'alert.changed',
        from: e.from,
        to: e.to,
        by: e.by,
        state: e.alert.state,
        id: e.alert.id,
      }),
    );
  };
  /** Call conditionChanged at the clock's time, after moving it on. */
  const feed = (verdict: AlertVerdict, afterMs = 1_000, inst = instance()) => {
    clock.advance(afterMs);
    return svc.conditionChanged(inst, verdict, clock.now());
  };
  const names = () => events.map((e) => e.name);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    db = openDatabase(dir, silentLogger);
    clock = new ManualClock(T0);
    build();
  });
  afterEach(() => {
    if (db.open) db.close();
  });

  it('creates the alert on its first activation, raises it once, and records the transition', () => {
    expect(feed(off)).toBeUndefined(); // normal and no alert yet: nothing to store
    expect(svc.list({ limit: 10 })).toEqual([]);
    const a = feed(on)!;
    expect(a).toMatchObject({
      key: 'high-temp|ahu-1|ahu-1/supply_temp_c',
      ruleId: 'high-temp',
      assetId: 'ahu-1',
      pointId: 'ahu-1/supply_temp_c',
      severity: 'high',
      priority: 2,
      state: 'unacked',
      active: true,
      message: on.message,
      value: 9.4,
      raisedAt: clock.now(),
      occurrences: 1,
      flapping: false,
    });
    expect(names()).toEqual(['alert.raised']);
    feed(on); // the same verdict again: nothing
    feed({ ...on, value: 9.6, message: 'supply_temp_c 9.6 °C above 8 °C' }); // a new value, same verdict
    expect(names()).toEqual(['alert.raised']);
    const full = svc.get(a.id)!;
    expect(full.value).toBe(9.6);
    expect(full.transitions).toEqual([
      expect.objectContaining({
        from: 'normal',
        to: 'unacked',
        event: 'activate',
        actor: 'system',
        via: 'rules',
        value: 9.4,
        ts: T0 + 2_000,
      }),
    ]);
  });

  it('clear → rtn-unacked (cleared); ack → normal; activate again is a new occurrence', () => {
    const { id } = feed(on)!;
    expect(feed(off)).toMatchObject({ state: 'rtn-unacked', active: false, clearedAt: clock.now() });
    clock.advance(5_000);
    expect(svc.ack(id, alice, 'seen it')).toMatchObject({
      state: 'normal',
      ackedBy: 'alice',
      ackComment: 'seen it',
      ackedAt: clock.now(),
    });
    const again = feed(on)!;
    expect(again).toMatchObject({ state: 'unacked', occurrences: 2, ackedBy: null, clearedAt: null });
    expect(events.map((e) => [e.name, e.state])).toEqual([
      ['alert.raised', 'unacked'],
      ['alert.cleared', 'rtn-unacked'],
      ['alert.changed', 'normal'],
      ['alert.raised', 'unacked'],
    ]);
    expect(events[2]).toMatchObject({ from: 'rtn-unacked', to: 'normal', by: 'alice' });
    expect(svc.get(id)!.transitions.map((t) => [t.from, t.to, t.event, t.actor, t.via, t.comment])).toEqual([
      ['normal', 'unacked', 'activate', 'system', 'rules', null],
      ['unacked', 'rtn-unacked', 'clear', 'system', 'rules', null],
      ['rtn-unacked', 'normal', 'ack', 'alice', 'session', 'seen it'],
      ['normal', 'unacked', 'activate', 'system', 'rules', null],
    ]);
    const audited = audit.query({ action: 'alert.', limit: 10 });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      actor: 'alice',
      via: 'session',
      ip: '10.0.0.5',
      action: 'alert.acknowledged',
      target: String(id),
      outcome: 'ok',
      before: { state: 'rtn-unacked' },
      after: { state: 'normal' },
      detail: 'seen it',
    });
  });

  it('ack then clear goes to normal; a second ack is refused naming what is allowed (and audited)', () => {
    const { id } = feed(on)!;
    expect(svc.ack(id, alice).state).toBe('acked');
    feed(on); // acked + activate: stays
    let err: unknown;
    try {
      svc.ack(id, alice, 'again');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      kind: 'conflict',
      message: `cannot ack alert ${id} in state acked; allowed: shelve`,
      details: { state: 'acked', allowed: ['shelve'] },
    });
    expect(audit.query({ action: 'alert.acknowledged', outcome: 'failed', limit: 5 })).toHaveLength(1);
    expect(feed(off)).toMatchObject({ state: 'normal', active: false });
    expect(names()).toEqual(['alert.raised', 'alert.changed', 'alert.cleared']);
    expect(() => svc.ack(id, alice)).toThrow(refused());
    expect(() => svc.unshelve(id, alice)).toThrow(/allowed: shelve/);
    expect(() => svc.ack(424242, alice)).toThrow(
      expect.objectContaining({ kind: 'not-found', message: 'no alert "424242"' }),
    );
  });

  it('shelving hides changes until it expires (tick) or is undone; it comes back as unacked if active', () => {
    const { id } = feed(on)!;
    events = [];
    const shelved = svc.shelve(id, alice, 60_000, 'sensor being replaced');
    expect(shelved).toMatchObject({
      state: 'shelved',
      shelvedBy: 'alice',
      shelvedUntil: clock.now() + 60_000,
    });
    expect(events).toEqual([
      expect.objectContaining({ name: 'alert.changed', from: 'unacked', to: 'shelved' }),
    ]);
    expect(() => svc.shelve(id, alice, 1_000)).toThrow(refused());
    expect(() => svc.ack(id, alice)).toThrow(refused({ state: 'shelved', allowed: ['unshelve'] }));
    // condition changes while shelved: remembered, no events, no transitions
    feed(off);
    feed(on);
    feed(off, 1_000);
    expect(events).toHaveLength(1);
    expect(svc.get(id)).toMatchObject({ state: 'shelved', active: false });
    feed(on, 1_000);
    svc.tick(clock.now()); // not yet
    expect(svc.get(id)!.state).toBe('shelved');
    clock.advance(60_000);
    svc.tick(clock.now());
    const back = svc.get(id)!;
    expect(back).toMatchObject({ state: 'unacked', active: true, shelvedUntil: null, shelvedBy: null });
    expect(back.transitions.slice(-2).map((t) => [t.from, t.to, t.event, t.actor, t.via, t.comment])).toEqual(
      [
        ['unacked', 'shelved', 'shelve', 'alice', 'session', 'sensor being replaced'],
        ['shelved', 'unacked', 'unshelve', 'system', 'timer', 'shelf expired'],
      ],
    );
    // back from the shelf, still active: changed, and raised again for webhooks and automation
    expect(events.slice(-2)).toMatchObject([
      { name: 'alert.changed', from: 'shelved', to: 'unacked', by: 'system' },
      { name: 'alert.raised' },
    ]);

    // shelved while active, cleared meanwhile, unshelved by hand: normal
    svc.shelve(id, alice, 3_600_000);
    feed(off);
    expect(svc.unshelve(id, alice)).toMatchObject({ state: 'normal', active: false });
    expect(audit.query({ action: 'alert.', limit: 10 }).map((e) => [e.action, e.outcome])).toEqual([
      ['alert.unshelved', 'ok'],
      ['alert.shelved', 'ok'],
      ['alert.acknowledged', 'failed'],
      ['alert.shelved', 'failed'],
      ['alert.shelved', 'ok'],
    ]);
  });

  it('out of service suppresses every alert of the asset and any raised meanwhile, until it ends', () => {
    const a = feed(on)!;
    const other = instance({ key: 'low-flow|ahu-1|', ruleId: 'low-flow', pointId: undefined });
    const elsewhere = instance({ key: 'high-temp|ahu-2|ahu-2/supply_temp_c', assetId: 'ahu-2' });
    feed(on, 0, elsewhere);
    events = [];
    const res = svc.setOutOfService('ahu-1', alice, {
      on: true,
      until: clock.now() + 600_000,
      comment: 'filter swap',
    });
    expect(res.window).toMatchObject({ assetId: 'ahu-1', by: 'alice', comment: 'filter swap' });
    expect(res.alerts.map((x) => [x.id, x.state])).toEqual([[a.id, 'suppressed']]);
    expect(svc.outOfService('ahu-1')).toMatchObject({ since: clock.now(), until: clock.now() + 600_000 });
    expect(svc.outOfService('ahu-2')).toBeUndefined();
    expect(events).toEqual([
      expect.objectContaining({ name: 'alert.changed', from: 'unacked', to: 'suppressed' }),
    ]);

    // a new alert of the asset while out of service: suppressed from the start, never raised
    const b = feed(on, 1_000, other)!;
    expect(b).toMatchObject({ state: 'suppressed', active: true, occurrences: 1 });
    feed(off, 1_000, instance());
    expect(names()).not.toContain('alert.raised');
    expect(names()).not.toContain('alert.cleared');
    expect(() => svc.ack(b.id, alice)).toThrow(refused({ state: 'suppressed', allowed: [] }));
    expect(() => svc.shelve(b.id, alice, 1_000)).toThrow(refused());
    expect(svc.activeCount()).toMatchObject({ high: 1, total: 1, unacked: 1 }); // only ahu-2's
    expect(svc.outOfServiceList().map((m) => m.assetId)).toEqual(['ahu-1']);

    // the window ends by itself: the active one is unacked again, the cleared one normal
    clock.advance(600_000);
    svc.tick(clock.now());
    expect(svc.outOfService('ahu-1')).toBeUndefined();
    expect(svc.get(a.id)).toMatchObject({ state: 'normal', active: false });
    expect(svc.get(b.id)).toMatchObject({ state: 'unacked', active: true });
    expect(svc.get(b.id)!.transitions.map((t) => [t.from, t.to, t.event, t.via])).toEqual([
      ['normal', 'suppressed', 'suppress', 'rules'],
      ['suppressed', 'unacked', 'unsuppress', 'timer'],
    ]);
    expect(
      audit
        .query({ action: 'alert.', limit: 5 })
        .filter((e) => e.action.startsWith('alert.maintenance'))
        .map((e) => [e.action, e.actor]),
    ).toEqual([
      ['alert.maintenance-ended', 'system'],
      ['alert.maintenance-started', 'alice'],
    ]);

    // on, then off by hand; off again changes nothing
    svc.setOutOfService('ahu-1', alice, { on: true, until: clock.now() + HOUR });
    expect(svc.get(b.id)!.state).toBe('suppressed');
    expect(svc.setOutOfService('ahu-1', alice, { on: false }).alerts.map((x) => x.state)).toEqual([
      'normal',
      'unacked',
    ]);
    expect(svc.setOutOfService('ahu-1', alice, { on: false })).toEqual({ window: null, alerts: [] });
  });

  it('out of service outranks a shelf', () => {
    const { id } = feed(on)!;
    svc.shelve(id, alice, 60_000);
    svc.setOutOfService('ahu-1', alice, { on: true, until: clock.now() + HOUR });
    expect(svc.get(id)).toMatchObject({ state: 'suppressed', shelvedUntil: null });
    clock.advance(120_000);
    svc.tick(clock.now());
    expect(svc.get(id)!.state).toBe('suppressed');
    svc.setOutOfService('ahu-1', alice, { on: false });
    expect(svc.get(id)!.state).toBe('unacked');
  });

  it("a gate's own alert is security's by its rule id, even with no asset kind known", () => {
    const forced = feed(
      on,
      1_000,
      instance({
        key: 'system:gate-door-forced|gate-9|',
        ruleId: 'system:gate-door-forced',
        assetId: 'gate-9',
      }),
    )!;
    expect(forced.managePermission).toBe('alerts:security');
    expect(feed(on)!.managePermission).toBe('alerts:manage');
    expect(() => svc.shelve(forced.id, alice, 60_000)).toThrow(
      expect.objectContaining({ kind: 'forbidden', details: { needs: 'alerts:security' } }),
    );
    const guard: ActingPerson = { ...alice, username: 'guard', permissions: new Set(['alerts:security']) };
    expect(svc.shelve(forced.id, guard, 60_000).state).toBe('shelved');
    expect(() => svc.unshelve(forced.id, alice)).toThrow(expect.objectContaining({ kind: 'forbidden' }));
    expect(svc.unshelve(forced.id, guard).state).toBe('unacked');
    // an out-of-service window needs an end, at most 72 h ahead by default
    expect(() => svc.setOutOfService('ahu-1', alice, { on: true })).toThrow(/^until: required/);
    expect(() =>
      svc.setOutOfService('ahu-1', alice, { on: true, until: clock.now() + 72 * HOUR + 1 }),
    ).toThrow(/^until: at most 72 h ahead/);
  });

  it('a chattering condition becomes one flapping alert, silent until quiet for the window', () => {
    const inst = instance({ chatter: { transitions: 4, withinMs: 60_000 } });
    const { id } = feed(on, 1_000, inst)!; // flip 1
    feed(off, 1_000, inst); // 2
    feed(on, 1_000, inst); // 3
    expect(names()).toEqual(['alert.raised', 'alert.cleared', 'alert.raised']);
    const flapping = feed(off, 1_000, inst)!; // 4: flapping, state held
    expect(flapping).toMatchObject({ flapping: true, state: 'unacked', active: false });
    expect(events.at(-1)).toMatchObject({
      name: 'alert.changed',
      from: 'unacked',
      to: 'unacked',
      by: 'system',
    });
    const recorded = svc.get(id)!.transitions.length;
    for (let i = 0; i < 10; i++) feed(i % 2 ? off : on, 5_000, inst);
    expect(events).toHaveLength(4);
    expect(svc.get(id)!.transitions).toHaveLength(recorded);
    expect(svc.get(id)).toMatchObject({ active: false, flapping: true, occurrences: 7 });
    // quiet for less than the window: still flapping
    clock.advance(59_000);
    svc.tick(clock.now());
    expect(svc.get(id)!.flapping).toBe(true);
    clock.advance(1_000);
    svc.tick(clock.now());
    expect(svc.get(id)).toMatchObject({ flapping: false, state: 'rtn-unacked', active: false });
    // settled: changed, and the clear the flapping kept quiet is told (an automation's onCleared runs)
    expect(events.slice(-2)).toMatchObject([
      { name: 'alert.changed', from: 'unacked', to: 'rtn-unacked' },
      { name: 'alert.cleared' },
    ]);
    expect(
      svc
        .get(id)!
        .transitions.slice(-2)
        .map((t) => [t.from, t.to, t.event]),
    ).toEqual([
      ['unacked', 'unacked', 'flapping'],
      ['unacked', 'rtn-unacked', 'flapping-ended'],
    ]);
    // and it behaves normally again
    feed(on, 1_000, inst);
    expect(events.at(-1)).toMatchObject({ name: 'alert.raised' });
  });

  it('a flapping alert that went quiet settles on the next verdict too (without tick)', () => {
    const inst = instance({ chatter: { transitions: 2, withinMs: 10_000 } });
    const { id } = feed(on, 1_000, inst)!;
    feed(off, 1_000, inst); // flapping
    expect(svc.get(id)!.flapping).toBe(true);
    feed(on, 20_000, inst);
    expect(svc.get(id)).toMatchObject({ flapping: false, state: 'unacked', active: true });
    // it settled on the clear it had gone quiet with, then the new activation raised it
    expect(names()).toEqual([
      'alert.raised',
      'alert.changed',
      'alert.changed',
      'alert.cleared',
      'alert.raised',
    ]);
  });

  it('survives a restart: the state is read back and the same verdict raises nothing', () => {
    const a = feed(on)!;
    svc.ack(a.id, alice, 'on it');
    const b = feed(on, 1_000, instance({ key: 'k2|ahu-1|', ruleId: 'k2', pointId: undefined }))!;
    svc.shelve(b.id, alice, 60_000);
    svc.setOutOfService('ahu-9', alice, { on: true, until: clock.now() + HOUR, comment: 'decommissioning' });
    db.close();
    db = openDatabase(dir, silentLogger);
    build();
    expect(svc.activeKeys().sort()).toEqual([a.key, b.key].sort());
    expect(svc.outOfService('ahu-9')).toMatchObject({ comment: 'decommissioning' });
    expect(feed(on)).toMatchObject({ id: a.id, state: 'acked', ackComment: 'on it', occurrences: 1 });
    expect(events).toEqual([]);
    clock.advance(60_000);
    svc.tick(clock.now());
    expect(svc.get(b.id)!.state).toBe('unacked');
    expect(feed(off)).toMatchObject({ state: 'normal' });
    expect(names()).toEqual(['alert.changed', 'alert.raised', 'alert.cleared']);
  });

  it('lists newest first with filters and paging; counts what is active by severity', () => {
    const ids: number[] = [];
    for (const [i, sev] of (['critical', 'high', 'low', 'high'] as const).entries())
      ids.push(
        feed(
          on,
          1_000,
          instance({ key: `r${i}|a${i % 2}|`, ruleId: `r${i}`, assetId: `a${i % 2}`, severity: sev }),
        )!.id,
      );
    feed(off, 1_000, instance({ key: 'r1|a1|', ruleId: 'r1', assetId: 'a1', severity: 'high' }));
    svc.ack(ids[3]!, alice);
    expect(svc.list({ limit: 10 }).map((a) => a.id)).toEqual([...ids].reverse());
    expect(svc.list({ limit: 2 }).map((a) => a.id)).toEqual([ids[3], ids[2]]);
    expect(svc.list({ limit: 2, beforeId: ids[2] }).map((a) => a.id)).toEqual([ids[1], ids[0]]);
    expect(svc.list({ limit: 10, severity: 'high' }).map((a) => a.id)).toEqual([ids[3], ids[1]]);
    expect(svc.list({ limit: 10, active: false }).map((a) => a.id)).toEqual([ids[1]]);
    expect(svc.list({ limit: 10, state: 'acked' }).map((a) => a.id)).toEqual([ids[3]]);
    expect(svc.list({ limit: 10, assetId: 'a0' }).map((a) => a.id)).toEqual([ids[2], ids[0]]);
    expect(svc.activeCount()).toEqual({ critical: 1, high: 1, medium: 0, low: 1, total: 3, unacked: 3 });
    expect(svc.get(999)).toBeUndefined();
  });

  it('a state-code verdict may raise the severity', () => {
    expect(feed({ ...on, severity: 'critical' })).toMatchObject({ severity: 'critical' });
  });
});
