import { describe, expect, it } from 'vitest';
import { type CounterEvent, counterIntervals, type EnergyInterval } from './counter-intervals.js';

const SHANGHAI = 'Asia/Shanghai'; // UTC+8, no DST: the demo site's zone
const BERLIN = 'Europe/Berlin';
const KOLKATA = 'Asia/Kolkata'; // UTC+5:30

const Q = 900_000; // a 15-minute slot
const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

/** 2024-03-16 00:00 in Shanghai: a local midnight. */
const T0 = at('2024-03-15T16:00:00Z');

/**
 * Slot lasts: `first` at `start` (the starting point), then one reading per following slot, each `incs[i]`
 * above the one before. Increments are multiples of 1/4 so that sums are exact in binary floating point.
 */
function series(start: number, first: number, incs: readonly number[]): [number, number][] {
  const out: [number, number][] = [[start, first]];
  let v = first;
  for (const [i, inc] of incs.entries()) {
    v += inc;
    out.push([start + (i + 1) * Q, v]);
  }
  return out;
}

const repeat = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);
const values = (r: { intervals: EnergyInterval[] }) => r.intervals.map((i) => i.value);
const coverage = (r: { intervals: EnergyInterval[] }) => r.intervals.map((i) => i.coverage);
const startsOf = (r: { intervals: EnergyInterval[] }) => r.intervals.map((i) => i.start);
const total = (r: { intervals: EnergyInterval[] }) => r.intervals.reduce((s, i) => s + (i.value ?? 0), 0);
const spread = (lasts: [number, number][]) => lasts.at(-1)![1] - lasts[0]![1];

