import { type BaselineSummary, expectedSeries, learnBaseline } from './baseline.js';
import type { ActivityInterval, Measure } from './savings-activity.js';
import { MEASURES } from './savings-activity.js';
import { localDate, SLOT_MS, type SlotCalendar, type SlotSeries } from './slot-calendar.js';

/**
 * What automation saved, per measure: consumption against the baseline learned before automation began, per
 * 15-minute slot, the difference of each slot attributed to the measures acting in it (schedules, DCV and
 * occupancy, demand limiting) in proportion to how many point-minutes each acted in the slot. A slot where no
 * measure acted is "unattributed" (weather, occupancy, noise: what the baseline does not explain).
 */

export interface MeasureSaving {
  measure: Measure;
  /** Expected − actual over the slots it acted in, its share (meter unit); negative: more than expected. */
  saved: number;
  /** Slots it acted in. */
  slots: number;
  /** Point-hours it acted (points × time). */
  pointHours: number;
}

export interface SavingsDay {
  date: string;
  actual: number;
  expected: number;
  /** measure → its share of the day's saving; `none`: slots no measure acted in. */
  saved: Record<Measure | 'none', number>;
}

export interface AttributedSavings {
  actual: number;
  expected: number;
  saved: number;
  /** Comparable slots / slots in the range. */
  coverage: number;
  measures: MeasureSaving[];
  unattributed: number;
  days: SavingsDay[];
}

/**
 * Attribute (expected − actual) per slot of [fromSlot, toSlot) to the measures acting in it. `expected` is the
 * baseline's expectation of each slot of the range (expectedSeries). A reading that spans k slots (after a gap)
 * is spread evenly over them, as compareToBaseline does.
 */
export function attributeSavings(a: {
  series: SlotSeries;
  cal: SlotCalendar;
  expected: Float64Array;
  fromSlot: number;
  toSlot: number;
  activity: readonly ActivityInterval[];
  /** Open intervals end here (now). */
  now: number;
  timeZone: string;
}): AttributedSavings {
  const { series, cal, expected, fromSlot, toSlot } = a;
  const n = toSlot - fromSlot;
  if (expected.length !== n) throw new Error(`savings: ${expected.length} expected slots for ${n}`);
  const actualBySlot = new Float64Array(n).fill(Number.NaN);
  for (let i = fromSlot; i < cal.n; i++) {
    const k = series.spans[i]!;
    const v = series.values[i]!;
    if (k === 0 || Number.isNaN(v)) continue;
    const first = i - k + 1;
    if (first >= toSlot) break;
    for (let s = Math.max(first, fromSlot); s <= i && s < toSlot; s++) actualBySlot[s - fromSlot] = v / k;
  }

  // point-ms each measure acted in each slot
  const weight = new Map<Measure, Float64Array>(MEASURES.map((m) => [m, new Float64Array(n)]));
  const rangeFrom = cal.from + fromSlot * SLOT_MS;
  const rangeTo = cal.from + toSlot * SLOT_MS;
  for (const iv of a.activity) {
    const from = Math.max(iv.from, rangeFrom);
    const to = Math.min(iv.to ?? a.now, rangeTo);
    if (to <= from) continue;
    const w = weight.get(iv.measure);
    if (!w) continue;
    for (let s = Math.floor((from - rangeFrom) / SLOT_MS); s < n; s++) {
      const sFrom = rangeFrom + s * SLOT_MS;
      if (sFrom >= to) break;
      w[s]! += Math.min(to, sFrom + SLOT_MS) - Math.max(from, sFrom);
    }
  }

  const totals = new Map<Measure, MeasureSaving>(
    MEASURES.map((m) => [m, { measure: m, saved: 0, slots: 0, pointHours: 0 }]),
  );
  let actual = 0;
  let expect = 0;
  let comparable = 0;
  let unattributed = 0;
  const days = new Map<string, SavingsDay>();
  for (let s = 0; s < n; s++) {
    for (const m of MEASURES) {
      const w = weight.get(m)![s]!;
      if (w > 0) {
        const t = totals.get(m)!;
        t.slots++;
        t.pointHours += w / 3_600_000;
      }
    }
    const act = actualBySlot[s]!;
    const exp = expected[s]!;
    if (Number.isNaN(act) || Number.isNaN(exp)) continue;
    comparable++;
    actual += act;
    expect += exp;
    const diff = exp - act;
    const date = localDate(rangeFrom + s * SLOT_MS, a.timeZone);
    let day = days.get(date);
    if (!day) {
      day = { date, actual: 0, expected: 0, saved: { schedule: 0, dcv: 0, 'demand-limit': 0, none: 0 } };
      days.set(date, day);
    }
    day.actual += act;
    day.expected += exp;
    let sum = 0;
    for (const m of MEASURES) sum += weight.get(m)![s]!;
    if (sum === 0) {
      unattributed += diff;
      day.saved.none += diff;
      continue;
    }
    for (const m of MEASURES) {
      const share = (diff * weight.get(m)![s]!) / sum;
      totals.get(m)!.saved += share;
      day.saved[m] += share;
    }
  }
  return {
    actual,
    expected: expect,
    saved: expect - actual,
    coverage: n ? comparable / n : 0,
    measures: [...totals.values()],
    unattributed,
    days: [...days.values()],
  };
}

/**
 * The baseline for automation savings: learned from the `weeks` × 7 local days before automation first acted
 * (a fixed pre-automation baseline, as M&V practice has it: a baseline that kept learning would learn the
 * savings away), then the range [fromSlot, toSlot) compared with it. The calendar must start `weeks` before
 * `baselineEndSlot`.
 */
export function automationSavings(a: {
  series: SlotSeries;
  cal: SlotCalendar;
  baselineFromSlot: number;
  baselineEndSlot: number;
  fromSlot: number;
  toSlot: number;
  activity: readonly ActivityInterval[];
  now: number;
  timeZone: string;
}): AttributedSavings & { baseline: BaselineSummary } {
  const b = learnBaseline(a.series, a.cal, a.baselineFromSlot, a.baselineEndSlot);
  const expected = expectedSeries(b, a.cal, a.fromSlot, a.toSlot);
  let samples = 0;
  for (const s of b.samples) samples += s;
  return {
    ...attributeSavings({ ...a, expected }),
    baseline: { from: b.from, to: b.to, weeks: b.weeks, samples },
  };
}
