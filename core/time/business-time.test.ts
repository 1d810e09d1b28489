import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_ON,
  addBusinessTime,
  type BusinessCalendar,
  businessTimeBetween,
  MAX_OFF_SCAN_MS,
} from './business-time.js';
import { Schedule } from './schedule.js';
import { ScheduleSchema } from './schedule-schema.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
const DESK = ['08:30-12:00', '13:30-17:30']; // 7.5 h a day
const weekdays = { mon: DESK, tue: DESK, wed: DESK, thu: DESK, fri: DESK };
/** China's 2024 National Day: 1–7 October off, Sunday 29 September and Saturday 12 October worked as Mondays. */
const NATIONAL_DAY = ['01', '02', '03', '04', '05', '06', '07'].map((d) => `2024-10-${d}`);
const desk = (extra: Partial<Parameters<typeof ScheduleSchema.parse>[0]> = {}) =>
  new Schedule(
    ScheduleSchema.parse({
      id: 'desk',
      weekly: weekdays,
      holidays: NATIONAL_DAY,
      extraWorkdays: ['2024-09-29', '2024-10-12'],
      ...extra,
    }),
    'Asia/Shanghai',
  );

describe('addBusinessTime / businessTimeBetween with a Schedule (Asia/Shanghai)', () => {
  const cal = desk();
  const add = (iso: string, ms: number) => new Date(addBusinessTime(cal, at(iso), ms)).toISOString();
  const iso = (s: string) => new Date(at(s)).toISOString();

  it('a 4-hour target submitted Friday 16:00 lands on Monday 11:00', () => {
    // 1.5 h on Friday, 2.5 h from Monday 08:30.
    expect(add('2024-03-15T16:00:00+08:00', 4 * HOUR)).toBe(iso('2024-03-18T11:00:00+08:00'));
    expect(businessTimeBetween(cal, at('2024-03-15T16:00:00+08:00'), at('2024-03-18T11:00:00+08:00'))).toBe(
      4 * HOUR,
    );
  });

  it('skips the lunch break', () => {
    expect(add('2024-03-19T10:00:00+08:00', 3 * HOUR)).toBe(iso('2024-03-19T14:30:00+08:00'));
    expect(add('2024-03-19T11:45:00+08:00', 30 * MINUTE)).toBe(iso('2024-03-19T13:45:00+08:00'));
    // Submitted during lunch: counting starts at 13:30.
    expect(add('2024-03-19T12:00:00+08:00', 30 * MINUTE)).toBe(iso('2024-03-19T14:00:00+08:00'));
    expect(businessTimeBetween(cal, at('2024-03-19T11:00:00+08:00'), at('2024-03-19T14:00:00+08:00'))).toBe(
      1.5 * HOUR,
    );
  });

  it('work ending as the desk closes lands on the close, not the next opening', () => {
    expect(add('2024-03-19T16:30:00+08:00', HOUR)).toBe(iso('2024-03-19T17:30:00+08:00'));
    expect(add('2024-03-19T17:29:59.999+08:00', 1)).toBe(iso('2024-03-19T17:30:00+08:00'));
    expect(add('2024-03-19T17:30:00+08:00', 1)).toBe(iso('2024-03-20T08:30:00.001+08:00'));
  });

  it('submitted on a holiday: counting starts on the first workday after it', () => {
    // Tuesday 1 October: off until Tuesday 8 October 08:30; 3.5 h that morning, 0.5 h after lunch.
    expect(add('2024-10-01T09:00:00+08:00', 4 * HOUR)).toBe(iso('2024-10-08T14:00:00+08:00'));
    // Monday 30 September 16:00: 1.5 h, then the holiday week, then 2.5 h.
    expect(add('2024-09-30T16:00:00+08:00', 4 * HOUR)).toBe(iso('2024-10-08T11:00:00+08:00'));
    expect(businessTimeBetween(cal, at('2024-10-01T00:00:00+08:00'), at('2024-10-08T00:00:00+08:00'))).toBe(
      0,
    );
  });

  it('counts an extra workday on a Sunday (and a Saturday)', () => {
    // Friday 27 September 16:00 + 8 h: 1.5 h on Friday, 6.5 h on Sunday 29 (worked as a Monday).
    expect(add('2024-09-27T16:00:00+08:00', 8 * HOUR)).toBe(iso('2024-09-29T16:30:00+08:00'));
    const plain = desk({ extraWorkdays: [] });
    expect(new Date(addBusinessTime(plain, at('2024-09-27T16:00:00+08:00'), 8 * HOUR)).toISOString()).toBe(
      iso('2024-09-30T16:30:00+08:00'),
    );
    expect(add('2024-10-11T17:00:00+08:00', HOUR)).toBe(iso('2024-10-12T09:00:00+08:00'));
    // Sunday 29 September to Sunday 13 October: 7 working days (two of them at the weekend).
    expect(businessTimeBetween(cal, at('2024-09-29T00:00:00+08:00'), at('2024-10-13T00:00:00+08:00'))).toBe(
      7 * 7.5 * HOUR,
    );
  });

  it('a plain week holds 37.5 business hours; an empty or reversed interval none', () => {
    expect(businessTimeBetween(cal, at('2024-03-18T00:00:00+08:00'), at('2024-03-25T00:00:00+08:00'))).toBe(
      37.5 * HOUR,
    );
    const t = at('2024-03-19T10:00:00+08:00');
    expect(businessTimeBetween(cal, t, t)).toBe(0);
    expect(businessTimeBetween(cal, t, t - HOUR)).toBe(0);
  });

  it('a zero duration is the start itself; a negative or non-finite one is refused', () => {
    const saturday = at('2024-03-16T10:00:00+08:00');
    expect(addBusinessTime(cal, saturday, 0)).toBe(saturday);
    expect(() => addBusinessTime(cal, saturday, -1)).toThrow(RangeError);
    expect(() => addBusinessTime(cal, saturday, Number.NaN)).toThrow(RangeError);
    expect(() => addBusinessTime(cal, saturday, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => businessTimeBetween(ALWAYS_ON, saturday, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('terminates with a RangeError for a calendar that is never on or never moves', () => {
    const never = new Schedule(ScheduleSchema.parse({ id: 'never', weekly: {} }), 'Asia/Shanghai');
    expect(() => addBusinessTime(never, at('2024-03-15T16:00:00+08:00'), MINUTE)).toThrow(RangeError);
    const offDaily: BusinessCalendar = { isOn: () => false, nextChange: (t) => t + DAY };
    expect(() => addBusinessTime(offDaily, 0, MINUTE)).toThrow(/off for more than 400 days/);
    const stuck: BusinessCalendar = { isOn: () => true, nextChange: (t) => t };
    expect(() => addBusinessTime(stuck, 0, MINUTE)).toThrow(RangeError);
    expect(() => businessTimeBetween(stuck, 0, MINUTE)).toThrow(RangeError);
    expect(businessTimeBetween(never, 0, 365 * DAY)).toBe(0);
  });

  it('a long closure shorter than the scan limit is waited out', () => {
    // Off for 300 days (a shutdown), then on for good.
    const reopen = 300 * DAY;
    const shutdown: BusinessCalendar = {
      isOn: (t) => t >= reopen,
      nextChange: (t) => (t < reopen ? Math.min(reopen, t + 8 * DAY) : t + 8 * DAY),
    };
    expect(addBusinessTime(shutdown, 0, HOUR)).toBe(reopen + HOUR);
    expect(300 * DAY).toBeLessThan(MAX_OFF_SCAN_MS);
  });
});

describe('ALWAYS_ON', () => {
  it('is plain addition and subtraction', () => {
    const t = at('2024-03-16T03:17:00Z');
    expect(addBusinessTime(ALWAYS_ON, t, 4 * HOUR)).toBe(t + 4 * HOUR);
    expect(addBusinessTime(ALWAYS_ON, t, 30 * DAY + 1)).toBe(t + 30 * DAY + 1);
    expect(businessTimeBetween(ALWAYS_ON, t, t + 30 * DAY + 1)).toBe(30 * DAY + 1);
  });
});

describe('businessTimeBetween(start, addBusinessTime(start, d)) === d (property)', () => {
  const minutes = fc.integer({ min: 0, max: 10 * 24 * 60 });
  const check = (cal: BusinessCalendar, s: number, d: number) => {
    const end = addBusinessTime(cal, s, d);
    expect(end).toBeGreaterThanOrEqual(s);
    expect(businessTimeBetween(cal, s, end)).toBe(d);
    // The last counted millisecond was on: the end is not pushed past needless off-time.
    if (d > 0) expect(cal.isOn(end - 1)).toBe(true);
  };

  it('holds for the Shanghai desk schedule, random starts, whole-minute durations up to 10 days', () => {
    const cal = desk();
    // Half the starts around the National Day holidays and extra workdays, half anywhere in 2024–2025.
    const start = fc.oneof(
      fc.integer({ min: at('2024-09-20T00:00:00+08:00'), max: at('2024-10-20T00:00:00+08:00') }),
      fc.integer({ min: at('2024-01-01T00:00:00+08:00'), max: at('2026-01-01T00:00:00+08:00') }),
    );
    // Schedule.nextChange costs ~0.15 ms (Intl), a 10-day duration ~60 of them: 60 runs take a few seconds.
    fc.assert(
      fc.property(start, minutes, (s, m) => check(cal, s, m * MINUTE)),
      { numRuns: 60 },
    );
  });

  it('holds for cheap random periodic calendars, many runs', () => {
    // On for `on` ms of every `period`, from `phase`; nextChange sometimes only says "look again" (as
    // Schedule does beyond its horizon) to exercise that path.
    const calendar = fc
      .record({
        // Bounded below so a 10-day duration stays a few thousand segments.
        period: fc.integer({ min: HOUR, max: 2 * DAY }),
        onShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
        phase: fc.integer({ min: 0, max: DAY }),
        lookAgain: fc.integer({ min: HOUR, max: 8 * DAY }),
      })
      .map(({ period, onShare, phase, lookAgain }): BusinessCalendar => {
        const on = Math.max(1, Math.min(period, Math.floor(period * onShare)));
        const pos = (t: number) => (((t - phase) % period) + period) % period;
        return {
          isOn: (t) => pos(t) < on,
          nextChange: (t) => {
            if (on === period) return t + lookAgain;
            const flip = t - pos(t) + (pos(t) < on ? on : period);
            return Math.min(flip, t + lookAgain);
          },
        };
      });
    fc.assert(
      fc.property(calendar, fc.integer({ min: 0, max: 4e12 }), minutes, (cal, s, m) =>
        check(cal, s, m * MINUTE),
      ),
      { numRuns: 1_000 },
    );
  });
});
