import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createRate } from './rate.js';

const P = 'ahu-1/supply_temp_c';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const S = 1000;
const rd = (value: number | string, ts: number, quality: Quality = 'good') => ({
  reading: { pointId: P, value, quality, ts },
});

describe('rate', () => {
  it('needs two readings; compares |Δv/Δt| per minute across irregular intervals', () => {
    const e = createRate({ pointId: P, maxPerMinute: 1.5, unit: '°C' });
    expect(e.update(rd(10, T0), T0)).toBeUndefined();
    expect(e.current().active).toBe(false);
    // +1 in 30 s = 2/min
    expect(e.update(rd(11, T0 + 30 * S), T0 + 30 * S)).toEqual({
      active: true,
      value: 11,
      message: 'supply_temp_c rising 2 °C/min, faster than 1.5 °C/min',
    });
    // +1 in 2 min = 0.5/min
    expect(e.update(rd(12, T0 + 150 * S), T0 + 150 * S)?.active).toBe(false);
    // −1 in 20 s = 3/min falling
    expect(e.update(rd(11, T0 + 170 * S), T0 + 170 * S)).toMatchObject({
      active: true,
      message: 'supply_temp_c falling 3 °C/min, faster than 1.5 °C/min',
    });
    // −2 in 5 min = 0.4/min
    expect(e.update(rd(9, T0 + 470 * S), T0 + 470 * S)?.active).toBe(false);
  });

  it('exactly at the limit is normal', () => {
    const e = createRate({ pointId: P, maxPerMinute: 2 });
    e.update(rd(0, T0), T0);
    expect(e.update(rd(1, T0 + 30 * S), T0)?.active).toBe(false);
  });

  it('uses the readings’ timestamps, not the time they arrive', () => {
    const e = createRate({ pointId: P, maxPerMinute: 1 });
    // A batch: two readings a minute apart arrive a second apart. +2 over 60 s = 2/min (not 120/min).
    e.update(rd(0, T0), T0 + 60 * S);
    expect(e.update(rd(2, T0 + 60 * S), T0 + 61 * S)?.active).toBe(true);
    expect(e.current().message).toBe('supply_temp_c rising 2/min, faster than 1/min');
  });

  it('skips bad, non-numeric, duplicate and out-of-order readings', () => {
    const e = createRate({ pointId: P, maxPerMinute: 1 });
    e.update(rd(10, T0), T0);
    expect(e.update(rd(100, T0 + 10 * S, 'bad'), T0)).toBeUndefined();
    expect(e.update(rd('x', T0 + 20 * S), T0)).toBeUndefined();
    expect(e.update(rd(50, T0), T0)).toBeUndefined(); // same ts
    expect(e.update(rd(50, T0 - S), T0)).toBeUndefined(); // older
    // The pair is (10 @ T0, 11 @ T0+60s): 1/min, not a jump from 100.
    expect(e.update(rd(11, T0 + 60 * S), T0)?.active).toBe(false);
  });
});
