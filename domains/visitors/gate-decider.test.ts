import { describe, expect, it } from 'vitest';
import { type BadgeFacts, type DecideInput, decide, type PassFacts } from './gate-decider.js';

const H = 3_600_000;
const now = Date.UTC(2026, 10, 25, 2, 0);
const pass = (p: Partial<PassFacts> = {}): PassFacts => ({
  id: 7,
  state: 'approved',
  validFrom: now - H,
  validUntil: now + H,
  maxEntries: 1,
  entriesUsed: 0,
  gates: null,
  inside: false,
  name: 'Visitor Wang',
  ...p,
});
const badge = (b: Partial<BadgeFacts> = {}): BadgeFacts => ({
  id: 3,
  holder: 'Staff Li',
  zones: new Set(['campus', 'gates']),
  inside: false,
  disabled: false,
  ...b,
});
const at = (i: Partial<DecideInput> = {}): DecideInput => ({
  type: 'code',
  gateId: 'gate-north',
  gateZone: 'gates',
  direction: 'in',
  now,
  ...i,
});
const policy = { antiPassback: true, earlyMs: 30 * 60_000 };

describe('gate decisions', () => {
  it('a valid pass opens, with its id and name for the gate display', () => {
    expect(decide(at(), { pass: pass() }, policy)).toEqual({
      decision: 'open',
      passId: 7,
      name: 'Visitor Wang',
    });
  });

  it('refuses unknown, not approved, revoked, not yet valid, expired, used up and wrong-gate passes', () => {
    const reason = (p: Partial<PassFacts> | undefined, i: Partial<DecideInput> = {}) =>
      decide(at(i), { pass: p && pass(p) }, policy).reason;
    expect(reason(undefined)).toBe('unknown');
    expect(reason({ state: 'requested' })).toBe('not-approved');
    expect(reason({ state: 'declined' })).toBe('not-approved');
    expect(reason({ state: 'revoked' })).toBe('revoked');
    expect(reason({ validFrom: now + 31 * 60_000 })).toBe('not-yet-valid');
    expect(reason({ validFrom: now + 29 * 60_000 })).toBeUndefined(); // arriving a little early is fine
    expect(reason({ validUntil: now })).toBe('expired');
    expect(reason({ maxEntries: 2, entriesUsed: 2 })).toBe('used-up');
    expect(reason({ maxEntries: 0, entriesUsed: 50 })).toBeUndefined(); // unlimited within the window
    expect(reason({ gates: ['gate-south'] })).toBe('wrong-gate');
  });

  it('anti-passback: no second entry without an exit, no exit without an entry; leaving is never blocked by time', () => {
    expect(decide(at(), { pass: pass({ inside: true, maxEntries: 0 }) }, policy).reason).toBe(
      'anti-passback',
    );
    expect(decide(at({ direction: 'out' }), { pass: pass() }, policy).reason).toBe('anti-passback');
    // the window ended while inside: the visitor may still leave
    expect(
      decide(at({ direction: 'out' }), { pass: pass({ inside: true, validUntil: now - H }) }, policy)
        .decision,
    ).toBe('open');
    expect(
      decide(at(), { pass: pass({ inside: true, entriesUsed: 1 }) }, { ...policy, antiPassback: false })
        .reason,
    ).toBe('used-up');
  });

  it('staff badges: by zone, schedule, disabled, anti-passback', () => {
    expect(decide(at({ type: 'card' }), { badge: badge() }, policy)).toEqual({
      decision: 'open',
      badgeId: 3,
      name: 'Staff Li',
    });
    expect(decide(at({ type: 'card', gateZone: 'b2' }), { badge: badge() }, policy).reason).toBe(
      'wrong-gate',
    );
    const closed = { isOn: () => false, nextChange: (t: number) => t + H };
    expect(decide(at({ type: 'card' }), { badge: badge({ schedule: closed }) }, policy).reason).toBe(
      'outside-schedule',
    );
    expect(decide(at({ type: 'card' }), { badge: badge({ disabled: true }) }, policy).reason).toBe('revoked');
    expect(decide(at({ type: 'card' }), { badge: badge({ inside: true }) }, policy).reason).toBe(
      'anti-passback',
    );
  });
});
