import { describe, expect, it } from 'vitest';
import { Schedule } from '../../core/time/schedule.js';
import { compareToBaseline, expectedSeries, learnBaseline, savings } from './baseline.js';
import {
  type CalendarDay,
  dayRange,
  type SlotCalendar,
  type SlotSeries,
  slotCalendar,
} from './slot-calendar.js';

const TZ = 'Asia/Shanghai'; // UTC+8, no DST
const at = (iso: string) => Date.parse(iso);

function calendar(
  first: string,
  last: string,
  opts: { calendar?: Schedule; workingHours?: Schedule } = {},
  tz = TZ,
) {
  const { from, to } = dayRange(first, last, tz);
  return slotCalendar(from, to, tz, opts);
}

/** A series whose every local hour uses perHour(day, hour, week of the calendar) — a quarter per slot. */
function seriesOf(cal: SlotCalendar, perHour: (day: CalendarDay, hour: number, week: number) => number) {
  const values = new Float64Array(cal.n);
  for (let i = 0; i < cal.n; i++) {
    const d = cal.dayIndex[i]!;
    values[i] = perHour(cal.days[d]!, cal.hour[i]!, Math.floor(d / 7)) / 4;
  }
  return { values, spans: new Uint8Array(cal.n).fill(1) } satisfies SlotSeries;
}

/** No readings in the k − 1 slots before `slot`: the reading at `slot` covers them (span k, their sum). */
function gap(s: SlotSeries, slot: number, k: number) {
  let sum = 0;
  for (let i = slot - k + 1; i <= slot; i++) {
    sum += s.values[i]!;
    s.values[i] = Number.NaN;
    s.spans[i] = 0;
  }
  s.values[slot] = sum;
  s.spans[slot] = k;
}

/** Trailing slots with no reading at all (nothing covers them yet). */
function missing(s: SlotSeries, slot: number, count: number) {
  s.values.fill(Number.NaN, slot, slot + count);
  s.spans.fill(0, slot, slot + count);
}

/** Slot of a local date and time in a calendar without DST. */
function slot(cal: SlotCalendar, date: string, hh: number, mm = 0) {
  const day = cal.days.find((d) => d.date === date);
  if (!day) throw new Error(`${date} not in the calendar`);
  return day.firstSlot + hh * 4 + mm / 15;
}

const weekday = (day: CalendarDay) => new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();
const cell = (dayType: number, hour: number) => dayType * 24 + hour;

// Four weeks, Monday 2026-09-07 … Sunday 2026-10-04. Each weekday d (0 = Sunday) uses 10·(d + 1) + h in
// hour h, plus 0, 1, 2, 5 in weeks 1–4 (mean 2): its expectation is 10·(d + 1) + h + 2.
const WEEK_VARIATION = [0, 1, 2, 5];
const fourWeeks = () => calendar('2026-09-07', '2026-10-04');
const profile = (cal: SlotCalendar) =>
  seriesOf(cal, (day, h, w) => 10 * (weekday(day) + 1) + h + WEEK_VARIATION[w]!);

