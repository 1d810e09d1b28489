import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createDeviation } from './deviation.js';

const A = 'ahu-1/supply_air_temp_c';
const R = 'ahu-1/supply_air_setpoint_c';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const rd = (pointId: string, value: number | string, quality: Quality = 'good') => ({
  reading: { pointId, value, quality, ts: T0 },
});

describe('deviation', () => {
  it('needs both values; active only above maxAbs (not at it), either way; value is the signed difference', () => {
    const e = createDeviation({ pointId: A, fromPointId: R, maxAbs: 2, unit: 'degC' });
    expect(e.pointIds).toEqual([A, R]);
    expect(e.update(rd(A, 20), T0)).toEqual({
      active: false,
      message: 'supply_air_temp_c − supply_air_setpoint_c no value yet',
    });
    expect(e.update(rd(R, 18), T0)).toEqual({
      active: false,
      value: 2,
      message: 'supply_air_temp_c − supply_air_setpoint_c 2 degC, within ≤ 2 degC',
    });
    expect(e.update(rd(A, 20.1), T0)).toMatchObject({
      active: true,
      message: 'supply_air_temp_c − supply_air_setpoint_c 2.1 degC, more than 2 degC',
    });
    expect(e.update(rd(A, 15.5), T0)).toMatchObject({ active: true, value: -2.5 });
    expect(e.update(rd(R, 16), T0)?.active).toBe(false);
    expect(
      e.update({ reading: { pointId: 'ahu-1/other', value: 99, quality: 'good', ts: T0 } }, T0),
    ).toBeUndefined();
  });

  it('minAbs: active below (a chiller ΔT too small), not at it; bad or text readings keep the last value', () => {
    const e = createDeviation({ pointId: 'c/ret', fromPointId: 'c/sup', minAbs: 3 });
    e.update(rd('c/sup', 7), T0);
    expect(e.update(rd('c/ret', 10), T0)?.active).toBe(false);
    expect(e.update(rd('c/ret', 9.9), T0)).toMatchObject({
      active: true,
      message: 'ret − sup 2.9, less than 3',
    });
    expect(e.update(rd('c/ret', 20, 'bad'), T0)).toBeUndefined();
    expect(e.update(rd('c/ret', 'x'), T0)).toBeUndefined();
    expect(e.current().active).toBe(true);
  });

  it('forMs: active once out of range that long, at the exact edge; back in range resets', () => {
    const e = createDeviation({ pointId: A, fromPointId: R, maxAbs: 2, forMs: 60_000 });
    e.update(rd(R, 16), T0);
    expect(e.update(rd(A, 19), T0)?.active).toBe(false);
    expect(e.nextCheckAt(T0)).toBe(T0 + 60_000);
    expect(e.check(T0 + 59_999)).toBeUndefined();
    expect(e.check(T0 + 60_000)?.active).toBe(true);
    expect(e.nextCheckAt(T0 + 60_000)).toBeUndefined();
    expect(e.update(rd(A, 17), T0 + 70_000)?.active).toBe(false);
    e.update(rd(A, 19), T0 + 80_000);
    expect(e.nextCheckAt(T0 + 80_000)).toBe(T0 + 140_000);
    e.update(rd(A, 16.5), T0 + 100_000);
    expect(e.nextCheckAt(T0 + 100_000)).toBeUndefined();
    expect(e.check(T0 + 140_000)).toBeUndefined();
  });

  it('needs maxAbs or minAbs', () => {
    expect(() => createDeviation({ pointId: A, fromPointId: R })).toThrow(/maxAbs, minAbs/);
  });
});
