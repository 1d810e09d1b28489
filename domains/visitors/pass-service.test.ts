import { describe, expect, it } from 'vitest';
import { EventBus, type EventMap } from '../../core/bus.js';
import { ManualClock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { AuditLog } from '../../platform/audit/audit-log.js';
import { openDatabase } from '../../platform/db/database.js';
import { permissionsOf, type Role } from '../../platform/security/roles.js';
import { UserStore } from '../../platform/security/user-store.js';
import { passQr, qrTagger } from './pass-qr.js';
import { type Issued, PassService } from './pass-service.js';
import type { PassActor } from './pass-state.js';
import { PassStore } from './pass-store.js';
import { keyedHash } from './privacy.js';
import { VisitorsSchema } from './visitor-schema.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 2, 1, 8);
const KEY = Buffer.alloc(32, 3);
/** The state allows the step, but not for this person. */
const forbiddenStep = expect.objectContaining({
  kind: 'forbidden',
  message: expect.stringMatching(/^only .+ may /),
});

function setup(visitors: object = {}, drawCode?: () => string) {
  const db = openDatabase(':memory:', silentLogger);
  const clock = new ManualClock(T0);
  const bus = new EventBus(silentLogger);
  const users = new UserStore(db);
  const audit = new AuditLog(db, () => clock.now());
  const actor = (username: string, roles: Role[]): PassActor => {
    users.create({ username, displayName: username, roles, passwordHash: 'x', now: T0 });
    return { username, permissions: permissionsOf(roles), via: 'session' };
  };
  const issued: Issued[] = [];
  const passes = new PassService(new PassStore(db), {
    config: VisitorsSchema.parse(visitors),
    gates: new Set(['gate-a', 'gate-b']),
    key: KEY,
    users,
    bus,
    clock,
    audit,
    log: silentLogger,
    onIssued: (i) => issued.push(i),
    drawCode,
  });
  const events: [keyof EventMap, string][] = [];
  for (const e of ['pass.requested', 'pass.decided', 'pass.revoked'] as const)
    bus.on(e, ({ pass }) => events.push([e, pass.state]));
  const host = actor('host', ['requester']);
  const desk = actor('desk', ['requester']);
  const guard = actor('guard', ['security']);
  const other = actor('other', ['engineer']);
  const register = (extra: object = {}, by = desk) =>
    passes.register(by, {
      name: 'Zhang Wei',
      phone: '13812345678',
      idNumber: '34010219900101123X',
      host: 'host',
      purpose: 'Meeting',
      validFrom: T0 + HOUR,
      validUntil: T0 + 5 * HOUR,
      ...extra,
    });
  return { db, clock, passes, audit, issued, events, host, desk, guard, other, register };
}

describe('the pass lifecycle', () => {
  it('requested → approved (a code issued once) → revoked, with who and when and the events', () => {
    const t = setup();
    const { pass } = t.register();
    expect(pass).toMatchObject({ state: 'requested', host: 'host', createdBy: 'desk', issued: false });
    expect(pass.opensAt).toBe(T0 + HOUR - 30 * MIN);
    t.clock.advance(MIN);
    const issued = t.passes.approve(pass.id, t.host, 'see you');
    expect(issued.code).toMatch(/^\d{8}$/);
    // FH2:<code>.<128-bit tag bound to the pass>
    expect(issued.qr).toBe(`FH2:${issued.code}.${qrTagger(KEY)(pass.id, issued.code)}`);
    expect(issued.qr).toMatch(/^FH2:\d{8}\.[\w-]{22}$/);
    expect(issued.pass).toMatchObject({
      state: 'approved',
      issued: true,
      decidedBy: 'host',
      decidedAt: T0 + MIN,
      decisionComment: 'see you',
    });
    expect(t.issued).toEqual([issued]);
    expect(JSON.stringify(t.passes.get(pass.id))).not.toContain(issued.code);
    const revoked = t.passes.revoke(pass.id, t.guard, 'lost badge');
    expect(revoked).toMatchObject({ state: 'revoked', revokedBy: 'guard', revokedAt: T0 + MIN });
    expect(t.events).toEqual([
      ['pass.requested', 'requested'],
      ['pass.decided', 'approved'],
      ['pass.revoked', 'revoked'],
    ]);
    const audit = t.audit.query({ limit: 10 }).map((e) => [e.action, e.actor, e.target]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['pass.registered', 'desk', String(pass.id)],
        ['pass.approved', 'host', String(pass.id)],
        ['pass.revoked', 'guard', String(pass.id)],
      ]),
    );
  });

  it('refuses steps the state does not allow with the allowed ones, and people who may not take them', () => {
    const t = setup();
    const { pass } = t.register();
    const err = (() => {
      try {
        t.passes.revoke(pass.id, t.host);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      kind: 'conflict',
      details: { state: 'requested', allowed: ['approve', 'decline', 'cancel'] },
    });
    expect(() => t.passes.approve(pass.id, t.other)).toThrow(forbiddenStep);
    expect(() => t.passes.approve(pass.id, t.desk)).toThrow('only its host or security');
    t.passes.decline(pass.id, t.guard, 'no escort available');
    expect(() => t.passes.approve(pass.id, t.host)).toThrow(
      `cannot approve pass ${pass.id} in state declined; allowed: none`,
    );
  });

  it('cancels a request any time, an approved pass only before its window and before use', () => {
    const t = setup();
    const a = t.register().pass;
    expect(t.passes.cancel(a.id, t.desk).state).toBe('cancelled');
    const b = t.register().pass;
    t.passes.approve(b.id, t.host);
    expect(() => t.passes.cancel(b.id, t.other)).toThrow(forbiddenStep);
    t.clock.advance(HOUR);
    expect(() => t.passes.cancel(b.id, t.host)).toThrow('its window has started (revoke it instead)');
    const c = t.register({ validFrom: T0 + 3 * HOUR }).pass;
    t.passes.approve(c.id, t.guard);
    t.passes.recordEntry(c.id, 'in');
    expect(() => t.passes.cancel(c.id, t.host)).toThrow('it has been used');
    expect(t.events.filter(([e]) => e === 'pass.revoked')).toEqual([['pass.revoked', 'cancelled']]);
  });

  it('issues at registration when the host need not approve', () => {
    const t = setup({ requireHostApproval: false });
    const r = t.register();
    expect(r.pass).toMatchObject({ state: 'approved', decidedBy: 'system', issued: true });
    expect(r.code).toMatch(/^\d{8}$/);
    expect(t.events).toEqual([['pass.decided', 'approved']]);
  });

  it('validates the host, the window and the gates', () => {
    const t = setup({ pass: { maxDays: 2 } });
    expect(() => t.register({ host: 'nobody' })).toThrow('no active user "nobody" to be the host');
    expect(() => t.register({ validUntil: T0 + HOUR })).toThrow('validUntil must be after validFrom');
    expect(() => t.register({ validUntil: T0 + HOUR + 3 * DAY })).toThrow(
      'the window is longer than 2 day(s) (visitors.pass.maxDays)',
    );
    expect(() => t.register({ validFrom: T0 - 2 * HOUR, validUntil: T0 - HOUR })).toThrow(
      'the window is already over',
    );
    expect(() => t.register({ gates: ['gate-a', 'gate-x'] })).toThrow('no visitor gate "gate-x"');
    expect(() => t.register({ phone: 'call me' })).toThrow(
      expect.objectContaining({ kind: 'invalid', message: 'phone: expected 5–20 digits, optionally with +' }),
    );
    expect(t.register({ gates: ['gate-b', 'gate-b'] }).pass.gates).toEqual(['gate-b']);
  });
});

