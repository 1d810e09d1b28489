import { describe, expect, it } from 'vitest';
import { createBudget } from './budget.js';

const P = 'main-meter/energy_kwh';
const TZ = 'Asia/Shanghai';
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+08:00`);
const D1 = '2024-03-15';
const D2 = '2024-03-16';
const rd = (value: number) => ({ reading: { pointId: P, value, quality: 'good' as const, ts: 0 } });

describe('budget', () => {
  it('day: over the limit until local midnight (16:00 UTC in Shanghai), then a new day', () => {
    const e = createBudget({
      pointId: P,
      period: 'day',
      limit: 100,
      forecast: false,
      unit: 'kWh',
      timeZone: TZ,
    });
    expect(e.nextCheckAt(at(D1, '08:00'))).toBeUndefined();
    expect(e.update(rd(1000), at(D1, '08:00'))).toMatchObject({ active: false, value: 0 });
    expect(e.nextCheckAt(at(D1, '08:00'))).toBe(Date.parse('2024-03-15T16:00:00Z'));
    expect(e.update(rd(1100), at(D1, '20:00'))).toMatchObject({
      active: false,
      value: 100,
      message: 'energy_kwh 100 kWh used today of the 100 kWh daily budget',
    }); // equal is within
    expect(e.update(rd(1101), at(D1, '23:00'))).toMatchObject({
      active: true,
      value: 101,
      message: 'energy_kwh 101 kWh used today, over the 100 kWh daily budget',
    });
    expect(e.check(Date.parse('2024-03-15T15:59:59.999Z'))).toBeUndefined();
    expect(e.check(Date.parse('2024-03-15T16:00:00Z'))).toMatchObject({ active: false, value: 0 });
    // 10 kWh from 23:00 to 01:00: the half after midnight is the new day's
    expect(e.update(rd(1111), at(D2, '01:00'))).toMatchObject({ active: false, value: 5 });
    expect(e.nextCheckAt(at(D2, '01:00'))).toBe(Date.parse('2024-03-16T16:00:00Z'));
  });

  it('a reading exactly at midnight belongs wholly to the day that ends', () => {
    const e = createBudget({ pointId: P, period: 'day', limit: 100, forecast: false, timeZone: TZ });
    e.update(rd(0), at(D1, '22:00'));
    expect(e.update(rd(50), at(D2, '00:00'))).toMatchObject({ active: false, value: 0 });
    expect(e.update(rd(60), at(D2, '01:00'))).toMatchObject({ value: 10 });
  });

  it('month: the first of the month at local midnight', () => {
    const e = createBudget({
      pointId: P,
      period: 'month',
      limit: 1000,
      forecast: false,
      unit: 'kWh',
      timeZone: TZ,
    });
    e.update(rd(0), at('2024-03-20', '12:00'));
    expect(e.nextCheckAt(at('2024-03-20', '12:00'))).toBe(Date.parse('2024-03-31T16:00:00Z'));
    expect(e.update(rd(1200), at('2024-03-31', '23:00'))?.message).toBe(
      'energy_kwh 1200 kWh used this month, over the 1000 kWh monthly budget',
    );
    expect(e.check(at('2024-04-01', '00:00'))).toMatchObject({ active: false, value: 0 });
    expect(e.nextCheckAt(at('2024-04-01', '00:00'))).toBe(Date.parse('2024-04-30T16:00:00Z'));
  });

  it('forecast: not before 10 % of the period; then the linear projection', () => {
    const e = createBudget({ pointId: P, period: 'day', limit: 100, unit: 'kWh', timeZone: TZ });
    e.update(rd(0), at(D1, '00:00'));
    expect(e.nextCheckAt(at(D1, '00:00'))).toBe(at(D1, '02:24'));
    // 10 kWh in 2 h would project to 120, but it is too early
    expect(e.update(rd(10), at(D1, '02:00'))).toMatchObject({ active: false, value: 10 });
    expect(e.check(at(D1, '02:23'))).toBeUndefined();
    expect(e.check(at(D1, '02:24'))).toBeUndefined(); // only 2 h of readings: not yet 10 % covered
    expect(e.nextCheckAt(at(D1, '02:24'))).toBe(Date.parse('2024-03-15T16:00:00Z'));
    // 12.5 kWh in 2.5 h = 5 kWh/h: 12.5 + 5 × 21.5 = 120
    expect(e.update(rd(12.5), at(D1, '02:30'))).toMatchObject({
      active: true,
      value: 120,
      message: 'energy_kwh on course for 120 kWh today against the 100 kWh daily budget (12.5 kWh so far)',
    });
    // the load falls: 13 kWh in 4 h, 13 + 3.25 × 20 = 78
    expect(e.update(rd(13), at(D1, '04:00'))).toMatchObject({
      active: false,
      value: 13,
      message: 'energy_kwh 13 kWh used today of the 100 kWh daily budget, on course for 78 kWh',
    });
  });

  it('forecast late in the day: a modest rate that still ends over the limit', () => {
    const e = createBudget({ pointId: P, period: 'day', limit: 100, unit: 'kWh', timeZone: TZ });
    e.update(rd(0), at(D1, '00:00'));
    // 80 kWh by 18:00 is within the limit, but 80 + 80/18 × 6 = 106.67 is not
    expect(e.update(rd(80), at(D1, '18:00'))).toMatchObject({ active: true, value: 106.667 });
    const off = createBudget({ pointId: P, period: 'day', limit: 100, forecast: false, timeZone: TZ });
    off.update(rd(0), at(D1, '00:00'));
    expect(off.update(rd(80), at(D1, '18:00'))?.active).toBe(false); // forecast: false
    expect(off.nextCheckAt(at(D1, '00:00'))).toBe(Date.parse('2024-03-15T16:00:00Z'));
  });

  it('counts through a rollover/reset: a drop starts a new segment', () => {
    const e = createBudget({
      pointId: P,
      period: 'day',
      limit: 100,
      forecast: false,
      unit: 'kWh',
      timeZone: TZ,
    });
    e.update(rd(99_980), at(D1, '00:00'));
    expect(e.update(rd(99_990), at(D1, '06:00'))?.value).toBe(10);
    expect(e.update(rd(5), at(D1, '07:00'))?.value).toBe(10); // the register wrapped: that hour is not counted
    expect(e.update(rd(15), at(D1, '08:00'))?.value).toBe(20);
  });
});
