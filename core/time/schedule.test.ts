import { describe, expect, it } from 'vitest';
import { parseRange, SCHEDULE_HORIZON_MS, Schedule } from './schedule.js';
import { ScheduleSchema } from './schedule-schema.js';

const SHANGHAI = 'Asia/Shanghai'; // UTC+8, no DST
const BERLIN = 'Europe/Berlin'; // 2024-03-31 02:00 CET → 03:00 CEST; 2024-10-27 03:00 CEST → 02:00 CET
const at = (iso: string) => Date.parse(iso);
const WORK = ['08:00-18:00'];
const weekdays = { mon: WORK, tue: WORK, wed: WORK, thu: WORK, fri: WORK };
const office = (extra: Partial<Parameters<typeof ScheduleSchema.parse>[0]> = {}, tz = SHANGHAI) =>
  new Schedule(ScheduleSchema.parse({ id: 'office', weekly: weekdays, ...extra }), tz);

/** The successive changes from `from`, n of them. */
function changes(s: Schedule, from: number, n: number): string[] {
  const out: string[] = [];
  for (let t = from, i = 0; i < n; i++) {
    t = s.nextChange(t);
    out.push(new Date(t).toISOString());
  }
  return out;
}

describe('Schedule (Asia/Shanghai)', () => {
  const s = office();

  it('is on within the weekly hours: start inclusive, end exclusive', () => {
    // 2024-03-15 is a Friday.
    expect(s.isOn(at('2024-03-15T07:59:59.999+08:00'))).toBe(false);
    expect(s.isOn(at('2024-03-15T08:00:00+08:00'))).toBe(true);
    expect(s.isOn(at('2024-03-15T17:59:59.999+08:00'))).toBe(true);
    expect(s.isOn(at('2024-03-15T18:00:00+08:00'))).toBe(false);
    expect(s.isOn(at('2024-03-16T10:00:00+08:00'))).toBe(false); // Saturday: no hours
  });

  it('nextChange: the next start or end, skipping the weekend', () => {
    expect(s.nextChange(at('2024-03-15T07:00:00+08:00'))).toBe(at('2024-03-15T08:00:00+08:00'));
    expect(s.nextChange(at('2024-03-15T08:00:00+08:00'))).toBe(at('2024-03-15T18:00:00+08:00'));
    expect(s.nextChange(at('2024-03-15T18:00:00+08:00'))).toBe(at('2024-03-18T08:00:00+08:00'));
  });

  it('a range ending at 24:00 runs into the next day’s range without a change at midnight', () => {
    const night = new Schedule(
      ScheduleSchema.parse({
        id: 'n',
        weekly: { sat: ['20:00-24:00'], sun: ['00:00-06:00', '22:00-24:00'] },
      }),
      SHANGHAI,
    );
    expect(night.isOn(at('2024-03-16T23:59:59.999+08:00'))).toBe(true);
    expect(night.isOn(at('2024-03-17T00:00:00+08:00'))).toBe(true);
    expect(changes(night, at('2024-03-16T12:00:00+08:00'), 3)).toEqual([
      '2024-03-16T12:00:00.000Z', // Sat 20:00 +08
      '2024-03-16T22:00:00.000Z', // Sun 06:00 +08
      '2024-03-17T14:00:00.000Z', // Sun 22:00 +08
    ]);
    // Sunday 24:00 = Monday 00:00: off from then on.
    expect(night.nextChange(at('2024-03-17T22:30:00+08:00'))).toBe(at('2024-03-18T00:00:00+08:00'));
  });

  it('adjacent ranges make one on period', () => {
    const split = new Schedule({ id: 's', weekly: { mon: ['12:00-18:00', '08:00-12:00'] } }, SHANGHAI);
    expect(split.nextChange(at('2024-03-18T09:00:00+08:00'))).toBe(at('2024-03-18T18:00:00+08:00'));
  });

  it('holidays are off all day; an extra workday (a Saturday) follows Monday’s hours', () => {
    // National Day 2024: 1–7 October off, Saturday 12 October worked.
    const cn = office({
      holidays: ['2024-10-01', '2024-10-02', '2024-10-03', '2024-10-04', '2024-10-07'],
      extraWorkdays: ['2024-10-12'],
      weekly: { ...weekdays, mon: ['09:00-17:00'] },
    });
    expect(cn.isOn(at('2024-10-01T10:00:00+08:00'))).toBe(false); // a Tuesday
    expect(cn.isOn(at('2024-10-08T10:00:00+08:00'))).toBe(true);
    // From Monday 30 September's end, the next start skips the holidays and the weekend to Tuesday 8 October.
    expect(cn.nextChange(at('2024-09-30T17:00:00+08:00'))).toBe(at('2024-10-08T08:00:00+08:00'));
    expect(cn.isOn(at('2024-10-12T08:30:00+08:00'))).toBe(false); // Monday's hours start at 09:00
    expect(cn.isOn(at('2024-10-12T09:00:00+08:00'))).toBe(true);
    expect(cn.nextChange(at('2024-10-11T18:00:00+08:00'))).toBe(at('2024-10-12T09:00:00+08:00'));
    expect(cn.nextChange(at('2024-10-12T09:00:00+08:00'))).toBe(at('2024-10-12T17:00:00+08:00'));
    expect(cn.isOn(at('2024-10-13T10:00:00+08:00'))).toBe(false); // Sunday as usual
  });

  it('invert: on outside the hours (after-hours rules), holidays on all day', () => {
    const after = office({ invert: true, holidays: ['2024-10-01'] });
    expect(after.isOn(at('2024-03-15T07:00:00+08:00'))).toBe(true);
    expect(after.isOn(at('2024-03-15T08:00:00+08:00'))).toBe(false);
    expect(after.isOn(at('2024-03-16T12:00:00+08:00'))).toBe(true);
    expect(after.isOn(at('2024-10-01T12:00:00+08:00'))).toBe(true);
    expect(after.nextChange(at('2024-03-15T07:00:00+08:00'))).toBe(at('2024-03-15T08:00:00+08:00'));
    expect(after.nextChange(at('2024-03-15T18:00:00+08:00'))).toBe(at('2024-03-18T08:00:00+08:00'));
  });

  it('with no change within the horizon, nextChange is now + the horizon', () => {
    const always = new Schedule(
      {
        id: 'always',
        weekly: Object.fromEntries(
          ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]),
        ),
      },
      SHANGHAI,
    );
    const now = at('2024-03-15T12:00:00+08:00');
    expect(always.isOn(now)).toBe(true);
    expect(always.nextChange(now)).toBe(now + SCHEDULE_HORIZON_MS);
    const never = new Schedule({ id: 'never', weekly: {} }, SHANGHAI);
    expect(never.isOn(now)).toBe(false);
    expect(never.nextChange(now)).toBe(now + SCHEDULE_HORIZON_MS);
  });
});

