import { describe, expect, it } from 'vitest';
import { createCount } from './count.js';
import { withDelays } from './delays.js';
import { createStateCode } from './state-code.js';

const P = 'lift-1/fault_code';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const MIN = 60_000;
const rd = (value: number) => ({ reading: { pointId: P, value, quality: 'good' as const, ts: T0 } });
const doorFaults = (times = 3, withinMs = 60 * MIN) =>
  createCount({
    inner: createStateCode({ pointId: P, codes: { '31': { message: 'door fault', severity: 'high' } } }),
    times,
    withinMs,
  });

describe('count', () => {
  it('counts turnings active, not readings; active at the Nth within the window', () => {
    const e = doorFaults();
    expect(e.pointIds).toEqual([P]);
    e.update(rd(31), T0);
    expect(e.update(rd(31), T0 + MIN)?.value).toBe(1); // still the same fault
    e.update(rd(0), T0 + 2 * MIN);
    e.update(rd(31), T0 + 10 * MIN);
    expect(e.update(rd(0), T0 + 11 * MIN)).toEqual({
      active: false,
      value: 2,
      message: 'fault_code: 2 times within 1 h (alert at 3)',
    });
    expect(e.nextCheckAt(T0 + 11 * MIN)).toBeUndefined();
    expect(e.update(rd(31), T0 + 59 * MIN)).toEqual({
      active: true,
      value: 3,
      message: 'fault_code 31: door fault, 3 times within 1 h',
      severity: 'high',
    });
    // a reading that is not a code ends the fault but not the count
    expect(e.update(rd(0), T0 + 59.5 * MIN)?.active).toBe(true);
  });

  it('clears by time when the oldest occurrence leaves the window (at exactly withinMs)', () => {
    const e = doorFaults();
    for (const t of [0, 10, 20]) {
      e.update(rd(31), T0 + t * MIN);
      e.update(rd(0), T0 + (t + 1) * MIN);
    }
    expect(e.current().active).toBe(true);
    expect(e.nextCheckAt(T0 + 21 * MIN)).toBe(T0 + 60 * MIN);
    expect(e.check(T0 + 60 * MIN - 1)).toBeUndefined();
    expect(e.check(T0 + 60 * MIN)).toMatchObject({ active: false, value: 2 });
    expect(e.nextCheckAt(T0 + 60 * MIN)).toBeUndefined();
  });

  it('occurrences spread wider than the window never make it active', () => {
    const e = doorFaults(3, 30 * MIN);
    for (const t of [0, 20, 40]) {
      e.update(rd(31), T0 + t * MIN);
      e.update(rd(0), T0 + (t + 1) * MIN);
    }
    expect(e.current()).toMatchObject({ active: false, value: 2 });
  });

  it('counts an inner flip seen in check (a delayed inner condition)', () => {
    const inner = withDelays(createStateCode({ pointId: P, codes: { '31': { message: 'door fault' } } }), {
      onDelayMs: 10_000,
    });
    const e = createCount({ inner, times: 1, withinMs: MIN });
    e.update(rd(31), T0);
    expect(e.current().active).toBe(false);
    expect(e.nextCheckAt(T0)).toBe(T0 + 10_000);
    expect(e.check(T0 + 10_000)).toMatchObject({ active: true, value: 1 });
    expect(e.nextCheckAt(T0 + 10_000)).toBe(T0 + 70_000);
  });
});