describe('Asia/Shanghai (UTC+8) calendar intervals', () => {
  it('15 minutes: 0.25 per slot is 0.25 per interval, full coverage', () => {
    const lasts = series(T0 - Q, 1000, repeat(8, 0.25));
    const r = counterIntervals(lasts, { from: T0, to: T0 + 2 * H, unit: '15m', tz: SHANGHAI });
    expect(startsOf(r)).toEqual(Array.from({ length: 8 }, (_, i) => T0 + i * Q));
    expect(r.intervals.every((i) => i.end - i.start === Q)).toBe(true);
    expect(values(r)).toEqual(repeat(8, 0.25));
    expect(coverage(r)).toEqual(repeat(8, 1));
    expect(r.events).toEqual([]);
    expect(total(r)).toBe(2);
    expect(total(r)).toBe(spread(lasts));
  });

  it('1 hour: the same series is 1 per hour', () => {
    const lasts = series(T0 - Q, 1000, repeat(8, 0.25));
    const r = counterIntervals(lasts, { from: T0, to: T0 + 2 * H, unit: '1h', tz: SHANGHAI });
    expect(r.intervals).toEqual([
      { start: T0, end: T0 + H, value: 1, coverage: 1 },
      { start: T0 + H, end: T0 + 2 * H, value: 1, coverage: 1 },
    ]);
  });

  it('hours across a local midnight (22:00–02:00 local = 14:00–18:00 UTC)', () => {
    const from = at('2024-03-15T14:00:00Z');
    // 22:00 hour 0.25/slot, 23:00 0.5, 00:00 1, 01:00 2
    const lasts = series(from - Q, 100, [
      ...repeat(4, 0.25),
      ...repeat(4, 0.5),
      ...repeat(4, 1),
      ...repeat(4, 2),
    ]);
    const r = counterIntervals(lasts, { from, to: at('2024-03-15T18:00:00Z'), unit: '1h', tz: SHANGHAI });
    expect(startsOf(r)).toEqual([
      at('2024-03-15T14:00:00Z'),
      at('2024-03-15T15:00:00Z'),
      at('2024-03-15T16:00:00Z'),
      at('2024-03-15T17:00:00Z'),
    ]);
    expect(values(r)).toEqual([1, 2, 4, 8]);
    expect(coverage(r)).toEqual([1, 1, 1, 1]);
    expect(total(r)).toBe(spread(lasts)); // 15
  });

  it('days start at local midnight (16:00 UTC): a reading at 16:00 UTC belongs to the next day', () => {
    // from 08:00 local on the 15th to 12:00 local on the 16th: the days of the 15th and of the 16th
    const first = at('2024-03-14T15:45:00Z'); // 23:45 local on the 14th: the starting point
    const lasts = series(first, 0, [...repeat(96, 0.5), ...repeat(96, 1)]);
    expect(lasts[96]![0]).toBe(at('2024-03-15T15:45:00Z')); // 23:45 local, last 0.5 step
    expect(lasts[97]![0]).toBe(at('2024-03-15T16:00:00Z')); // 00:00 local on the 16th, first 1 step
    const r = counterIntervals(lasts, {
      from: at('2024-03-15T00:00:00Z'),
      to: at('2024-03-16T04:00:00Z'),
      unit: '1d',
      tz: SHANGHAI,
    });
    expect(r.intervals).toEqual([
      { start: at('2024-03-14T16:00:00Z'), end: at('2024-03-15T16:00:00Z'), value: 48, coverage: 1 },
      { start: at('2024-03-15T16:00:00Z'), end: at('2024-03-16T16:00:00Z'), value: 96, coverage: 1 },
    ]);
    expect(total(r)).toBe(spread(lasts));
  });

  it('months: January 744, February 2024 (leap, 29 days) 696, March 744 at 0.25 per slot', () => {
    const lasts = series(at('2023-12-31T15:45:00Z'), 0, repeat((31 + 29 + 31) * 96, 0.25));
    const r = counterIntervals(lasts, {
      from: at('2023-12-31T16:00:00Z'), // 2024-01-01 00:00 local
      to: at('2024-03-31T16:00:00Z'), // 2024-04-01 00:00 local
      unit: '1mo',
      tz: SHANGHAI,
    });
    expect(startsOf(r)).toEqual([
      at('2023-12-31T16:00:00Z'),
      at('2024-01-31T16:00:00Z'),
      at('2024-02-29T16:00:00Z'),
    ]);
    expect(r.intervals[2]!.end).toBe(at('2024-03-31T16:00:00Z'));
    expect(values(r)).toEqual([744, 696, 744]);
    expect(coverage(r)).toEqual([1, 1, 1]);
    expect(total(r)).toBe(spread(lasts));
  });

  it('months: February 2023 (28 days) is 672 at 0.25 per slot', () => {
    const lasts = series(at('2023-01-31T15:45:00Z'), 0, repeat(28 * 96, 0.25));
    const r = counterIntervals(lasts, {
      from: at('2023-01-31T16:00:00Z'),
      to: at('2023-02-28T16:00:00Z'),
      unit: '1mo',
      tz: SHANGHAI,
    });
    expect(r.intervals).toEqual([
      { start: at('2023-01-31T16:00:00Z'), end: at('2023-02-28T16:00:00Z'), value: 672, coverage: 1 },
    ]);
  });

  it('months: December → January across the year (Dec at 0.25/slot, Jan at 0.5/slot)', () => {
    const lasts = series(at('2024-11-30T15:45:00Z'), 10_000, [
      ...repeat(31 * 96, 0.25),
      ...repeat(31 * 96, 0.5),
    ]);
    const r = counterIntervals(lasts, {
      from: at('2024-11-30T16:00:00Z'), // 2024-12-01 00:00 local
      to: at('2025-01-31T16:00:00Z'), // 2025-02-01 00:00 local
      unit: '1mo',
      tz: SHANGHAI,
    });
    expect(r.intervals).toEqual([
      { start: at('2024-11-30T16:00:00Z'), end: at('2024-12-31T16:00:00Z'), value: 744, coverage: 1 },
      { start: at('2024-12-31T16:00:00Z'), end: at('2025-01-31T16:00:00Z'), value: 1488, coverage: 1 },
    ]);
  });

  it('months from a few hand-placed readings at the boundaries', () => {
    const lasts: [number, number][] = [
      [at('2024-01-31T15:45:00Z'), 500], // Jan 31 23:45 local: before the range, the starting point
      [at('2024-02-29T15:45:00Z'), 790], // Feb 29 23:45 local: +290 in February
      [at('2024-02-29T16:00:00Z'), 791], // Mar 1 00:00 local: +1 in March
      [at('2024-03-31T15:45:00Z'), 1101], // Mar 31 23:45 local: +310 in March
      [at('2024-03-31T16:00:00Z'), 1102], // Apr 1 00:00 local: after the last interval
    ];
    const r = counterIntervals(lasts, {
      from: at('2024-01-31T16:00:00Z'),
      to: at('2024-03-31T16:00:00Z'),
      unit: '1mo',
      tz: SHANGHAI,
    });
    expect(values(r)).toEqual([290, 311]);
    // one slot of 2784 and two of 2976, rounded to 3 decimals
    expect(coverage(r)).toEqual([0, 0.001]);
  });
});