describe('learnBaseline', () => {
  it('learns each weekday’s hourly profile as the mean of four weeks', () => {
    const cal = fourWeeks();
    const b = learnBaseline(profile(cal), cal, 0, cal.n);
    expect(b.expected[cell(1, 9)]).toBe(31); // Monday 09:00: 20 + 9 + 2
    expect(b.expected[cell(0, 23)]).toBe(35); // Sunday 23:00: 10 + 23 + 2
    expect(b.expected[cell(6, 0)]).toBe(72); // Saturday 00:00: 70 + 0 + 2
    for (let d = 0; d < 7; d++)
      for (let h = 0; h < 24; h++) {
        expect(b.expected[cell(d, h)]).toBe(10 * (d + 1) + h + 2);
        expect(b.samples[cell(d, h)]).toBe(4);
      }
    // No holiday in these weeks: a holiday is expected to look like a Sunday.
    for (let h = 0; h < 24; h++) {
      expect(b.expected[cell(7, h)]).toBe(10 + h + 2);
      expect(b.samples[cell(7, h)]).toBe(0);
    }
    expect(b.weeks).toBe(4);
    expect(b.from).toBe(at('2026-09-06T16:00:00Z'));
    expect(b.to).toBe(at('2026-10-04T16:00:00Z'));
  });

  it('falls back: Sunday ↔ Saturday, a holiday to Sunday then Saturday, else NaN', () => {
    const cal = fourWeeks();
    const s = profile(cal);
    const monToSat = learnBaseline(s, cal, 0, 6 * 96); // Mon 09-07 … Sat 09-12, week 1 (variation 0)
    expect(monToSat.weeks).toBe(6 / 7);
    expect(monToSat.expected[cell(6, 5)]).toBe(75);
    expect(monToSat.expected[cell(0, 5)]).toBe(75);
    expect(monToSat.samples[cell(0, 5)]).toBe(0);
    expect(monToSat.expected[cell(7, 5)]).toBe(75);
    const sunday = learnBaseline(s, cal, 6 * 96, 7 * 96); // Sun 09-13 only
    expect(sunday.expected[cell(0, 5)]).toBe(15);
    expect(sunday.expected[cell(6, 5)]).toBe(15);
    expect(sunday.expected[cell(7, 5)]).toBe(15);
    expect(sunday.expected[cell(1, 5)]).toBeNaN();
    expect(sunday.samples[cell(1, 5)]).toBe(0);
    const empty = learnBaseline(s, cal, 96, 96);
    expect(empty.expected.every(Number.isNaN)).toBe(true);
    expect(empty.weeks).toBe(0);
  });

  it('learns holidays apart from their weekday and counts an extra workday as its workdayAs weekday', () => {
    const schedule = new Schedule(
      {
        id: 'cal',
        weekly: { mon: ['08:00-18:00'] },
        holidays: ['2026-10-01'],
        extraWorkdays: ['2026-10-10'],
        workdayAs: 'fri',
      },
      TZ,
    );
    // Mon 2026-09-14 … Sun 2026-10-11: 10-01 is a Thursday, 10-10 a Saturday.
    const cal = calendar('2026-09-14', '2026-10-11', { calendar: schedule });
    const s = seriesOf(cal, (day) => {
      if (day.date === '2026-10-01') return 3; // the holiday: the site is shut
      if (day.date === '2026-10-10') return 65; // the extra workday: a busy Friday
      return 10 * (weekday(day) + 1); // Thursday 50, Friday 60, Saturday 70
    });
    const b = learnBaseline(s, cal, 0, cal.n);
    for (const h of [0, 9, 23]) {
      expect(b.expected[cell(7, h)]).toBe(3);
      expect(b.samples[cell(7, h)]).toBe(1);
      expect(b.expected[cell(4, h)]).toBe(50); // 09-17, 09-24, 10-08; not the holiday
      expect(b.samples[cell(4, h)]).toBe(3);
      expect(b.expected[cell(5, h)]).toBe(61); // (4 × 60 + 65) / 5
      expect(b.samples[cell(5, h)]).toBe(5);
      expect(b.expected[cell(6, h)]).toBe(70); // 09-19, 09-26, 10-03; not the extra workday
      expect(b.samples[cell(6, h)]).toBe(3);
    }
  });

  it('samples only complete hours: no gaps, no value spread from before the hour, wholly in range', () => {
    const cal = fourWeeks();
    const s = profile(cal);
    // Monday 09-28 (week 4, variation 5): 10:30 missing (10:45 covers it), 11:45 missing (12:00 covers it).
    gap(s, slot(cal, '2026-09-28', 10, 45), 2);
    gap(s, slot(cal, '2026-09-28', 12, 0), 2);
    const b = learnBaseline(s, cal, 0, cal.n);
    for (const h of [10, 11, 12]) {
      expect(b.samples[cell(1, h)]).toBe(3);
      expect(b.expected[cell(1, h)]).toBe(20 + h + 1); // variation (0 + 1 + 2) / 3
    }
    expect(b.samples[cell(1, 13)]).toBe(4);
    expect(b.expected[cell(1, 13)]).toBe(35);

    // A range starting and ending inside an hour leaves those hours out.
    const cut = learnBaseline(s, cal, 2, cal.n - 1);
    expect(cut.samples[cell(1, 0)]).toBe(3); // Monday 09-07 00:00 is cut
    expect(cut.expected[cell(1, 0)]).toBeCloseTo(20 + 8 / 3, 12);
    expect(cut.samples[cell(0, 23)]).toBe(3); // Sunday 10-04 23:00 is cut
    expect(cut.expected[cell(0, 23)]).toBe(34);
    expect(cut.weeks).toBe(26 / 7);
  });
});

