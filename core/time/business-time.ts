import { SCHEDULE_HORIZON_MS } from './schedule.js';

/**
 * Business time for service-level timers: only the instants a calendar is on count. A core/time/schedule.ts
 * Schedule (site time zone, weekly hours, holidays, extra workdays) is a BusinessCalendar as it is.
 */
export interface BusinessCalendar {
  isOn(ts: number): boolean;
  /** The next instant after ts at which isOn() flips, or a later instant with the same state ("look again"). */
  nextChange(ts: number): number;
}

/** 24/7: business time is wall time. Like Schedule, it says "look again" after the horizon. */
export const ALWAYS_ON: BusinessCalendar = {
  isOn: () => true,
  nextChange: (ts) => ts + SCHEDULE_HORIZON_MS,
};

const DAY_MS = 86_400_000;
/** Off this long without a break and the calendar is taken as never on (a year of holidays and then some). */
export const MAX_OFF_SCAN_MS = 400 * DAY_MS;

function step(cal: BusinessCalendar, t: number): number {
  const next = cal.nextChange(t);
  // A calendar that does not move forward would loop for ever.
  if (!(next > t))
    throw new RangeError(`business calendar: nextChange(${t}) returned ${next}, not a later instant`);
  return next;
}

/**
 * The instant at which `durationMs` of on-time has elapsed after `start` (counting from the next on when start
 * is off-hours). Work ending exactly as a period closes lands on that close (17:30), not on the next opening.
 * Throws a RangeError on a negative or non-finite duration and when the calendar stays off MAX_OFF_SCAN_MS.
 */
export function addBusinessTime(cal: BusinessCalendar, start: number, durationMs: number): number {
  if (!Number.isFinite(start))
    throw new RangeError(`addBusinessTime: start ${start} is not a finite instant`);
  if (!(durationMs >= 0 && Number.isFinite(durationMs)))
    throw new RangeError(`addBusinessTime: duration ${durationMs} ms is not a finite non-negative number`);
  if (durationMs === 0) return start;
  let remaining = durationMs;
  let t = start;
  let offSince: number | undefined;
  for (;;) {
    const next = step(cal, t);
    if (cal.isOn(t)) {
      if (remaining <= next - t) return t + remaining;
      remaining -= next - t;
      offSince = undefined;
    } else {
      offSince ??= t;
      if (next - offSince > MAX_OFF_SCAN_MS)
        throw new RangeError(
          `addBusinessTime: the calendar is off for more than ${MAX_OFF_SCAN_MS / DAY_MS} days from ${new Date(offSince).toISOString()}`,
        );
    }
    t = next;
  }
}

/** On-time in [from, to), ms; 0 when to <= from. */
export function businessTimeBetween(cal: BusinessCalendar, from: number, to: number): number {
  if (!Number.isFinite(from) || !Number.isFinite(to))
    throw new RangeError(`businessTimeBetween: [${from}, ${to}) is not a finite interval`);
  let total = 0;
  for (let t = from; t < to; ) {
    const next = Math.min(step(cal, t), to);
    if (cal.isOn(t)) total += next - t;
    t = next;
  }
  return total;
}