describe('Europe/Berlin: DST days', () => {
  it('the spring-forward day is 92 slots (23 h), the days around 96', () => {
    // 2024-03-30 00:00 CET → 2024-04-02 00:00 CEST: 71 h
    const from = at('2024-03-29T23:00:00Z');
    const to = at('2024-04-01T22:00:00Z');
    const lasts = series(from - Q, 0, repeat(71 * 4, 1));
    const r = counterIntervals(lasts, { from, to, unit: '1d', tz: BERLIN });
    expect(r.intervals.map((i) => (i.end - i.start) / H)).toEqual([24, 23, 24]);
    expect(values(r)).toEqual([96, 92, 96]);
    expect(coverage(r)).toEqual([1, 1, 1]);
    expect(r.intervals.at(-1)!.end).toBe(to);
  });

  it('the spring-forward day in hours: 23 intervals of 4', () => {
    const from = at('2024-03-30T23:00:00Z');
    const lasts = series(from - Q, 0, repeat(23 * 4, 1));
    const r = counterIntervals(lasts, { from, to: at('2024-03-31T22:00:00Z'), unit: '1h', tz: BERLIN });
    expect(r.intervals).toHaveLength(23);
    expect(values(r)).toEqual(repeat(23, 4));
    expect(coverage(r)).toEqual(repeat(23, 1));
    // 01:00 CET is followed by 03:00 CEST, an hour later
    expect(r.intervals[1]!.start).toBe(at('2024-03-31T00:00:00Z'));
    expect(r.intervals[2]!.start).toBe(at('2024-03-31T01:00:00Z'));
  });

  it('the fall-back day is 100 slots (25 h), the days around 96', () => {
    // 2024-10-26 00:00 CEST → 2024-10-29 00:00 CET: 73 h
    const from = at('2024-10-25T22:00:00Z');
    const to = at('2024-10-28T23:00:00Z');
    const lasts = series(from - Q, 0, repeat(73 * 4, 1));
    const r = counterIntervals(lasts, { from, to, unit: '1d', tz: BERLIN });
    expect(r.intervals.map((i) => (i.end - i.start) / H)).toEqual([24, 25, 24]);
    expect(values(r)).toEqual([96, 100, 96]);
    expect(coverage(r)).toEqual([1, 1, 1]);
  });

  it('the fall-back day in hours: 25 intervals; the two 02:00 hours are separate', () => {
    const from = at('2024-10-26T22:00:00Z');
    // 1 per slot, except 2 per slot in the second 02:00 hour (CET, 01:00–02:00 UTC)
    const incs = repeat(25 * 4, 1).map((inc, i) => (i >= 12 && i < 16 ? 2 : inc));
    const lasts = series(from - Q, 0, incs);
    const r = counterIntervals(lasts, { from, to: at('2024-10-27T23:00:00Z'), unit: '1h', tz: BERLIN });
    expect(r.intervals).toHaveLength(25);
    expect(r.intervals.every((i) => i.end - i.start === H)).toBe(true);
    expect(values(r)).toEqual([4, 4, 4, 8, ...repeat(21, 4)]);
    expect(r.intervals[2]!.start).toBe(at('2024-10-27T00:00:00Z')); // 02:00 CEST
    expect(r.intervals[3]!.start).toBe(at('2024-10-27T01:00:00Z')); // 02:00 CET
    expect(coverage(r)).toEqual(repeat(25, 1));
    expect(total(r)).toBe(spread(lasts)); // 104
  });

  it('half of a 23-hour day read is coverage 0.5', () => {
    const from = at('2024-03-30T23:00:00Z');
    const lasts = series(from - Q, 0, repeat(46, 1)); // 46 of the 92 slots
    const r = counterIntervals(lasts, { from, to: from + 23 * H, unit: '1d', tz: BERLIN });
    expect(r.intervals).toEqual([{ start: from, end: from + 23 * H, value: 46, coverage: 0.5 }]);
  });
});