describe('expectedSeries and compareToBaseline', () => {
  // Mon 09-07 … Sun 10-11: learn from weeks 1–4 (4 per hour, 1 per slot), compare week 5 (10-05 … 10-11).
  const workingHours = new Schedule(
    {
      id: 'work',
      weekly: {
        mon: ['08:00-18:00'],
        tue: ['08:00-18:00'],
        wed: ['08:00-18:00'],
        thu: ['08:00-18:00'],
        fri: ['08:00-18:00'],
      },
    },
    TZ,
  );
  const cal = calendar('2026-09-07', '2026-10-11', { workingHours });
  const week5 = 28 * 96;
  const s = seriesOf(cal, () => 4);
  // Tuesday 03:00 is never a complete hour in weeks 1–4: its expectation is unknown.
  for (const date of ['2026-09-08', '2026-09-15', '2026-09-22', '2026-09-29'])
    gap(s, slot(cal, date, 3, 30), 2);
  const b = learnBaseline(s, cal, 0, week5);
  const expected = expectedSeries(b, cal, week5, cal.n);
  const fill = (date: string, h: number, perSlot: number) =>
    s.values.fill(perSlot, slot(cal, date, h), slot(cal, date, h + 1));
  fill('2026-10-05', 20, 2); // Monday 20:00, after hours: 8 vs 4
  fill('2026-10-06', 10, 3); // Tuesday 10:00, working: 12 vs 4
  fill('2026-10-07', 22, 0.5); // Wednesday 22:00: 2 vs 4, below the baseline
  // Thursday: 02:00 missing (02:15 reads 2 for both), 02:45 missing (03:00 reads 4 for both): 02:00 and
  // 03:00 are each 1 + 1 + 1 + 2 = 5.
  s.values[slot(cal, '2026-10-08', 3, 0)] = 3;
  gap(s, slot(cal, '2026-10-08', 2, 15), 2);
  gap(s, slot(cal, '2026-10-08', 3, 0), 2);
  missing(s, cal.n - 4, 4); // Sunday 23:00 not read yet

  it('spreads each hour’s expectation over its slots, NaN where unknown', () => {
    expect(expected).toHaveLength(7 * 96);
    expect(expected[0]).toBe(1);
    const tue3 = slot(cal, '2026-10-06', 3) - week5;
    expect([...expected.subarray(tue3 - 1, tue3 + 5)]).toEqual([1, NaN, NaN, NaN, NaN, 1]);
    expect(expected.filter(Number.isNaN)).toHaveLength(4);

    const a = fourWeeks();
    const monday = expectedSeries(learnBaseline(profile(a), a, 0, a.n), a, 0, 96);
    expect(monday[9 * 4]).toBe(31 / 4);
    expect(monday[9 * 4 + 3]).toBe(31 / 4);
    expect(monday[23 * 4]).toBe(45 / 4);
  });

  it('compares where both are known, with the excess hour by hour', () => {
    // Comparable: 672 slots less Sunday 23:00 (no readings) and Tuesday 03:00 (no expectation).
    expect(compareToBaseline(s, expected, cal, week5, cal.n)).toEqual({
      actual: 664 + 4 + 8 - 2 + 2,
      expected: 664,
      coverage: 664 / 672,
      excess: 4 + 8 + 1 + 1,
    });
  });

  it('compares after hours only', () => {
    // 5 × 40 working slots; the after-hours 472 less the same 8.
    expect(compareToBaseline(s, expected, cal, week5, cal.n, { afterHoursOnly: true })).toEqual({
      actual: 464 + 4 - 2 + 2,
      expected: 464,
      coverage: 464 / 472,
      excess: 4 + 1 + 1,
    });
  });

  it('counts the part of a value that falls inside the range, on either side', () => {
    const t = seriesOf(cal, () => 4);
    const tuesday = slot(cal, '2026-10-06', 0);
    t.values[tuesday] = 6;
    gap(t, tuesday, 2); // Tuesday 00:00 reads 7 for Monday 23:45 and itself: 3.5 each
    const mon = compareToBaseline(
      t,
      expectedSeries(b, cal, tuesday - 96, tuesday),
      cal,
      tuesday - 96,
      tuesday,
    );
    expect(mon).toEqual({ actual: 95 + 3.5, expected: 96, coverage: 1, excess: 2.5 });
    const tue = compareToBaseline(
      t,
      expectedSeries(b, cal, tuesday, tuesday + 96),
      cal,
      tuesday,
      tuesday + 96,
    );
    expect(tue).toEqual({ actual: 3.5 + 91, expected: 92, coverage: 92 / 96, excess: 2.5 });
  });

  it('uses each slot’s local hour on DST days (Berlin 2026-10-25 repeats 02:00)', () => {
    const berlin = calendar('2026-10-18', '2026-10-25', {}, 'Europe/Berlin');
    const sundayFallBack = berlin.days[7]!;
    expect(sundayFallBack.slots).toBe(100);
    const flat = seriesOf(berlin, () => 4);
    const bb = learnBaseline(flat, berlin, 0, berlin.n);
    expect(bb.expected[cell(0, 2)]).toBe(4); // the repeated hour learns as a clock hour
    expect(bb.samples[cell(0, 2)]).toBe(2);
    const e = expectedSeries(bb, berlin, sundayFallBack.firstSlot, berlin.n);
    expect(e.reduce((x, y) => x + y, 0)).toBe(100); // 25 hours of 4
  });
});

