import { describe, expect, it } from 'vitest';
import { Schedule } from '../../../core/time/schedule.js';
import { withDelays } from './delays.js';
import { withSchedule } from './scheduled.js';
import { createStateCode } from './state-code.js';
import { createThreshold } from './threshold.js';

const P = 'office-1/temp_c';
const at = (iso: string) => Date.parse(iso);
const rd = (value: number) => ({ reading: { pointId: P, value, quality: 'good' as const, ts: 0 } });
// Office hours, Monday to Friday 08:00–18:00 in Shanghai (UTC+8). 2024-03-15 is a Friday.
const hours = new Schedule(
  {
    id: 'office',
    weekly: {
      mon: ['08:00-18:00'],
      tue: ['08:00-18:00'],
      wed: ['08:00-18:00'],
      thu: ['08:00-18:00'],
      fri: ['08:00-18:00'],
    },
  },
  'Asia/Shanghai',
);

describe('scheduled', () => {
  it('counts the condition as normal while the schedule is off, and flips at the boundaries', () => {
    const e = withSchedule(createThreshold({ pointId: P, high: 26 }), hours, 'office');
    const early = at('2024-03-15T07:30:00+08:00');
    expect(e.update(rd(28), early)).toMatchObject({
      active: false,
      message: 'temp_c 28 above 26 (office off)',
    });
    expect(e.nextCheckAt(early)).toBe(at('2024-03-15T08:00:00+08:00'));
    expect(e.check(at('2024-03-15T07:59:59+08:00'))).toBeUndefined();
    expect(e.check(at('2024-03-15T08:00:00+08:00'))).toMatchObject({
      active: true,
      message: 'temp_c 28 above 26',
    });
    expect(e.nextCheckAt(at('2024-03-15T08:00:00+08:00'))).toBe(at('2024-03-15T18:00:00+08:00'));
    expect(e.check(at('2024-03-15T18:00:00+08:00'))?.active).toBe(false);
    // Off over the weekend: next change Monday 08:00.
    expect(e.nextCheckAt(at('2024-03-15T18:00:00+08:00'))).toBe(at('2024-03-18T08:00:00+08:00'));
  });

  it('an off verdict drops the severity; the inner delays run through the off hours', () => {
    const codes = withSchedule(
      createStateCode({ pointId: P, codes: { '1': { message: 'x', severity: 'high' } } }),
      hours,
    );
    expect(codes.update(rd(1), at('2024-03-16T10:00:00+08:00'))).not.toHaveProperty('severity');
    const e = withSchedule(
      withDelays(createThreshold({ pointId: P, high: 26 }), { onDelayMs: 600_000 }),
      hours,
    );
    e.update(rd(28), at('2024-03-15T07:55:00+08:00'));
    // The on-delay (08:05) and the schedule (08:00): the earlier first.
    expect(e.nextCheckAt(at('2024-03-15T07:55:00+08:00'))).toBe(at('2024-03-15T08:00:00+08:00'));
    expect(e.check(at('2024-03-15T08:00:00+08:00'))).toBeUndefined();
    expect(e.nextCheckAt(at('2024-03-15T08:00:00+08:00'))).toBe(at('2024-03-15T08:05:00+08:00'));
    expect(e.check(at('2024-03-15T08:05:00+08:00'))?.active).toBe(true);
  });
});
