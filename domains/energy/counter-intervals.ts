import { type CalendarUnit, intervalStart, nextInterval } from '../../core/time/zoned-time.js';

export interface EnergyInterval {
  start: number;
  end: number;
  /** Consumption in the counter's unit, or null when the interval has no reading at all (a gap, not zero). */
  value: number | null;
  /** Share of the interval's 15-minute slots that had a reading (data completeness). */
  coverage: number;
}

export interface CounterEvent {
  ts: number;
  kind: 'rollover' | 'reset';
  from: number;
  to: number;
}

const SLOT_MS = 15 * 60_000;

/**
 * What a counter counted from `prev` to `value`. A fall is a rollover when the point has `rolloverAt` and the
 * counter was in its upper half (the register wrapped: the way to the top plus the new value); otherwise a
 * reset (meter replaced or cleared: the new value is what the new meter counted).
 */
export function counterStep(
  prev: number,
  value: number,
  rolloverAt: number | undefined,
): { delta: number; kind?: CounterEvent['kind'] } {
  if (value >= prev) return { delta: value - prev };
  if (rolloverAt !== undefined && prev >= rolloverAt / 2 && prev <= rolloverAt)
    return { delta: rolloverAt - prev + value, kind: 'rollover' };
  return { delta: value, kind: 'reset' };
}

/**
 * Consumption per calendar interval from a counter's last value in each 15-minute slot (falls: counterStep).
 * Each delta belongs to the slot of its later
 * reading; an interval without readings is null, never 0.
 *
 * `lasts` must start before `from` when possible (the reading before the first interval gives its delta).
 */
export function counterIntervals(
  lasts: readonly [number, number][],
  opts: { from: number; to: number; unit: CalendarUnit; tz: string; rolloverAt?: number },
): { intervals: EnergyInterval[]; events: CounterEvent[] } {
  const intervals: EnergyInterval[] = [];
  for (let s = intervalStart(opts.from, opts.unit, opts.tz); s < opts.to; ) {
    const e = nextInterval(s, opts.unit, opts.tz);
    intervals.push({ start: s, end: e, value: null, coverage: 0 });
    s = e;
  }
  const events: CounterEvent[] = [];
  let k = 0;
  let prev: number | undefined;
  for (const [ts, value] of lasts) {
    while (k < intervals.length && intervals[k]!.end <= ts) k++;
    const iv = intervals[k];
    // Only a rollover or reset inside the range is an event: the lookback before `from` counts nowhere.
    const inRange = iv !== undefined && ts >= iv.start;
    let delta = 0;
    if (prev !== undefined) {
      const step = counterStep(prev, value, opts.rolloverAt);
      delta = step.delta;
      if (step.kind && inRange) events.push({ ts, kind: step.kind, from: prev, to: value });
    }
    if (iv && inRange) {
      // the first reading before the range only sets the starting point
      if (prev !== undefined) iv.value = (iv.value ?? 0) + delta;
      else iv.value ??= null;
      iv.coverage += SLOT_MS / (iv.end - iv.start);
    }
    prev = value;
  }
  for (const iv of intervals) iv.coverage = Math.min(1, Math.round(iv.coverage * 1000) / 1000);
  return { intervals, events };
}