describe('Asia/Kolkata (UTC+5:30)', () => {
  it('hours start at local hour boundaries (:30 UTC), and readings fall into them by UTC slot', () => {
    const from = at('2024-06-01T10:30:00Z'); // 16:00 local
    // 10:30–11:15Z are the 16:00 hour (1/slot), 11:30–12:15Z the 17:00 hour (2/slot)
    const lasts = series(from - Q, 0, [...repeat(4, 1), ...repeat(4, 2)]);
    const r = counterIntervals(lasts, { from, to: at('2024-06-01T12:30:00Z'), unit: '1h', tz: KOLKATA });
    expect(r.intervals).toEqual([
      { start: at('2024-06-01T10:30:00Z'), end: at('2024-06-01T11:30:00Z'), value: 4, coverage: 1 },
      { start: at('2024-06-01T11:30:00Z'), end: at('2024-06-01T12:30:00Z'), value: 8, coverage: 1 },
    ]);
  });

  it('an unaligned `from` (10:47Z = 16:17 local) starts at the local hour', () => {
    const r = counterIntervals([], {
      from: at('2024-06-01T10:47:00Z'),
      to: at('2024-06-01T11:31:00Z'),
      unit: '1h',
      tz: KOLKATA,
    });
    expect(startsOf(r)).toEqual([at('2024-06-01T10:30:00Z'), at('2024-06-01T11:30:00Z')]);
  });
});