describe('savings', () => {
  it('reports a 20 % drop after a measure against the four weeks before it', () => {
    const cal = calendar('2026-09-07', '2026-10-11'); // five weeks; the measure starts Monday 10-05
    const measure = 28 * 96;
    const variation = [-1, 1, -2, 2]; // mean 0
    const s = seriesOf(cal, (day, h, w) => {
      const base = 10 * (weekday(day) + 1) + h;
      return w < 4 ? base + variation[w]! : 0.8 * base;
    });
    const r = savings(s, cal, measure, 4);
    // A week expects Σ over days d and hours h of 10·(d + 1) + h = 240 · 28 + 7 · 276 = 8652.
    expect(r.expected).toBeCloseTo(8652, 9);
    expect(r.actual).toBeCloseTo(0.8 * 8652, 9);
    expect(r.saved).toBeCloseTo(0.2 * 8652, 9);
    expect(r.savedPct).toBeCloseTo(20, 9);
    expect(r.coverage).toBe(1);
    expect(r.baseline).toEqual({
      from: at('2026-09-06T16:00:00Z'),
      to: at('2026-10-04T16:00:00Z'),
      weeks: 4,
      samples: 28 * 24,
    });

    // A measure starting at noon learns from the four whole weeks before its day, plus that morning.
    const noon = savings(s, cal, measure + 48, 4);
    expect(noon.baseline.from).toBe(at('2026-09-06T16:00:00Z'));
    expect(noon.baseline.weeks).toBe(4);
    expect(noon.savedPct).toBeCloseTo(20, 9);
    expect(() => savings(s, cal, measure - 1, 4)).toThrow(/weeks before the measure/);
  });
});
