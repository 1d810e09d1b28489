import { HOLIDAY, SLOT_MS, type SlotCalendar, type SlotSeries } from './slot-calendar.js';

/**
 * Baselines: what a meter is expected to use in each local hour of each kind of day, learned from the
 * weeks before a period, and the period's consumption compared against it (excess, after-hours waste, the
 * savings of a measure). Every figure is a sum of 15-minute slots of a SlotCalendar.
 */

const HOURS = 24;
const SUNDAY = 0;
const SATURDAY = 6;
/** Day types 0 = Sunday … 6 = Saturday, 7 = holiday. */
const DAY_TYPES = 8;
const SLOTS_PER_HOUR = 4;

export interface Baseline {
  /** Expected consumption of one local clock hour, index dayType * 24 + hour; NaN when unknown. */
  expected: Float64Array;
  /** The clean hours each expectation was learned from (0 where it is a fallback or unknown). */
  samples: Uint16Array;
  /** Whole local days learned from, / 7. */
  weeks: number;
  /** The learning range, ms. */
  from: number;
  to: number;
}

export interface Comparison {
  /** Consumption over the comparable slots. */
  actual: number;
  /** Expected consumption over the same slots. */
  expected: number;
  /** Comparable slots (actual and expected known) / slots compared (the after-hours ones when afterHoursOnly). */
  coverage: number;
  /** Σ over local hours of max(0, actual − expected), comparable slots only. */
  excess: number;
}

export interface BaselineSummary {
  from: number;
  to: number;
  weeks: number;
  /** Clean hour samples learned from. */
  samples: number;
}

export interface Savings {
  baseline: BaselineSummary;
  actual: number;
  expected: number;
  saved: number;
  /** saved / expected × 100; NaN when nothing was expected. */
  savedPct: number;
  coverage: number;
}

function checkRange(what: string, series: SlotSeries, cal: SlotCalendar, fromSlot: number, toSlot: number) {
  if (series.values.length !== cal.n || series.spans.length !== cal.n)
    throw new Error(`${what}: the series has ${series.values.length} slots, the calendar ${cal.n}`);
  if (
    !Number.isInteger(fromSlot) ||
    !Number.isInteger(toSlot) ||
    fromSlot < 0 ||
    toSlot < fromSlot ||
    toSlot > cal.n
  )
    throw new Error(`${what}: slots [${fromSlot}, ${toSlot}) are not within the calendar's ${cal.n}`);
}

const sameHour = (cal: SlotCalendar, a: number, b: number) =>
  cal.dayIndex[a] === cal.dayIndex[b] && cal.hour[a] === cal.hour[b];

/**
 * Learns the expected consumption per (dayType, local hour) from the slots [fromSlot, toSlot): the mean of
 * the clean hours, i.e. hours whose every slot is in the range and has its own reading (span 1; a value
 * after a gap is spread over time the hour does not own). Where a dayType has no sample for an hour, a
 * holiday takes Sunday's (else Saturday's), Sunday Saturday's and Saturday Sunday's; otherwise NaN.
 */
export function learnBaseline(
  series: SlotSeries,
  cal: SlotCalendar,
  fromSlot: number,
  toSlot: number,
): Baseline {
  checkRange('baseline', series, cal, fromSlot, toSlot);
  const { values, spans } = series;
  const { dayIndex, hour, days } = cal;
  const sum = new Float64Array(DAY_TYPES * HOURS);
  const samples = new Uint16Array(DAY_TYPES * HOURS);
  let i = fromSlot;
  while (i > 0 && i < toSlot && sameHour(cal, i, i - 1)) i++; // an hour the range starts inside
  while (i < toSlot) {
    let j = i;
    let total = 0;
    let clean = true;
    for (; j < toSlot && sameHour(cal, i, j); j++) {
      const v = values[j]!;
      if (spans[j] !== 1 || Number.isNaN(v)) clean = false;
      else total += v;
    }
    if (j === toSlot && j < cal.n && sameHour(cal, j - 1, j)) clean = false; // the range ends inside it
    if (clean) {
      const cell = days[dayIndex[i]!]!.dayType * HOURS + hour[i]!;
      // Per slot × 4: the hour a DST change repeats (8 slots) is one sample of a clock hour.
      sum[cell]! += (total * SLOTS_PER_HOUR) / (j - i);
      samples[cell]!++;
    }
    i = j;
  }

  const expected = new Float64Array(DAY_TYPES * HOURS);
  for (let c = 0; c < expected.length; c++) expected[c] = samples[c] ? sum[c]! / samples[c]! : Number.NaN;
  for (let h = 0; h < HOURS; h++) {
    const sun = expected[SUNDAY * HOURS + h]!;
    const sat = expected[SATURDAY * HOURS + h]!;
    if (!samples[SUNDAY * HOURS + h]) expected[SUNDAY * HOURS + h] = sat;
    if (!samples[SATURDAY * HOURS + h]) expected[SATURDAY * HOURS + h] = sun;
    if (!samples[HOLIDAY * HOURS + h]) expected[HOLIDAY * HOURS + h] = Number.isNaN(sun) ? sat : sun;
  }

  let wholeDays = 0;
  if (toSlot > fromSlot)
    for (let d = dayIndex[fromSlot]!; d <= dayIndex[toSlot - 1]!; d++) {
      const day = days[d]!;
      if (day.firstSlot >= fromSlot && day.firstSlot + day.slots <= toSlot) wholeDays++;
    }
  return {
    expected,
    samples,
    weeks: wholeDays / 7,
    from: cal.from + fromSlot * SLOT_MS,
    to: cal.from + toSlot * SLOT_MS,
  };
}