describe('what the gate engine uses', () => {
  it('draws another code when one is taken', () => {
    const draws = ['11111111', '11111111', '22222222'];
    const t = setup({}, () => draws.shift()!);
    const first = t.passes.approve(t.register().pass.id, t.host);
    const second = t.passes.approve(t.register().pass.id, t.host);
    expect([first.code, second.code]).toEqual(['11111111', '22222222']);
    const qr = passQr(KEY, second.pass.id, '22222222');
    expect(t.passes.passByCodeHash(t.passes.codeHash(qr))?.id).toBe(second.pass.id);
    expect(t.passes.codeHash('FH1:22222222')).toBe(keyedHash(KEY, 'code', '22222222'));
    expect(t.passes.codeHash(' 2222-2222 ')).toBe(keyedHash(KEY, 'code', '22222222'));
  });

  it('finds a pass by its code hash, counts entries, lists the active ones', () => {
    const t = setup();
    const { pass, code } = t.passes.approve(t.register({ gates: ['gate-a'] }).pass.id, t.host);
    t.passes.approve(t.register({ validFrom: T0 + 2 * HOUR, validUntil: T0 + 3 * HOUR }).pass.id, t.host);
    t.register(); // still requested: not active
    const row = t.passes.passByCodeHash(t.passes.codeHash(code))!;
    expect(row).toMatchObject({
      id: pass.id,
      state: 'approved',
      visitor_name: 'Zhang Wei',
      max_entries: 1,
      entries_used: 0,
      inside: 0,
      gates: '["gate-a"]',
    });
    t.passes.recordEntry(pass.id, 'in');
    expect(t.passes.passByCodeHash(row.code_hash!)).toMatchObject({ entries_used: 1, inside: 1 });
    t.passes.recordEntry(pass.id, 'out');
    expect(t.passes.passByCodeHash(row.code_hash!)).toMatchObject({ entries_used: 1, inside: 0 });
    expect(t.passes.activePasses(T0).map((p) => p.state)).toEqual(['approved', 'approved']);
    expect(t.passes.activePasses(T0 + 4 * HOUR)).toHaveLength(1);
    expect(t.passes.activePasses(T0 + 5 * HOUR)).toHaveLength(0);
    expect(t.passes.passByCodeHash(keyedHash(KEY, 'code', '00000000'))).toBeUndefined();
  });

  it('purges personal fields after the retention, not while a pass may still open a gate', () => {
    const t = setup({ retentionDays: 1 });
    const old = t.passes.approve(t.register().pass.id, t.host);
    const long = t.passes.approve(t.register({ validUntil: T0 + 2 * DAY }).pass.id, t.host);
    expect(t.passes.purge(T0 + DAY - 1)).toBe(0);
    expect(t.passes.purge(T0 + DAY)).toBe(1);
    expect(t.passes.get(old.pass.id)).toMatchObject({
      visitorName: 'erased',
      phoneMasked: null,
      idMasked: null,
      company: null,
      issued: false,
    });
    const raw = t.db.prepare('SELECT * FROM visitors WHERE id = ?').get(old.pass.visitorId);
    expect(raw).toMatchObject({ phone_hash: null, id_hash: null });
    expect(t.passes.get(long.pass.id)?.visitorName).toBe('Zhang Wei');
    expect(t.passes.purge(T0 + DAY)).toBe(0); // erased once
    expect(t.passes.purge(T0 + 2 * DAY)).toBe(1);
    expect(t.audit.query({ action: 'visitors.purged', limit: 5 })).toHaveLength(2);
  });
});
