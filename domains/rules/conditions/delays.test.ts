import { describe, expect, it } from 'vitest';
import { withDelays } from './delays.js';
import { createStuck } from './stuck.js';
import { createThreshold } from './threshold.js';

const P = 'ahu-1/supply_temp_c';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const S = 1000;
const rd = (value: number) => ({ reading: { pointId: P, value, quality: 'good' as const, ts: 0 } });
const make = (onDelayMs: number, offDelayMs: number) =>
  withDelays(createThreshold({ pointId: P, high: 30 }), { onDelayMs, offDelayMs });

describe('delays', () => {
  it('without delays returns the evaluator itself', () => {
    const inner = createThreshold({ pointId: P, high: 30 });
    expect(withDelays(inner, {})).toBe(inner);
  });

  it('on-delay: active only once the condition held that long', () => {
    const e = make(60 * S, 0);
    expect(e.pointIds).toEqual([P]);
    expect(e.update(rd(31), T0)?.active).toBe(false);
    expect(e.nextCheckAt(T0)).toBe(T0 + 60 * S);
    expect(e.update(rd(32), T0 + 30 * S)?.active).toBe(false); // still pending, deadline kept
    expect(e.nextCheckAt(T0 + 30 * S)).toBe(T0 + 60 * S);
    expect(e.check(T0 + 59 * S)).toBeUndefined();
    expect(e.check(T0 + 60 * S)).toMatchObject({ active: true, message: 'supply_temp_c 32 above 30' });
    expect(e.nextCheckAt(T0 + 60 * S)).toBeUndefined();
    expect(e.update(rd(20), T0 + 61 * S)?.active).toBe(false); // no off-delay: clears at once
  });

  it('on-delay: a return to normal inside it cancels; a new excursion starts a fresh delay', () => {
    const e = make(60 * S, 0);
    e.update(rd(31), T0);
    expect(e.update(rd(29), T0 + 30 * S)?.active).toBe(false);
    expect(e.nextCheckAt(T0 + 30 * S)).toBeUndefined();
    expect(e.check(T0 + 60 * S)).toBeUndefined();
    e.update(rd(31), T0 + 40 * S);
    expect(e.nextCheckAt(T0 + 40 * S)).toBe(T0 + 100 * S);
    expect(e.check(T0 + 60 * S)).toBeUndefined();
    expect(e.check(T0 + 100 * S)?.active).toBe(true);
  });

  it('the deadline also passes on an update (no check needed)', () => {
    const e = make(60 * S, 0);
    e.update(rd(31), T0);
    expect(e.update(rd(33), T0 + 90 * S)).toMatchObject({ active: true, value: 33 });
  });

  it('off-delay: keeps the alert until normal that long; a return to active inside it cancels', () => {
    const e = make(0, 120 * S);
    expect(e.update(rd(31), T0)?.active).toBe(true);
    const msg = e.current().message;
    expect(e.update(rd(25), T0 + 10 * S)).toMatchObject({ active: true, message: msg });
    expect(e.nextCheckAt(T0 + 10 * S)).toBe(T0 + 130 * S);
    expect(e.update(rd(35), T0 + 60 * S)).toMatchObject({
      active: true,
      message: 'supply_temp_c 35 above 30',
    });
    expect(e.nextCheckAt(T0 + 60 * S)).toBeUndefined();
    expect(e.check(T0 + 130 * S)).toBeUndefined();
    e.update(rd(25), T0 + 200 * S);
    expect(e.check(T0 + 319 * S)).toBeUndefined();
    expect(e.check(T0 + 320 * S)).toMatchObject({ active: false, message: 'supply_temp_c 25 within ≤ 30' });
  });

  it('both delays, with a time-based inner evaluator: nextCheckAt is the earlier deadline', () => {
    const e = withDelays(createStuck({ pointId: P, forMs: 300 * S }), {
      onDelayMs: 60 * S,
      offDelayMs: 60 * S,
    });
    e.update(rd(5), T0);
    expect(e.nextCheckAt(T0)).toBe(T0 + 300 * S); // the stuck window
    expect(e.check(T0 + 300 * S)).toBeUndefined(); // raw active, on-delay starts
    expect(e.nextCheckAt(T0 + 300 * S)).toBe(T0 + 360 * S);
    expect(e.check(T0 + 360 * S)?.active).toBe(true);
    expect(e.update(rd(6), T0 + 400 * S)?.active).toBe(true); // moved: off-delay
    expect(e.nextCheckAt(T0 + 400 * S)).toBe(T0 + 460 * S);
    expect(e.check(T0 + 460 * S)?.active).toBe(false);
  });
});