describe('counter semantics', () => {
  it('an uneven but steady series sums exactly to last − first in every unit', () => {
    // per hour 0 + 0.25 + 0.5 + 1.75 = 2.5; per day 60; three days
    const incs = Array.from({ length: 3 * 96 }, (_, i) => [0, 0.25, 0.5, 1.75][i % 4]!);
    const lasts = series(T0 - Q, 123_456.5, incs);
    const opts = { from: T0, to: T0 + 72 * H, tz: SHANGHAI };
    const days = counterIntervals(lasts, { ...opts, unit: '1d' });
    expect(values(days)).toEqual([60, 60, 60]);
    const hours = counterIntervals(lasts, { ...opts, unit: '1h' });
    expect(values(hours)).toEqual(repeat(72, 2.5));
    const quarters = counterIntervals(lasts, { ...opts, unit: '15m' });
    expect(values(quarters).slice(0, 8)).toEqual([0, 0.25, 0.5, 1.75, 0, 0.25, 0.5, 1.75]);
    for (const r of [days, hours, quarters]) expect(total(r)).toBe(spread(lasts)); // 180
  });

  it('a decimal meter (0.1 per slot) sums to last − first within rounding', () => {
    const lasts: [number, number][] = Array.from({ length: 97 }, (_, i) => [
      T0 - Q + i * Q,
      12_345.6 + i / 10,
    ]);
    const r = counterIntervals(lasts, { from: T0, to: T0 + 24 * H, unit: '1h', tz: SHANGHAI });
    for (const v of values(r)) expect(v).toBeCloseTo(0.4, 9);
    expect(total(r)).toBeCloseTo(9.6, 9);
    expect(total(r)).toBeCloseTo(spread(lasts), 9);
  });

  it('a rollover at rolloverAt: 99999.9 → 2.1 counts the way to the top plus 2.1', () => {
    const lasts: [number, number][] = [
      [T0 - Q, 99_999.5],
      [T0, 99_999.9],
      [T0 + Q, 2.1],
      [T0 + 2 * Q, 3.1],
      [T0 + 3 * Q, 4.1],
    ];
    const opts = { from: T0, to: T0 + H, tz: SHANGHAI, rolloverAt: 100_000 };
    const q = counterIntervals(lasts, { ...opts, unit: '15m' });
    const expected = [0.4, 0.1 + 2.1, 1, 1];
    for (const [i, v] of values(q).entries()) expect(v).toBeCloseTo(expected[i]!, 6);
    expect(q.events).toEqual<CounterEvent[]>([{ ts: T0 + Q, kind: 'rollover', from: 99_999.9, to: 2.1 }]);
    const h = counterIntervals(lasts, { ...opts, unit: '1h' });
    expect(h.intervals[0]!.value).toBeCloseTo(100_000 - 99_999.5 + 4.1, 6); // 4.6
    expect(h.events).toHaveLength(1);
  });

  it('a reset (meter replaced, no rolloverAt): 5230.5 → 0.7 is an event and counts 0.7', () => {
    const lasts: [number, number][] = [
      [T0 - Q, 5230],
      [T0, 5230.5],
      [T0 + Q, 0.7],
      [T0 + 2 * Q, 1.7],
      [T0 + 3 * Q, 2.7],
    ];
    const q = counterIntervals(lasts, { from: T0, to: T0 + H, unit: '15m', tz: SHANGHAI });
    const expected = [0.5, 0.7, 1, 1];
    for (const [i, v] of values(q).entries()) expect(v).toBeCloseTo(expected[i]!, 9);
    expect(q.events).toEqual<CounterEvent[]>([{ ts: T0 + Q, kind: 'reset', from: 5230.5, to: 0.7 }]);
    const h = counterIntervals(lasts, { from: T0, to: T0 + H, unit: '1h', tz: SHANGHAI });
    expect(h.intervals[0]!.value).toBeCloseTo(3.2, 9);
  });

  it('with rolloverAt, a fall from the lower half is a reset; from exactly half it is a rollover', () => {
    const lasts: [number, number][] = [
      [T0 - Q, 5230.5],
      [T0, 0.7], // 5230.5 < 50000: reset, counts 0.7
      [T0 + Q, 50_000], // +49999.3
      [T0 + 2 * Q, 1], // 50000 ≥ 50000: rollover, counts 50000 + 1
      [T0 + 3 * Q, 0.5], // 1 < 50000: reset, counts 0.5
    ];
    const r = counterIntervals(lasts, {
      from: T0,
      to: T0 + H,
      unit: '15m',
      tz: SHANGHAI,
      rolloverAt: 100_000,
    });
    const expected = [0.7, 49_999.3, 50_001, 0.5];
    for (const [i, v] of values(r).entries()) expect(v).toBeCloseTo(expected[i]!, 6);
    expect(r.events).toEqual<CounterEvent[]>([
      { ts: T0, kind: 'reset', from: 5230.5, to: 0.7 },
      { ts: T0 + 2 * Q, kind: 'rollover', from: 50_000, to: 1 },
      { ts: T0 + 3 * Q, kind: 'reset', from: 1, to: 0.5 },
    ]);
  });

  it('a counter that only rises has no events, with or without rolloverAt', () => {
    const lasts = series(T0 - Q, 99_000, repeat(8, 0.25));
    for (const rolloverAt of [undefined, 100_000]) {
      const r = counterIntervals(lasts, { from: T0, to: T0 + 2 * H, unit: '1h', tz: SHANGHAI, rolloverAt });
      expect(r.events).toEqual([]);
      expect(values(r)).toEqual([1, 1]);
    }
  });

  it('a gap: hours without readings are null with coverage 0; the delta across lands in the later hour', () => {
    const lasts: [number, number][] = [
      [T0 - Q, 10],
      [T0, 11],
      [T0 + Q, 12],
      [T0 + 2 * Q, 13],
      [T0 + 3 * Q, 14], // hour 0: 4, full
      [T0 + 3 * H, 20], // hours 1 and 2 unread; +6 across the gap
      [T0 + 3 * H + Q, 21], // hour 3: 6 + 1, half read
    ];
    const r = counterIntervals(lasts, { from: T0, to: T0 + 4 * H, unit: '1h', tz: SHANGHAI });
    expect(values(r)).toEqual([4, null, null, 7]);
    expect(coverage(r)).toEqual([1, 0, 0, 0.5]);
    expect(total(r)).toBe(spread(lasts)); // 11
    const q = counterIntervals(lasts, { from: T0, to: T0 + 4 * H, unit: '15m', tz: SHANGHAI });
    expect(values(q)).toEqual([1, 1, 1, 1, ...repeat(8, null), 6, 1, null, null]);
    expect(coverage(q)).toEqual([1, 1, 1, 1, ...repeat(8, 0), 1, 1, 0, 0]);
  });

  it('a day with no reading at all is null (not 0) between days with readings', () => {
    const lasts: [number, number][] = [
      [T0 - Q, 0],
      [T0 + 12 * H, 5], // day 1
      [T0 + 48 * H + 12 * H, 8], // day 3; day 2 unread
    ];
    const r = counterIntervals(lasts, { from: T0, to: T0 + 72 * H, unit: '1d', tz: SHANGHAI });
    expect(values(r)).toEqual([5, null, 3]);
    expect(coverage(r)).toEqual([0.01, 0, 0.01]); // 1/96 rounded
  });

  it('a steady counter whose value does not change is 0, not null', () => {
    const lasts = series(T0 - Q, 42, repeat(4, 0));
    const r = counterIntervals(lasts, { from: T0, to: T0 + H, unit: '1h', tz: SHANGHAI });
    expect(r.intervals).toEqual([{ start: T0, end: T0 + H, value: 0, coverage: 1 }]);
  });

  it('the reading before `from` gives the first interval its start; without it that delta is unknown', () => {
    const inRange = series(T0, 11, repeat(3, 1)); // T0..T0+3Q: 11, 12, 13, 14
    const opts = { from: T0, to: T0 + H, unit: '1h', tz: SHANGHAI } as const;
    expect(counterIntervals([[T0 - Q, 10], ...inRange], opts).intervals[0]).toMatchObject({
      value: 4,
      coverage: 1,
    });
    expect(counterIntervals(inRange, opts).intervals[0]).toMatchObject({ value: 3, coverage: 1 });
    // a starting point hours before: everything since then lands in the first interval
    expect(counterIntervals([[T0 - 6 * H, 0], ...inRange], opts).intervals[0]).toMatchObject({
      value: 14,
      coverage: 1,
    });
  });

  it('a rollover or reset before `from` or after the last interval is not an event of the range', () => {
    const lasts: [number, number][] = [
      [T0 - 2 * Q, 5000],
      [T0 - Q, 0.5], // reset in the look-back: only the starting point
      [T0, 1],
      [T0 + Q, 1.5],
      [T0 + H, 0.25], // reset after the range
    ];
    const r = counterIntervals(lasts, { from: T0, to: T0 + H, unit: '1h', tz: SHANGHAI });
    expect(values(r)).toEqual([1]);
    expect(r.events).toEqual([]);
  });
});

