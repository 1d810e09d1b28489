import { describe, expect, it } from 'vitest';
import { type CalendarUnit, fromWallTime, intervalStart, nextInterval, wallTime } from './zoned-time.js';

const SHANGHAI = 'Asia/Shanghai'; // UTC+8, no DST: the demo site's zone
const BERLIN = 'Europe/Berlin'; // CET/CEST: 2024-03-31 02:00→03:00, 2024-10-27 03:00→02:00
const KOLKATA = 'Asia/Kolkata'; // UTC+5:30, no DST
const NEW_YORK = 'America/New_York';
const SANTIAGO = 'America/Santiago'; // DST changes at local midnight
const HAVANA = 'America/Havana'; // falls back 01:00→00:00: midnight happens twice

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

/** The interval starts from `from` (inclusive) to `to` (exclusive), by nextInterval. */
function starts(from: number, to: number, unit: CalendarUnit, tz: string): number[] {
  const out: number[] = [];
  for (let s = intervalStart(from, unit, tz); s < to; s = nextInterval(s, unit, tz)) out.push(s);
  return out;
}

const hhmm = (ts: number, tz: string) => {
  const w = wallTime(ts, tz);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

describe('wallTime and fromWallTime', () => {
  it('reads the wall clock in Shanghai (UTC+8): local midnight is 16:00 UTC the day before', () => {
    expect(wallTime(at('2024-03-15T16:00:00Z'), SHANGHAI)).toEqual({
      year: 2024,
      month: 3,
      day: 16,
      hour: 0,
      minute: 0,
      second: 0,
    });
    expect(wallTime(at('2024-12-31T15:59:59.999Z'), SHANGHAI)).toEqual({
      year: 2024,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 59,
    });
    expect(wallTime(at('2024-12-31T16:00:00Z'), SHANGHAI)).toMatchObject({
      year: 2025,
      month: 1,
      day: 1,
      hour: 0,
    });
  });

  it('finds the instant of a wall time in fixed-offset zones', () => {
    expect(fromWallTime({ year: 2024, month: 3, day: 16, hour: 0, minute: 0 }, SHANGHAI)).toBe(
      at('2024-03-15T16:00:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 2, day: 29, hour: 7, minute: 45 }, SHANGHAI)).toBe(
      at('2024-02-28T23:45:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 6, day: 1, hour: 0, minute: 0 }, KOLKATA)).toBe(
      at('2024-05-31T18:30:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 6, day: 1, hour: 12, minute: 0 }, 'UTC')).toBe(
      at('2024-06-01T12:00:00Z'),
    );
  });

  it('normalises overflowing fields like Date.UTC (day 32, month 13)', () => {
    expect(fromWallTime({ year: 2024, month: 1, day: 32, hour: 0, minute: 0 }, SHANGHAI)).toBe(
      at('2024-01-31T16:00:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 13, day: 1, hour: 0, minute: 0 }, SHANGHAI)).toBe(
      at('2024-12-31T16:00:00Z'),
    );
  });

  it('Berlin: an ordinary winter and summer wall time', () => {
    expect(fromWallTime({ year: 2024, month: 1, day: 15, hour: 12, minute: 0 }, BERLIN)).toBe(
      at('2024-01-15T11:00:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 7, day: 15, hour: 12, minute: 0 }, BERLIN)).toBe(
      at('2024-07-15T10:00:00Z'),
    );
  });

  it('Berlin spring gap: 02:30 does not exist and is moved forward by the gap to 03:30 CEST', () => {
    const ts = fromWallTime({ year: 2024, month: 3, day: 31, hour: 2, minute: 30 }, BERLIN);
    expect(ts).toBe(at('2024-03-31T01:30:00Z'));
    expect(hhmm(ts, BERLIN)).toBe('03:30');
    // the wall times either side of the gap are exact
    expect(fromWallTime({ year: 2024, month: 3, day: 31, hour: 1, minute: 59 }, BERLIN)).toBe(
      at('2024-03-31T00:59:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 3, day: 31, hour: 3, minute: 0 }, BERLIN)).toBe(
      at('2024-03-31T01:00:00Z'),
    );
  });

  it('Berlin fall-back: 02:30 happens twice and is the earlier (CEST) one, as documented', () => {
    // 02:30 CEST = 00:30Z and 02:30 CET = 01:30Z; the code used to return 01:30Z
    const ts = fromWallTime({ year: 2024, month: 10, day: 27, hour: 2, minute: 30 }, BERLIN);
    expect(ts).toBe(at('2024-10-27T00:30:00Z'));
    expect(hhmm(ts, BERLIN)).toBe('02:30');
    expect(fromWallTime({ year: 2024, month: 10, day: 27, hour: 2, minute: 0 }, BERLIN)).toBe(
      at('2024-10-27T00:00:00Z'),
    );
    expect(fromWallTime({ year: 2024, month: 10, day: 27, hour: 3, minute: 0 }, BERLIN)).toBe(
      at('2024-10-27T02:00:00Z'),
    );
  });

  it('west of UTC the same rules hold (New York): earlier of a repeat, forward across a gap', () => {
    // 2024-11-03 01:30 is EDT (05:30Z) and then EST (06:30Z)
    expect(fromWallTime({ year: 2024, month: 11, day: 3, hour: 1, minute: 30 }, NEW_YORK)).toBe(
      at('2024-11-03T05:30:00Z'),
    );
    // 2024-03-10 02:30 does not exist: 03:30 EDT (the code used to give 01:30 EST, backward)
    expect(fromWallTime({ year: 2024, month: 3, day: 10, hour: 2, minute: 30 }, NEW_YORK)).toBe(
      at('2024-03-10T07:30:00Z'),
    );
  });

  it('round-trips every hour of a year in Berlin (the wall times of the gap never occur)', () => {
    let checked = 0;
    for (let ts = at('2023-12-31T23:00:00Z'); ts < at('2024-12-31T23:00:00Z'); ts += HOUR) {
      const w = wallTime(ts, BERLIN);
      const back = fromWallTime(w, BERLIN);
      // the second 02:00 of the fall-back night maps back to the first one, an hour earlier
      const repeated = ts >= at('2024-10-27T01:00:00Z') && ts < at('2024-10-27T02:00:00Z');
      expect(back).toBe(repeated ? ts - HOUR : ts);
      checked++;
    }
    expect(checked).toBe(366 * 24); // 2024: a leap year; DST's hour lost in March is won back in October
  });
});

describe('intervalStart and nextInterval in Asia/Shanghai (UTC+8)', () => {
  const ts = at('2024-03-15T16:37:12.345Z'); // 2024-03-16 00:37:12.345 local

  it('finds the start of the containing interval', () => {
    expect(intervalStart(ts, '15m', SHANGHAI)).toBe(at('2024-03-15T16:30:00Z'));
    expect(intervalStart(ts, '1h', SHANGHAI)).toBe(at('2024-03-15T16:00:00Z'));
    expect(intervalStart(ts, '1d', SHANGHAI)).toBe(at('2024-03-15T16:00:00Z'));
    expect(intervalStart(ts, '1mo', SHANGHAI)).toBe(at('2024-02-29T16:00:00Z'));
  });

  it('a start is its own interval start; the instant before belongs to the previous interval', () => {
    const midnight = at('2024-03-15T16:00:00Z');
    for (const unit of ['15m', '1h', '1d'] as const)
      expect(intervalStart(midnight, unit, SHANGHAI)).toBe(midnight);
    expect(intervalStart(midnight - 1, '15m', SHANGHAI)).toBe(at('2024-03-15T15:45:00Z'));
    expect(intervalStart(midnight - 1, '1h', SHANGHAI)).toBe(at('2024-03-15T15:00:00Z'));
    expect(intervalStart(midnight - 1, '1d', SHANGHAI)).toBe(at('2024-03-14T16:00:00Z'));
    // 16:00 UTC is midnight in Shanghai but 00:00 UTC is 08:00 there: not a day boundary
    expect(intervalStart(at('2024-03-16T00:00:00Z'), '1d', SHANGHAI)).toBe(midnight);
  });

  it('15 minutes and hours are fixed lengths', () => {
    const s = at('2024-03-15T15:45:00Z');
    expect(nextInterval(s, '15m', SHANGHAI)).toBe(s + 15 * MIN);
    expect(nextInterval(at('2024-03-15T15:00:00Z'), '1h', SHANGHAI)).toBe(at('2024-03-15T16:00:00Z'));
  });

  it('hours across a local midnight: 22:00, 23:00, 00:00 (the next day), 01:00', () => {
    const s = starts(at('2024-03-15T14:00:00Z'), at('2024-03-15T18:00:00Z'), '1h', SHANGHAI);
    expect(s).toEqual([
      at('2024-03-15T14:00:00Z'),
      at('2024-03-15T15:00:00Z'),
      at('2024-03-15T16:00:00Z'),
      at('2024-03-15T17:00:00Z'),
    ]);
    expect(s.map((x) => hhmm(x, SHANGHAI))).toEqual(['22:00', '23:00', '00:00', '01:00']);
    expect(wallTime(s[2]!, SHANGHAI).day).toBe(16);
  });

  it('days start at local midnight (16:00 UTC) and last 24 h', () => {
    const s = starts(at('2024-03-15T00:00:00Z'), at('2024-03-18T00:00:00Z'), '1d', SHANGHAI);
    expect(s).toEqual([
      at('2024-03-14T16:00:00Z'),
      at('2024-03-15T16:00:00Z'),
      at('2024-03-16T16:00:00Z'),
      at('2024-03-17T16:00:00Z'),
    ]);
  });

  it('months: February 2024 (leap) has 29 days, February 2023 has 28', () => {
    const feb24 = at('2024-01-31T16:00:00Z');
    expect(intervalStart(at('2024-02-29T15:59:59Z'), '1mo', SHANGHAI)).toBe(feb24); // Feb 29 23:59:59
    expect(intervalStart(at('2024-02-29T16:00:00Z'), '1mo', SHANGHAI)).toBe(at('2024-02-29T16:00:00Z')); // Mar 1
    expect(nextInterval(feb24, '1mo', SHANGHAI)).toBe(at('2024-02-29T16:00:00Z'));
    expect(nextInterval(feb24, '1mo', SHANGHAI) - feb24).toBe(29 * DAY);
    const feb23 = at('2023-01-31T16:00:00Z');
    expect(nextInterval(feb23, '1mo', SHANGHAI) - feb23).toBe(28 * DAY);
    // century rules: 2000 was a leap year, 2100 is not
    const feb00 = at('2000-01-31T16:00:00Z');
    expect(nextInterval(feb00, '1mo', SHANGHAI) - feb00).toBe(29 * DAY);
    const feb2100 = at('2100-01-31T16:00:00Z');
    expect(nextInterval(feb2100, '1mo', SHANGHAI) - feb2100).toBe(28 * DAY);
  });

  it('months: December → January crosses the year', () => {
    const dec = at('2024-11-30T16:00:00Z'); // 2024-12-01 00:00 local
    expect(intervalStart(at('2024-12-31T15:59:00Z'), '1mo', SHANGHAI)).toBe(dec); // Dec 31 23:59 local
    expect(nextInterval(dec, '1mo', SHANGHAI)).toBe(at('2024-12-31T16:00:00Z')); // 2025-01-01 00:00 local
    expect(nextInterval(at('2024-12-31T16:00:00Z'), '1mo', SHANGHAI)).toBe(at('2025-01-31T16:00:00Z'));
    expect(wallTime(at('2024-12-31T16:00:00Z'), SHANGHAI)).toMatchObject({ year: 2025, month: 1, day: 1 });
  });

  it('the months of 2024 have the calendar lengths', () => {
    const s = starts(at('2023-12-31T16:00:00Z'), at('2024-12-31T16:00:00Z'), '1mo', SHANGHAI);
    const ends = [...s.slice(1), nextInterval(s[11]!, '1mo', SHANGHAI)];
    expect(s.map((x, i) => (ends[i]! - x) / DAY)).toEqual([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(ends[11]).toBe(at('2024-12-31T16:00:00Z'));
  });
});

describe('DST in Europe/Berlin', () => {
  const springDay = at('2024-03-30T23:00:00Z'); // 2024-03-31 00:00 CET
  const springNext = at('2024-03-31T22:00:00Z'); // 2024-04-01 00:00 CEST
  const fallDay = at('2024-10-26T22:00:00Z'); // 2024-10-27 00:00 CEST
  const fallNext = at('2024-10-27T23:00:00Z'); // 2024-10-28 00:00 CET

  it('the spring-forward day has 23 hours, the fall-back day 25', () => {
    expect(intervalStart(at('2024-03-31T12:00:00Z'), '1d', BERLIN)).toBe(springDay);
    expect(nextInterval(springDay, '1d', BERLIN) - springDay).toBe(23 * HOUR);
    expect(nextInterval(springDay, '1d', BERLIN)).toBe(springNext);
    expect(intervalStart(at('2024-10-27T12:00:00Z'), '1d', BERLIN)).toBe(fallDay);
    expect(nextInterval(fallDay, '1d', BERLIN) - fallDay).toBe(25 * HOUR);
    expect(nextInterval(fallDay, '1d', BERLIN)).toBe(fallNext);
    // the days around are 24 h
    expect(nextInterval(springNext, '1d', BERLIN) - springNext).toBe(24 * HOUR);
    expect(fallDay - at('2024-10-25T22:00:00Z')).toBe(24 * HOUR);
    expect(nextInterval(at('2024-10-25T22:00:00Z'), '1d', BERLIN)).toBe(fallDay);
  });

  it('the spring-forward day has 23 one-hour intervals, without 02:00', () => {
    const s = starts(springDay, springNext, '1h', BERLIN);
    expect(s).toHaveLength(23);
    for (const x of s) expect(nextInterval(x, '1h', BERLIN) - x).toBe(HOUR);
    expect(s.map((x) => wallTime(x, BERLIN).hour)).toEqual([
      0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    ]);
    expect(starts(springDay, springNext, '15m', BERLIN)).toHaveLength(92);
  });

  it('the fall-back day has 25 one-hour intervals, with 02:00 twice', () => {
    const s = starts(fallDay, fallNext, '1h', BERLIN);
    expect(s).toHaveLength(25);
    for (const x of s) expect(nextInterval(x, '1h', BERLIN) - x).toBe(HOUR);
    expect(s.map((x) => wallTime(x, BERLIN).hour)).toEqual([
      0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    ]);
    expect(s[2]).toBe(at('2024-10-27T00:00:00Z'));
    expect(s[3]).toBe(at('2024-10-27T01:00:00Z'));
    expect(starts(fallDay, fallNext, '15m', BERLIN)).toHaveLength(100);
  });

  it('the hour and quarter of an instant in the repeated 02:xx hour are the right ones', () => {
    // first 02:30 (CEST)
    expect(intervalStart(at('2024-10-27T00:30:00Z'), '1h', BERLIN)).toBe(at('2024-10-27T00:00:00Z'));
    expect(intervalStart(at('2024-10-27T00:50:00Z'), '15m', BERLIN)).toBe(at('2024-10-27T00:45:00Z'));
    // second 02:30 (CET)
    expect(intervalStart(at('2024-10-27T01:30:00Z'), '1h', BERLIN)).toBe(at('2024-10-27T01:00:00Z'));
    expect(intervalStart(at('2024-10-27T01:50:00Z'), '15m', BERLIN)).toBe(at('2024-10-27T01:45:00Z'));
    // never after the instant, for every minute around both changes
    for (const [a, b] of [
      [at('2024-03-30T23:00:00Z'), at('2024-03-31T04:00:00Z')],
      [at('2024-10-26T22:00:00Z'), at('2024-10-27T04:00:00Z')],
    ] as const)
      for (let t = a; t < b; t += MIN)
        for (const unit of ['15m', '1h', '1d'] as const) {
          const s = intervalStart(t, unit, BERLIN);
          expect(s).toBeLessThanOrEqual(t);
          expect(nextInterval(s, unit, BERLIN)).toBeGreaterThan(t);
        }
  });

  it('months containing a change are an hour shorter or longer', () => {
    const mar = at('2024-02-29T23:00:00Z');
    expect(intervalStart(at('2024-03-15T12:00:00Z'), '1mo', BERLIN)).toBe(mar);
    expect(nextInterval(mar, '1mo', BERLIN) - mar).toBe(31 * DAY - HOUR);
    const oct = at('2024-09-30T22:00:00Z');
    expect(nextInterval(oct, '1mo', BERLIN) - oct).toBe(31 * DAY + HOUR);
  });

  it('a year is 8784 hours and 366 days in 2024 (leap)', () => {
    expect(starts(at('2023-12-31T23:00:00Z'), at('2024-12-31T23:00:00Z'), '1h', BERLIN)).toHaveLength(8784);
    expect(starts(at('2023-12-31T23:00:00Z'), at('2024-12-31T23:00:00Z'), '1d', BERLIN)).toHaveLength(366);
  });
});

describe('DST changes at midnight', () => {
  it('Santiago: the day whose midnight is skipped starts at 01:00 and has 23 h (it used to start the day before)', () => {
    // 2024-09-08 00:00 -04 → 01:00 -03
    const sep7 = at('2024-09-07T04:00:00Z');
    const sep8 = at('2024-09-08T04:00:00Z'); // 01:00 -03, the first instant of the 8th
    expect(intervalStart(at('2024-09-08T12:00:00Z'), '1d', SANTIAGO)).toBe(sep8);
    expect(wallTime(sep8, SANTIAGO)).toMatchObject({ day: 8, hour: 1, minute: 0 });
    expect(nextInterval(sep7, '1d', SANTIAGO)).toBe(sep8);
    expect(nextInterval(sep8, '1d', SANTIAGO) - sep8).toBe(23 * HOUR);
    // the last instant of the 7th is still on the 7th
    expect(intervalStart(sep8 - 1, '1d', SANTIAGO)).toBe(sep7);
  });

  it('Santiago: the fall-back day (23:xx twice) has 25 h', () => {
    const apr6 = at('2024-04-06T03:00:00Z');
    expect(nextInterval(apr6, '1d', SANTIAGO) - apr6).toBe(25 * HOUR);
  });

  it('Havana: midnight happens twice; the day starts at the earlier one and has 25 h', () => {
    // 2024-11-03 01:00 CDT → 00:00 CST
    const nov3 = at('2024-11-03T04:00:00Z');
    expect(fromWallTime({ year: 2024, month: 11, day: 3, hour: 0, minute: 0 }, HAVANA)).toBe(nov3);
    expect(intervalStart(at('2024-11-03T05:30:00Z'), '1d', HAVANA)).toBe(nov3); // the second 00:30
    expect(nextInterval(nov3, '1d', HAVANA) - nov3).toBe(25 * HOUR);
  });
});

describe('half-hour offset: Asia/Kolkata (UTC+5:30)', () => {
  it('hours and quarters start at local boundaries, i.e. at :30 UTC', () => {
    const ts = at('2024-06-01T10:47:00Z'); // 16:17 local
    expect(hhmm(ts, KOLKATA)).toBe('16:17');
    expect(intervalStart(ts, '1h', KOLKATA)).toBe(at('2024-06-01T10:30:00Z'));
    expect(intervalStart(ts, '15m', KOLKATA)).toBe(at('2024-06-01T10:45:00Z'));
    expect(intervalStart(at('2024-06-01T10:29:59Z'), '1h', KOLKATA)).toBe(at('2024-06-01T09:30:00Z'));
    expect(intervalStart(ts, '1d', KOLKATA)).toBe(at('2024-05-31T18:30:00Z'));
    expect(intervalStart(ts, '1mo', KOLKATA)).toBe(at('2024-05-31T18:30:00Z'));
  });

  it('a day of hours: 24 of them, each at minute 0 local', () => {
    const s = starts(at('2024-05-31T18:30:00Z'), at('2024-06-01T18:30:00Z'), '1h', KOLKATA);
    expect(s).toHaveLength(24);
    expect(s[0]).toBe(at('2024-05-31T18:30:00Z'));
    expect(s[23]).toBe(at('2024-06-01T17:30:00Z'));
    for (const [i, x] of s.entries()) {
      expect(wallTime(x, KOLKATA)).toMatchObject({ hour: i, minute: 0, second: 0 });
      expect(new Date(x).getUTCMinutes()).toBe(30);
    }
  });
});

describe('speed', () => {
  it('a year of quarters, hours and days with intervalStart/nextInterval in well under 2 s', () => {
    const t0 = performance.now();
    const q = starts(at('2022-12-31T16:00:00Z'), at('2023-12-31T16:00:00Z'), '15m', SHANGHAI);
    const h = starts(at('2022-12-31T23:00:00Z'), at('2023-12-31T23:00:00Z'), '1h', BERLIN);
    const d = starts(at('2022-12-31T23:00:00Z'), at('2023-12-31T23:00:00Z'), '1d', BERLIN);
    const ms = performance.now() - t0;
    expect(q).toHaveLength(35_040);
    expect(h).toHaveLength(8760);
    expect(d).toHaveLength(365);
    expect(ms).toBeLessThan(2000);
  });
});