describe('Schedule (Europe/Berlin, DST)', () => {
  it('keeps wall-clock hours across the March switch', () => {
    const daily = new Schedule(
      { id: 'd', weekly: Object.fromEntries(['fri', 'sat', 'sun', 'mon'].map((d) => [d, WORK])) },
      BERLIN,
    );
    // Saturday 30 March 18:00 CET (17:00Z) → Sunday 08:00 CEST (06:00Z) → 18:00 CEST (16:00Z).
    expect(changes(daily, at('2024-03-30T12:00:00Z'), 3)).toEqual([
      '2024-03-30T17:00:00.000Z',
      '2024-03-31T06:00:00.000Z',
      '2024-03-31T16:00:00.000Z',
    ]);
    expect(daily.isOn(at('2024-03-31T06:30:00Z'))).toBe(true); // 08:30 CEST
    expect(daily.isOn(at('2024-03-31T05:30:00Z'))).toBe(false); // 07:30 CEST (06:30 would be CET)
  });

  it('a range starting in the skipped hour starts when the clock jumps', () => {
    const s = new Schedule({ id: 'x', weekly: { sun: ['02:30-04:00'] } }, BERLIN);
    // 01:59:59 CET (00:59:59Z) is off; at 01:00Z the clock reads 03:00 CEST, inside 02:30–04:00.
    expect(s.isOn(at('2024-03-31T00:59:59Z'))).toBe(false);
    expect(s.isOn(at('2024-03-31T01:00:00Z'))).toBe(true);
    expect(changes(s, at('2024-03-30T12:00:00Z'), 2)).toEqual([
      '2024-03-31T01:00:00.000Z',
      '2024-03-31T02:00:00.000Z',
    ]);
  });

  it('a range wholly inside the skipped hour never comes on that day', () => {
    const s = new Schedule({ id: 'x', weekly: { sun: ['02:10-02:20'] } }, BERLIN);
    // Next Sunday (7 April, CEST): 02:10 = 00:10Z.
    expect(s.nextChange(at('2024-03-30T12:00:00Z'))).toBe(at('2024-04-07T00:10:00Z'));
  });

  it('a boundary inside the repeated October hour happens twice', () => {
    const s = new Schedule({ id: 'x', weekly: { sun: ['00:00-02:30'] } }, BERLIN);
    // On from 00:00 CEST (Sat 22:00Z) to 02:30 CEST (00:30Z); at 01:00Z the clock goes back to 02:00 CET: on
    // again until 02:30 CET (01:30Z).
    expect(changes(s, at('2024-10-26T12:00:00Z'), 4)).toEqual([
      '2024-10-26T22:00:00.000Z',
      '2024-10-27T00:30:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T01:30:00.000Z',
    ]);
  });
});

describe('schedule ranges', () => {
  it('parses HH:MM-HH:MM with 24:00 ends', () => {
    expect(parseRange('08:00-18:30')).toEqual({ start: 480, end: 1110 });
    expect(parseRange('20:00-24:00')).toEqual({ start: 1200, end: 1440 });
  });

  it('rejects ranges crossing midnight, empty ones and ends past 24:00, in the schema and the class', () => {
    for (const bad of ['22:00-06:00', '08:00-08:00', '08:00-24:30']) {
      expect(() => parseRange(bad)).toThrow(/schedule range/);
      const r = ScheduleSchema.safeParse({ id: 'x', weekly: { mon: [bad] } });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/end after the start/);
    }
    expect(ScheduleSchema.safeParse({ id: 'x', weekly: { mon: ['8:00-18:00'] } }).success).toBe(false);
    expect(() => new Schedule({ id: 'x', weekly: {} }, 'Mars/Olympus')).toThrow(RangeError);
  });

  it('accepts a partial week (a missing day is off)', () => {
    const r = ScheduleSchema.parse({ id: 'x', weekly: { sat: ['09:00-12:00'] } });
    expect(r).toMatchObject({ holidays: [], extraWorkdays: [], workdayAs: 'mon', invert: false });
  });
});
