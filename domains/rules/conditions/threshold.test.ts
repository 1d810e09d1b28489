import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createThreshold } from './threshold.js';

const P = 'chiller-1/chw_supply_temp_c';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const rd = (value: number | boolean | string, ts = T0, quality: Quality = 'good', pointId = P) => ({
  reading: { pointId, value, quality, ts },
});

describe('threshold', () => {
  it('is active above high, with value, limit and unit in the message', () => {
    const e = createThreshold({ pointId: P, high: 8, unit: '°C' });
    expect(e.pointIds).toEqual([P]);
    expect(e.current().active).toBe(false);
    expect(e.update(rd(7.5), T0)).toMatchObject({ active: false, value: 7.5 });
    expect(e.update(rd(9.4), T0)).toEqual({
      active: true,
      value: 9.4,
      message: 'chw_supply_temp_c 9.4 °C above 8 °C',
    });
    expect(e.current().active).toBe(true);
    expect(e.update(rd(8), T0)?.active).toBe(false); // at the limit is inside
  });

  it('without a unit: "chw_supply_temp_c 9.4 above 8"', () => {
    const e = createThreshold({ pointId: P, high: 8 });
    expect(e.update(rd(9.4), T0)?.message).toBe('chw_supply_temp_c 9.4 above 8');
  });

  it('is active below low', () => {
    const e = createThreshold({ pointId: P, low: 4, high: 8 });
    expect(e.update(rd(3.2), T0)).toMatchObject({ active: true, message: 'chw_supply_temp_c 3.2 below 4' });
    expect(e.update(rd(4), T0)?.active).toBe(false);
  });

  it('hysteresis: oscillating inside the deadband does not clear; back by the deadband clears', () => {
    const e = createThreshold({ pointId: P, high: 8, deadband: 1, unit: '°C' });
    expect(e.update(rd(9), T0)?.active).toBe(true);
    for (const v of [7.5, 8.5, 7.1, 7.9, 8, 7.01]) expect(e.update(rd(v), T0)?.active).toBe(true);
    expect(e.current().message).toBe('chw_supply_temp_c 7.01 °C back from 8 °C, clears at ≤ 7 °C');
    expect(e.update(rd(7), T0)?.active).toBe(false);
    // Inside the band again without crossing high: stays normal.
    expect(e.update(rd(7.9), T0)?.active).toBe(false);
  });

  it('hysteresis on the low side', () => {
    const e = createThreshold({ pointId: P, low: 4, deadband: 0.5 });
    expect(e.update(rd(3.9), T0)?.active).toBe(true);
    expect(e.update(rd(4.4), T0)?.active).toBe(true);
    expect(e.update(rd(4.5), T0)?.active).toBe(false);
  });

  it('a value jumping from above high to below low stays active and says below', () => {
    const e = createThreshold({ pointId: P, low: 4, high: 8, deadband: 1 });
    e.update(rd(9), T0);
    expect(e.update(rd(3), T0)).toMatchObject({ active: true, message: 'chw_supply_temp_c 3 below 4' });
  });

  it('bad readings, non-numbers and other points do not change the verdict; uncertain readings count', () => {
    const e = createThreshold({ pointId: P, high: 8 });
    e.update(rd(9), T0);
    expect(e.update(rd(5, T0, 'bad'), T0)).toBeUndefined();
    expect(e.update(rd('n/a'), T0)).toBeUndefined();
    expect(e.update(rd(true), T0)).toBeUndefined();
    expect(e.update(rd(Number.NaN), T0)).toBeUndefined();
    expect(e.update(rd(5, T0, 'good', 'chiller-1/other_c'), T0)).toBeUndefined();
    expect(e.update({ quality: { pointId: P, quality: 'bad', reason: 'stale' } }, T0)).toBeUndefined();
    expect(e.current().active).toBe(true);
    expect(e.update(rd(5, T0, 'uncertain'), T0)?.active).toBe(false);
    expect(e.nextCheckAt(T0)).toBeUndefined();
    expect(e.check(T0)).toBeUndefined();
  });

  it('rejects a threshold without limits', () => {
    expect(() => createThreshold({ pointId: P })).toThrow(/high, low/);
  });

  it('property: while the value stays within the deadband band, the verdict never flips', () => {
    const high = 8;
    const deadband = 1;
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.array(fc.double({ min: high - deadband, max: high, noNaN: true, minExcluded: true }), {
          maxLength: 50,
        }),
        (first, band) => {
          const e = createThreshold({ pointId: P, high, deadband });
          const start = e.update(rd(first), T0)!.active;
          for (const v of band) if (e.update(rd(v), T0)!.active !== start) return false;
          return true;
        },
      ),
    );
  });

  it('property: any sequence flips at most once per crossing of the whole band', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 16, noNaN: true }), { maxLength: 60 }), (values) => {
        const e = createThreshold({ pointId: P, high: 8, deadband: 1 });
        let active = false;
        for (const v of values) {
          const now = e.update(rd(v), T0)!.active;
          if (now !== active) {
            // Turning active needs > 8; clearing needs ≤ 7: the band (7, 8] never flips it.
            if (now ? !(v > 8) : !(v <= 7)) return false;
            active = now;
          }
        }
        return true;
      }),
    );
  });
});
