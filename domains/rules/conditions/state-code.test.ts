import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createStateCode } from './state-code.js';

const P = 'chiller-1/fault_code';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const rd = (value: number | string | boolean, quality: Quality = 'good') => ({
  reading: { pointId: P, value, quality, ts: T0 },
});
const codes = {
  '3': { message: 'high-pressure trip', severity: 'critical' as const },
  E12: { message: 'flow switch open' },
  true: { message: 'general alarm' },
};

describe('state code', () => {
  it('active while the value is a key of the table, with its message and severity', () => {
    const e = createStateCode({ pointId: P, codes });
    expect(e.update(rd(0), T0)).toEqual({ active: false, value: 0, message: 'fault_code 0 normal' });
    expect(e.update(rd(3), T0)).toEqual({
      active: true,
      value: 3,
      message: 'fault_code 3: high-pressure trip',
      severity: 'critical',
    });
    expect(e.update(rd('E12'), T0)).toEqual({
      active: true,
      value: 'E12',
      message: 'fault_code E12: flow switch open',
    });
    expect(e.update(rd(true), T0)?.message).toBe('fault_code true: general alarm');
    expect(e.update(rd(4), T0)?.active).toBe(false);
  });

  it('bad readings keep the verdict; inherited object keys are not codes', () => {
    const e = createStateCode({ pointId: P, codes });
    e.update(rd(3), T0);
    expect(e.update(rd(0, 'bad'), T0)).toBeUndefined();
    expect(e.current().active).toBe(true);
    expect(e.update(rd('toString'), T0)?.active).toBe(false);
  });
});
