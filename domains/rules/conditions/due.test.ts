import { describe, expect, it } from 'vitest';
import { createDue } from './due.js';

const P = 'chiller-1/run_hours_h';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const rd = (value: number | string, quality: 'good' | 'bad' = 'good') => ({
  reading: { pointId: P, value, quality, ts: T0 },
});

describe('due', () => {
  it('active from every − warnBefore up to (not at) the multiple, with the due and current values', () => {
    const e = createDue({ pointId: P, every: 2000, warnBefore: 100, unit: 'h' });
    expect(e.update(rd(3899.9), T0)).toEqual({
      active: false,
      value: 3899.9,
      message: 'run_hours_h 3,899.9 h, next due at 4,000 h',
    });
    expect(e.update(rd(3900), T0)?.active).toBe(true);
    expect(e.update(rd(3950), T0)).toEqual({
      active: true,
      value: 3950,
      message: 'run_hours_h due at 4,000 h (now 3,950 h)',
    });
    expect(e.update(rd(3999.99), T0)?.active).toBe(true);
    expect(e.update(rd(4000), T0)).toMatchObject({
      active: false,
      message: 'run_hours_h 4,000 h, next due at 6,000 h',
    });
    expect(e.update(rd(5950), T0)?.active).toBe(true);
    expect(e.nextCheckAt(T0)).toBeUndefined();
  });

  it('bad and non-numeric readings keep the verdict; warnBefore defaults to every / 20', () => {
    const e = createDue({ pointId: P, every: 2000 });
    expect(e.update(rd(1899), T0)?.active).toBe(false);
    expect(e.update(rd(1900), T0)?.active).toBe(true);
    expect(e.update(rd(0, 'bad'), T0)).toBeUndefined();
    expect(e.update(rd('x'), T0)).toBeUndefined();
    expect(e.current().active).toBe(true);
    expect(() => createDue({ pointId: P, every: 100, warnBefore: 200 })).toThrow(/warnBefore/);
  });
});