describe('edge cases', () => {
  it('no readings: every interval is null with coverage 0, in every unit', () => {
    for (const unit of ['15m', '1h', '1d', '1mo'] as const) {
      const r = counterIntervals([], { from: T0, to: T0 + 3 * H, unit, tz: SHANGHAI });
      expect(r.intervals.length).toBe({ '15m': 12, '1h': 3, '1d': 1, '1mo': 1 }[unit]);
      expect(r.intervals.every((i) => i.value === null && i.coverage === 0)).toBe(true);
      expect(r.events).toEqual([]);
    }
  });

  it('an empty range has no intervals', () => {
    expect(counterIntervals([[T0, 1]], { from: T0, to: T0, unit: '1h', tz: SHANGHAI }).intervals).toEqual([]);
  });

  it('from and to not on boundaries: whole intervals covering [from, to)', () => {
    const from = T0 + 20 * 60_000; // 00:20 local
    const to = T0 + 2 * H + 10 * 60_000; // 02:10 local
    const lasts = series(T0 - Q, 0, repeat(12, 1));
    const r = counterIntervals(lasts, { from, to, unit: '1h', tz: SHANGHAI });
    expect(startsOf(r)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(r.intervals.at(-1)!.end).toBe(T0 + 3 * H);
    // the readings of 00:00 and 00:15, before `from` but in its hour, count
    expect(values(r)).toEqual([4, 4, 4]);
    // a day from local noon to local noon: the days of both noons
    const d = counterIntervals([], { from: T0 - 12 * H, to: T0 + 12 * H, unit: '1d', tz: SHANGHAI });
    expect(startsOf(d)).toEqual([T0 - 24 * H, T0]);
    // a month from the middle of March
    const m = counterIntervals([], { from: T0, to: T0 + H, unit: '1mo', tz: SHANGHAI });
    expect(m.intervals).toEqual([
      { start: at('2024-02-29T16:00:00Z'), end: at('2024-03-31T16:00:00Z'), value: null, coverage: 0 },
    ]);
  });

  it('a single reading in the range: no delta, so no value, though the slot counts for coverage', () => {
    const r = counterIntervals([[T0 + Q, 42]], { from: T0, to: T0 + H, unit: '1h', tz: SHANGHAI });
    expect(r.intervals).toEqual([{ start: T0, end: T0 + H, value: null, coverage: 0.25 }]);
    expect(r.events).toEqual([]);
  });

  it('a single reading before or after the range: all null', () => {
    for (const ts of [T0 - Q, T0 + H]) {
      const r = counterIntervals([[ts, 42]], { from: T0, to: T0 + H, unit: '1h', tz: SHANGHAI });
      expect(r.intervals).toEqual([{ start: T0, end: T0 + H, value: null, coverage: 0 }]);
    }
  });
});

/** How long these take is measured by `npm run bench energy` (bench/energy.ts, runIntervalsBench). */
describe('a year of data', () => {
  it('a year of 15-minute intervals (35,040) with a reading in each', () => {
    const from = at('2022-12-31T16:00:00Z'); // 2023-01-01 00:00 in Shanghai
    const lasts = series(from - Q, 0, repeat(35_040, 0.25));
    const r = counterIntervals(lasts, { from, to: at('2023-12-31T16:00:00Z'), unit: '15m', tz: SHANGHAI });
    expect(r.intervals).toHaveLength(35_040);
    expect(r.intervals.every((i) => i.value === 0.25 && i.coverage === 1)).toBe(true);
    expect(total(r)).toBe(8760);
  });

  it('a year of hours and of days in Berlin (DST) from the same readings', () => {
    const from = at('2022-12-31T23:00:00Z'); // 2023-01-01 00:00 CET
    const to = at('2023-12-31T23:00:00Z');
    const lasts = series(from - Q, 0, repeat(35_040, 0.25));
    const h = counterIntervals(lasts, { from, to, unit: '1h', tz: BERLIN });
    const d = counterIntervals(lasts, { from, to, unit: '1d', tz: BERLIN });
    expect(h.intervals).toHaveLength(8760);
    expect(h.intervals.every((i) => i.value === 1 && i.coverage === 1)).toBe(true);
    expect(d.intervals).toHaveLength(365);
    expect(d.intervals.filter((i) => i.value === 23)).toHaveLength(1); // 2023-03-26
    expect(d.intervals.filter((i) => i.value === 25)).toHaveLength(1); // 2023-10-29
    expect(d.intervals.every((i) => i.coverage === 1)).toBe(true);
    expect(total(d)).toBe(8760);
  });
});
