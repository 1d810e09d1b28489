import { describe, expect, it } from 'vitest';
import { attributeSavings, automationSavings } from './automation-savings.js';
import type { ActivityInterval } from './savings-activity.js';
import { SLOT_MS, slotCalendar } from './slot-calendar.js';

const TZ = 'Asia/Shanghai';
const local = (iso: string) => Date.parse(`${iso}+08:00`);
const HOUR = 3_600_000;

describe('automation savings per measure', () => {
  const from = local('2026-11-02T00:00:00'); // a Monday
  const cal = slotCalendar(from, from + 2 * 86_400_000, TZ);
  const iv = (measure: ActivityInterval['measure'], pointId: string, a: number, b: number | null) =>
    ({ measure, source: `${measure}:x`, pointId, from: a, to: b }) satisfies ActivityInterval;

  it('splits each slot’s difference between the measures acting in it by point-time; slots without one stay unattributed', () => {
    const n = cal.n;
    const values = new Float64Array(n).fill(10);
    const expected = new Float64Array(16).fill(12); // 2 saved in every slot
    const series = { values, spans: new Uint8Array(n).fill(1) };
    const activity = [
      // one point under a schedule for the first hour, two under DCV in its second half hour
      iv('schedule', 'a/run', from, from + HOUR),
      iv('dcv', 'b/damper', from + HOUR / 2, from + HOUR),
      iv('dcv', 'c/damper', from + HOUR / 2, from + HOUR),
      // the demand limiter half of one slot in hour 3, still acting (open) at "now"
      iv('demand-limit', 'd/sp', from + 3 * HOUR + SLOT_MS / 2, null),
    ];
    const r = attributeSavings({
      series,
      cal,
      expected,
      fromSlot: 0,
      toSlot: 16, // four hours
      activity,
      now: from + 3 * HOUR + SLOT_MS,
      timeZone: TZ,
    });
    const by = Object.fromEntries(r.measures.map((m) => [m.measure, m]));
    // first two slots: schedule alone (2 × 2); next two: schedule 1/3, DCV 2/3 of 2 each
    expect(by.schedule!.saved).toBeCloseTo(4 + 2 * (2 / 3), 6);
    expect(by.dcv!.saved).toBeCloseTo(2 * (4 / 3), 6);
    expect(by['demand-limit']!.saved).toBeCloseTo(2, 6);
    expect(by['demand-limit']!.slots).toBe(1);
    expect(by.dcv!.pointHours).toBeCloseTo(1, 6);
    // 16 slots, 5 with a measure: 11 unattributed
    expect(r.unattributed).toBeCloseTo(22, 6);
    expect(r.saved).toBeCloseTo(32, 6);
    expect(by.schedule!.saved + by.dcv!.saved + by['demand-limit']!.saved + r.unattributed).toBeCloseTo(
      r.saved,
      6,
    );
    expect(r.days).toHaveLength(1);
    expect(r.days[0]!.saved.none).toBeCloseTo(22, 6);
  });

  it('a slot above its expectation counts against the measure acting in it; unknown slots are not compared', () => {
    const n = cal.n;
    const values = new Float64Array(n).fill(12);
    values[1] = 15;
    values[2] = Number.NaN;
    const r = attributeSavings({
      series: { values, spans: new Uint8Array(n).fill(1) },
      cal,
      expected: new Float64Array(4).fill(12),
      fromSlot: 0,
      toSlot: 4,
      activity: [iv('schedule', 'a/run', from, from + HOUR)],
      now: from + HOUR,
      timeZone: TZ,
    });
    expect(r.measures[0]!.saved).toBeCloseTo(-3, 6);
    expect(r.coverage).toBeCloseTo(0.75, 6);
  });

  it('learns the baseline before automation began, so the saving of a schedule that halves the nights shows', () => {
    const start = local('2026-10-05T00:00:00');
    const c = slotCalendar(start, start + 21 * 86_400_000, TZ);
    const values = new Float64Array(c.n);
    const automation = start + 14 * 86_400_000;
    const activity: ActivityInterval[] = [];
    for (let i = 0; i < c.n; i++) {
      const night = c.hour[i]! < 7 || c.hour[i]! >= 19;
      const after = start + i * SLOT_MS >= automation;
      values[i] = night ? (after ? 5 : 10) : 20;
    }
    for (let d = 14; d < 21; d++) {
      const day = start + d * 86_400_000;
      activity.push(iv('schedule', 'ahu/run', day, day + 7 * HOUR));
      activity.push(iv('schedule', 'ahu/run', day + 19 * HOUR, day + 24 * HOUR));
    }
    const r = automationSavings({
      series: { values, spans: new Uint8Array(c.n).fill(1) },
      cal: c,
      baselineFromSlot: 0,
      baselineEndSlot: 14 * 96,
      fromSlot: 14 * 96,
      toSlot: c.n,
      activity,
      now: start + 21 * 86_400_000,
      timeZone: TZ,
    });
    // 12 night hours × 4 slots × 5 kWh × 7 days
    expect(r.measures.find((m) => m.measure === 'schedule')!.saved).toBeCloseTo(12 * 4 * 5 * 7, 3);
    expect(r.unattributed).toBeCloseTo(0, 6);
    expect(r.baseline.weeks).toBe(2);
  });
});