/**
 * The expected consumption of each slot in [fromSlot, toSlot) (index slot − fromSlot): a quarter of its
 * local hour's expectation, so the hour a DST change repeats expects two hours' worth and a skipped one
 * nothing. NaN where the baseline does not know the hour.
 */
export function expectedSeries(
  b: Baseline,
  cal: SlotCalendar,
  fromSlot: number,
  toSlot: number,
): Float64Array {
  if (fromSlot < 0 || toSlot < fromSlot || toSlot > cal.n)
    throw new Error(`expected series: slots [${fromSlot}, ${toSlot}) are not within the calendar's ${cal.n}`);
  const out = new Float64Array(toSlot - fromSlot);
  for (let i = fromSlot; i < toSlot; i++)
    out[i - fromSlot] =
      b.expected[cal.days[cal.dayIndex[i]!]!.dayType * HOURS + cal.hour[i]!]! / SLOTS_PER_HOUR;
  return out;
}

/**
 * Compares the series with `expected` (expectedSeries over the same [fromSlot, toSlot)) on the slots where
 * both are known, or only the after-hours ones (cal.working 0). A value with span k is spread evenly over
 * the k slots it covers, so a reading after a gap counts in the hours it covers (only its part inside the
 * range counts, including the part of a value just after toSlot); slots no value covers are not comparable.
 */
export function compareToBaseline(
  series: SlotSeries,
  expected: Float64Array,
  cal: SlotCalendar,
  fromSlot: number,
  toSlot: number,
  opts: { afterHoursOnly?: boolean } = {},
): Comparison {
  checkRange('compare', series, cal, fromSlot, toSlot);
  if (expected.length !== toSlot - fromSlot)
    throw new Error(`compare: ${expected.length} expected slots for a range of ${toSlot - fromSlot}`);
  const { values, spans } = series;
  const actualBySlot = new Float64Array(toSlot - fromSlot).fill(Number.NaN);
  for (let i = fromSlot; i < cal.n; i++) {
    const k = spans[i]!;
    const v = values[i]!;
    if (k === 0 || Number.isNaN(v)) continue;
    const first = i - k + 1;
    if (first >= toSlot) break;
    for (let s = Math.max(first, fromSlot); s <= i && s < toSlot; s++) actualBySlot[s - fromSlot] = v / k;
    if (i >= toSlot) break; // later values cover only later slots
  }

  let actual = 0;
  let expect = 0;
  let excess = 0;
  let compared = 0;
  let comparable = 0;
  let hourActual = 0;
  let hourExpected = 0;
  for (let i = fromSlot; i < toSlot; i++) {
    if (i > fromSlot && !sameHour(cal, i, i - 1)) {
      excess += Math.max(0, hourActual - hourExpected);
      hourActual = hourExpected = 0;
    }
    if (opts.afterHoursOnly && cal.working[i] !== 0) continue;
    compared++;
    const a = actualBySlot[i - fromSlot]!;
    const e = expected[i - fromSlot]!;
    if (Number.isNaN(a) || Number.isNaN(e)) continue;
    comparable++;
    actual += a;
    expect += e;
    hourActual += a;
    hourExpected += e;
  }
  excess += Math.max(0, hourActual - hourExpected);
  return { actual, expected: expect, coverage: compared ? comparable / compared : 0, excess };
}

/**
 * A saving measure's effect: the baseline learned from the `baselineWeeks` × 7 local days before the day
 * of measureSlot (plus that day's slots before it), compared with [measureSlot, toSlot). The calendar must
 * cover those weeks.
 */
export function savings(
  series: SlotSeries,
  cal: SlotCalendar,
  measureSlot: number,
  baselineWeeks: number,
  toSlot: number = cal.n,
): Savings {
  if (!(measureSlot >= 0 && measureSlot < toSlot && toSlot <= cal.n))
    throw new Error(`savings: measure slot ${measureSlot} is not before ${toSlot} within the calendar`);
  const fromDay = cal.dayIndex[measureSlot]! - 7 * baselineWeeks;
  if (fromDay < 0)
    throw new Error(`savings: the calendar starts less than ${baselineWeeks} weeks before the measure`);
  const b = learnBaseline(series, cal, cal.days[fromDay]!.firstSlot, measureSlot);
  const c = compareToBaseline(series, expectedSeries(b, cal, measureSlot, toSlot), cal, measureSlot, toSlot);
  const saved = c.expected - c.actual;
  let samples = 0;
  for (const s of b.samples) samples += s;
  return {
    baseline: { from: b.from, to: b.to, weeks: b.weeks, samples },
    actual: c.actual,
    expected: c.expected,
    saved,
    savedPct: c.expected > 0 ? (saved / c.expected) * 100 : Number.NaN,
    coverage: c.coverage,
  };
}
