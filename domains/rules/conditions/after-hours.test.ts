import { describe, expect, it } from 'vitest';
import { Schedule } from '../../../core/time/schedule.js';
import { ScheduleSchema } from '../../../core/time/schedule-schema.js';
import { createAfterHours } from './after-hours.js';

const P = 'main-meter/power_kw';
const E = 'main-meter/energy_kwh';
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+08:00`);
const FRI = '2024-03-15';
const office = new Schedule(
  ScheduleSchema.parse({
    id: 'office-hours',
    weekly: {
      mon: ['08:00-18:00'],
      tue: ['08:00-18:00'],
      wed: ['08:00-18:00'],
      thu: ['08:00-18:00'],
      fri: ['08:00-18:00'],
    },
    holidays: ['2024-04-04'],
  }),
  'Asia/Shanghai',
);
const rd = (pointId: string, value: number) => ({
  reading: { pointId, value, quality: 'good' as const, ts: 0 },
});
const make = (
  baselineKw = 30,
  extra: { tolerancePct?: number; source?: 'power' | 'energy'; unit?: string } = {},
) =>
  createAfterHours({
    pointId: extra.source === 'energy' ? E : P,
    schedule: office,
    baselineKw,
    source: extra.source ?? 'power',
    unit: extra.unit ?? (extra.source === 'energy' ? 'kWh' : 'kW'),
    ...(extra.tolerancePct !== undefined ? { tolerancePct: extra.tolerancePct } : {}),
  });

describe('after-hours', () => {
  it('normal during working hours; judged from 15 min after the schedule goes off; every minute after', () => {
    const e = make();
    expect(e.update(rd(P, 50), at(FRI, '17:00'))).toMatchObject({
      active: false,
      message: 'power_kw working hours (office-hours on)',
    });
    expect(e.nextCheckAt(at(FRI, '17:00'))).toBe(at(FRI, '18:00'));
    expect(e.check(at(FRI, '18:00'))).toBeUndefined();
    expect(e.current().message).toBe('power_kw after hours since 18:00, judged after 15 min of data');
    expect(e.nextCheckAt(at(FRI, '18:00'))).toBe(at(FRI, '18:15'));
    expect(e.check(at(FRI, '18:14'))).toBeUndefined();
    expect(e.check(at(FRI, '18:15'))).toMatchObject({
      active: true,
      value: 50,
      message: 'power_kw after-hours waste: 50 kW against a 30 kW baseline',
    }); // the working-hours load before 18:00 does not count
    expect(e.nextCheckAt(at(FRI, '18:15'))).toBe(at(FRI, '18:16'));
    expect(e.update(rd(P, 20), at(FRI, '18:20'))?.active).toBe(true); // 50 over 18:00–18:20
    // (50 × 20 + 20 × 30) / 50 = 32
    expect(e.check(at(FRI, '18:50'))).toMatchObject({
      active: false,
      value: 32,
      message: 'power_kw after hours: 32 kW within 36 kW (30 kW baseline + 20 %)',
    });
  });

  it('the window slides to the last hour; the weekend is after hours until Monday 08:00', () => {
    const e = make();
    e.update(rd(P, 100), at(FRI, '18:00'));
    e.update(rd(P, 10), at(FRI, '19:00'));
    expect(e.current().active).toBe(true); // 100 over 18:00–19:00
    expect(e.check(at(FRI, '19:30'))).toBeUndefined(); // 18:30–19:30: (100 × 30 + 10 × 30) / 60 = 55
    expect(e.current().value).toBe(55);
    expect(e.check(at(FRI, '19:50'))).toMatchObject({ active: false, value: 25 }); // (100 × 10 + 10 × 50) / 60
    const SAT = '2024-03-16';
    e.update(rd(P, 80), at(SAT, '10:00'));
    expect(e.check(at(SAT, '10:40'))).toMatchObject({ active: true, value: 56.667 }); // (10 × 20 + 80 × 40) / 60
    expect(e.nextCheckAt(at('2024-03-18', '07:59'))).toBe(at('2024-03-18', '08:00'));
    expect(e.check(at('2024-03-18', '08:00'))).toMatchObject({
      active: false,
      message: 'power_kw working hours (office-hours on)',
    });
    expect(e.nextCheckAt(at('2024-03-18', '08:00'))).toBe(at('2024-03-18', '18:00'));
  });

  it('tolerance edge: exactly baseline × (1 + tolerance) is normal, above is waste', () => {
    const edge = make(30, { tolerancePct: 20 });
    edge.update(rd(P, 36), at(FRI, '19:00'));
    expect(edge.check(at(FRI, '19:15'))).toBeUndefined();
    expect(edge.current()).toMatchObject({ active: false, value: 36 });
    const over = make(30, { tolerancePct: 20 });
    over.update(rd(P, 36.01), at(FRI, '19:00'));
    expect(over.check(at(FRI, '19:15'))).toMatchObject({ active: true, value: 36.01 });
    const none = make(30, { tolerancePct: 0 });
    none.update(rd(P, 30.5), at(FRI, '19:00'));
    expect(none.check(at(FRI, '19:15'))?.active).toBe(true);
  });

  it('a holiday (schedule off all day) is after hours', () => {
    const e = make();
    const HOL = '2024-04-04'; // a Thursday
    expect(e.update(rd(P, 50), at(HOL, '10:00'))).toMatchObject({ active: false });
    expect(e.nextCheckAt(at(HOL, '10:00'))).toBe(at(HOL, '10:01'));
    expect(e.check(at(HOL, '10:15'))).toMatchObject({ active: true, value: 50 });
    expect(e.check(at('2024-04-05', '08:00'))).toMatchObject({ active: false }); // Friday morning
  });

  it('an energy counter: the mean of Δenergy / Δt (W h units converted)', () => {
    const e = make(30, { source: 'energy', unit: 'Wh' });
    e.update(rd(E, 0), at(FRI, '19:00'));
    expect(e.update(rd(E, 10_000), at(FRI, '19:10'))?.active).toBe(false); // 60 kW, only 10 min of data
    expect(e.update(rd(E, 25_000), at(FRI, '19:30'))).toMatchObject({ active: true, value: 50 });
  });
});
