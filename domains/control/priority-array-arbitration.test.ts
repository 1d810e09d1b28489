import { describe, expect, it } from 'vitest';
import type { Slot } from './control-types.js';
import {
  afterCommand,
  effectiveOf,
  expiredSlots,
  nextExpiry,
  unchanged,
  withoutLevel,
  withSlot,
  writeModeOf,
} from './priority-array-arbitration.js';

const slot = (level: number, value: Slot['value'], extra: Partial<Slot> = {}): Slot => ({
  level,
  value,
  source: `s${level}`,
  actor: 'a',
  since: 0,
  ...extra,
});

describe('priority array arbitration', () => {
  it('the lowest-numbered non-null level rules; nothing held is null', () => {
    expect(effectiveOf([])).toEqual({ value: null, level: null, source: null });
    const slots = withSlot(withSlot(withSlot([], slot(16, 18)), slot(8, 21)), slot(14, 24));
    expect(slots.map((s) => s.level)).toEqual([8, 14, 16]);
    expect(effectiveOf(slots)).toEqual({ value: 21, level: 8, source: 's8' });
    // relinquish falls through: operator → schedule → default
    expect(effectiveOf(withoutLevel(slots, 8))).toMatchObject({ value: 24, level: 14 });
    expect(effectiveOf(withoutLevel(withoutLevel(slots, 8), 14))).toMatchObject({ value: 18, level: 16 });
    // a level is replaced, not doubled
    expect(withSlot(slots, slot(14, 25)).filter((s) => s.level === 14)).toEqual([slot(14, 25)]);
  });

  it('overrides expire at their time; the next expiry is the earliest', () => {
    const slots = [slot(8, 1, { expiresAt: 100 }), slot(10, 2, { expiresAt: 50 }), slot(14, 3)];
    expect(expiredSlots(slots, 49)).toEqual([]);
    expect(expiredSlots(slots, 100).map((s) => s.level)).toEqual([8, 10]);
    expect(nextExpiry(slots)).toBe(50);
    expect(nextExpiry([slot(14, 3)])).toBeUndefined();
  });

  it('the same value by the same holder with the same expiry is no change', () => {
    const s = slot(14, 24, { source: 'schedule:x' });
    expect(unchanged(s, 24, 'schedule:x', undefined)).toBe(true);
    expect(unchanged(s, 25, 'schedule:x', undefined)).toBe(false);
    expect(unchanged(s, 24, 'schedule:y', undefined)).toBe(false);
    expect(unchanged(s, 24, 'schedule:x', 5)).toBe(false);
    expect(unchanged(undefined, null, 'x', undefined)).toBe(true);
    expect(unchanged(s, null, 'x', undefined)).toBe(false);
  });

  it('a device with its own array gets the commanded level; others the effective value when it changed', () => {
    expect(writeModeOf('bacnet')).toBe('levels');
    expect(writeModeOf('modbus')).toBe('effective');
    const base = { level: 14, dirty: new Set<number>(), pending: false };
    // BACnet: a lower level changing under an operator override is still written to the device's own array
    const under = afterCommand('levels', {
      ...base,
      levelBefore: null,
      levelAfter: 24,
      effectiveBefore: 21,
      effectiveAfter: 21,
    });
    expect([...under.dirty]).toEqual([14]);
    expect(under.pending).toBe(true);
    // Modbus: the same change leaves the effective value alone: no write
    expect(
      afterCommand('effective', {
        ...base,
        levelBefore: null,
        levelAfter: 24,
        effectiveBefore: 21,
        effectiveAfter: 21,
      }).pending,
    ).toBe(false);
    // ... unless the point was pending already
    expect(
      afterCommand('effective', {
        ...base,
        pending: true,
        levelBefore: null,
        levelAfter: 24,
        effectiveBefore: 21,
        effectiveAfter: 21,
      }).pending,
    ).toBe(true);
    // every level relinquished: nothing to write
    expect(
      afterCommand('effective', {
        ...base,
        pending: true,
        levelBefore: 24,
        levelAfter: null,
        effectiveBefore: 24,
        effectiveAfter: null,
      }).pending,
    ).toBe(false);
    // BACnet relinquish is a write of its own
    expect([
      ...afterCommand('levels', {
        ...base,
        levelBefore: 24,
        levelAfter: null,
        effectiveBefore: 24,
        effectiveAfter: null,
      }).dirty,
    ]).toEqual([14]);
  });
});
