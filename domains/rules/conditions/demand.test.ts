import { describe, expect, it } from 'vitest';
import { createDemand } from './demand.js';

const P = 'main-meter/power_kw';
const E = 'main-meter/energy_kwh';
const TZ = 'Asia/Shanghai';
const at = (hhmmss: string, date = '2024-03-15') => Date.parse(`${date}T${hhmmss}+08:00`);
const rd = (pointId: string, value: number) => ({
  reading: { pointId, value, quality: 'good' as const, ts: 0 },
});

describe('demand', () => {
  it('forecasts the window from minElapsedMs on: crossing the limit and back', () => {
    const e = createDemand({ pointId: P, limitKw: 500, source: 'power', unit: 'kW', timeZone: TZ });
    expect(e.nextCheckAt(at('10:00:00'))).toBeUndefined();
    expect(e.update(rd(P, 400), at('10:00:00'))).toMatchObject({
      active: false,
      value: 400,
      message: 'power_kw demand 400 kW so far in the 10:00–10:15 window (forecast from 10:05)',
    });
    expect(e.nextCheckAt(at('10:00:00'))).toBe(at('10:05:00'));
    expect(e.check(at('10:05:00'))).toBeUndefined();
    expect(e.nextCheckAt(at('10:05:00'))).toBe(at('10:15:00'));
    // 400 for 6 min, then 700: 400 × 6/15 + 700 × 9/15 = 580
    const v = e.update(rd(P, 700), at('10:06:00'))!;
    expect(v.active).toBe(true);
    expect(v.value).toBeCloseTo(580);
    expect(v.message).toBe('power_kw demand forecast 580 kW against a 500 kW limit (10:00–10:15 window)');
    // 5200 kW·min over 10 min = 520 so far; 520 × 2/3 + 300 × 1/3 = 446.67
    const w = e.update(rd(P, 300), at('10:10:00'))!;
    expect(w.active).toBe(false);
    expect(w.value).toBeCloseTo(446.667, 2);
    expect(w.message).toBe('power_kw demand forecast 446.667 kW within the 500 kW limit');
    expect(e.check(at('10:15:00'))).toBeUndefined(); // the finished window: 6700 / 15 = 446.67, within
    expect(e.current().message).toBe(
      'power_kw demand 300 kW so far in the 10:15–10:30 window (forecast from 10:20)',
    );
  });

  it('just before minElapsedMs there is no forecast; exactly at it there is', () => {
    const e = createDemand({ pointId: P, limitKw: 500, source: 'power', unit: 'kW', timeZone: TZ });
    e.update(rd(P, 100), at('10:00:00'));
    expect(e.update(rd(P, 900), at('10:04:59'))?.active).toBe(false);
    expect(e.check(at('10:05:00'))?.active).toBe(true); // 100 × 5/15 + 900 × 10/15 ≈ 633
  });

  it('a finished window over the limit stays active until a later forecast is within it; a reading exactly at :15 opens the next window', () => {
    const e = createDemand({ pointId: P, limitKw: 500, source: 'power', unit: 'kW', timeZone: TZ });
    e.update(rd(P, 600), at('10:00:00'));
    expect(e.check(at('10:05:00'))).toMatchObject({ active: true, value: 600 });
    const v = e.update(rd(P, 100), at('10:15:00'))!;
    expect(v).toMatchObject({
      active: true,
      value: 600,
      message: 'power_kw demand 600 kW in the 10:00–10:15 window, over the 500 kW limit',
    });
    expect(e.nextCheckAt(at('10:15:00'))).toBe(at('10:20:00'));
    expect(e.check(at('10:19:59'))).toBeUndefined();
    expect(e.check(at('10:20:00'))).toMatchObject({ active: false, value: 100 });
  });

  it('a window that ends with no data clears a finished window’s alert (no stuck alert)', () => {
    const e = createDemand({ pointId: E, limitKw: 50, source: 'energy', unit: 'kWh', timeZone: TZ });
    e.update(rd(E, 0), at('10:00:00'));
    e.update(rd(E, 20), at('10:14:00')); // 20 kWh in 14 min ≈ 85.7 kW
    expect(e.check(at('10:15:00'))).toBeUndefined(); // already active by the forecast
    expect(e.current()).toMatchObject({ active: true, value: 85.714 }); // the finished window
    expect(e.current().message).toContain('in the 10:00–10:15 window');
    expect(e.check(at('10:30:00'))?.active).toBe(false); // 10:15–10:30 had no counter step
  });

  it('converts W to kW (and MW)', () => {
    const w = createDemand({ pointId: 'm/power_w', limitKw: 500, source: 'power', unit: 'W', timeZone: TZ });
    w.update(rd('m/power_w', 600_000), at('10:00:00'));
    expect(w.check(at('10:05:00'))).toMatchObject({ active: true, value: 600 });
    const mw = createDemand({
      pointId: 'm/power_mw',
      limitKw: 500,
      source: 'power',
      unit: 'MW',
      timeZone: TZ,
    });
    mw.update(rd('m/power_mw', 0.4), at('10:00:00'));
    expect(mw.check(at('10:05:00'))).toBeUndefined();
    expect(mw.current().value).toBeCloseTo(400);
    expect(() => createDemand({ pointId: 'm/flow', limitKw: 5, source: 'power', unit: 'm3/h' })).toThrow(
      /power point in W, kW or MW/,
    );
  });

  it('energy counter: Δenergy / time; a reset starts a new baseline (no negative demand)', () => {
    const e = createDemand({ pointId: E, limitKw: 100, source: 'energy', unit: 'kWh', timeZone: TZ });
    e.update(rd(E, 1000), at('10:00:00'));
    // 10 kWh in 5 min = 120 kW
    expect(e.update(rd(E, 1010), at('10:05:00'))).toMatchObject({ active: true, value: 120 });
    // the meter resets: no step, the forecast holds at the average so far
    const r = e.update(rd(E, 5), at('10:06:00'))!;
    expect(r.active).toBe(true);
    expect(r.value).toBeCloseTo(120);
    // 2.5 kWh in 4 min = 37.5 kW; (600 + 150) / 9 = 83.3 so far; 83.3 × 2/3 + 37.5 / 3 = 68.06
    const v = e.update(rd(E, 7.5), at('10:10:00'))!;
    expect(v.active).toBe(false);
    expect(v.value).toBeCloseTo(68.056, 2);
  });

  it('energy counter: a step across :15 is split by time between the windows', () => {
    const e = createDemand({ pointId: E, limitKw: 70, source: 'energy', unit: 'kWh', timeZone: TZ });
    e.update(rd(E, 0), at('10:00:00'));
    expect(e.update(rd(E, 14), at('10:14:00'))).toMatchObject({ active: false, value: 60 });
    // 8 kWh in 2 min = 240 kW, one minute of it in 10:00–10:15: (840 + 240) / 15 = 72 > 70
    expect(e.update(rd(E, 22), at('10:16:00'))).toMatchObject({
      active: true,
      value: 72,
      message: 'energy_kwh demand 72 kW in the 10:00–10:15 window, over the 70 kW limit',
    });
  });

  it('windows follow the local clock (Kathmandu, +05:45, hourly windows)', () => {
    const e = createDemand({
      pointId: P,
      limitKw: 500,
      windowMs: 3_600_000,
      source: 'power',
      unit: 'kW',
      timeZone: 'Asia/Kathmandu',
    });
    const t = Date.parse('2024-03-15T10:02:00+05:45');
    expect(e.update(rd(P, 10), t)?.message).toContain('10:00–11:00 window');
    expect(e.nextCheckAt(t)).toBe(Date.parse('2024-03-15T10:05:00+05:45'));
    expect(e.nextCheckAt(Date.parse('2024-03-15T10:06:00+05:45'))).toBe(
      Date.parse('2024-03-15T11:00:00+05:45'),
    );
  });

  it('rejects windows that do not divide an hour', () => {
    expect(() => createDemand({ pointId: P, limitKw: 1, windowMs: 7 * 60_000, source: 'power' })).toThrow(
      /divid/,
    );
  });
});
