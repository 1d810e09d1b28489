/** Calendar arithmetic in the site's time zone (days and months start at local midnight), without a library. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

export function wallTime(ts: number, tz: string): WallTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(ts)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

const DAY_MS = 86_400_000;

/** The zone's offset from UTC at `ts` (wall clock minus UTC, whole seconds). */
function offsetAt(ts: number, tz: string): number {
  const w = wallTime(ts, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ts - mod(ts, 1000));
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * The instant a wall-clock time happens in `tz` (the earlier one when a DST change repeats it). A wall time
 * that a DST change skips is taken with the offset before the change, i.e. moved forward by the gap's length
 * (02:30 on Berlin's spring-forward day is 03:30 CEST), as Temporal's 'compatible' disambiguation does.
 */
export function fromWallTime(w: WallTime, tz: string): number {
  // The offsets a day either side bracket any one change; of the two candidates, the earlier that really shows
  // this wall time wins (iterating on one offset lands on whichever occurrence it meets first).
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const before = asUtc - offsetAt(asUtc - DAY_MS, tz);
  const after = asUtc - offsetAt(asUtc + DAY_MS, tz);
  for (const ts of before <= after ? [before, after] : [after, before])
    if (offsetAt(ts, tz) === asUtc - ts) return ts;
  return before; // skipped by a DST change
}

export type CalendarUnit = '15m' | '1h' | '1d' | '1mo';

/** The start of the interval of `unit` that contains `ts`, in the site's time zone. */
export function intervalStart(ts: number, unit: CalendarUnit, tz: string): number {
  const w = wallTime(ts, tz);
  // 15 minutes and hours: step back by the wall-clock time since the boundary, which stays in the right one
  // of an hour that happens twice (and needs no more Intl calls). Assumes offset changes on the quarter hour.
  if (unit === '15m') return ts - mod(ts, 1000) - ((w.minute % 15) * 60 + w.second) * 1000;
  if (unit === '1h') return ts - mod(ts, 1000) - (w.minute * 60 + w.second) * 1000;
  if (unit === '1d') return fromWallTime({ ...w, hour: 0, minute: 0 }, tz);
  return fromWallTime({ ...w, day: 1, hour: 0, minute: 0 }, tz);
}

/** The start of the next interval. */
export function nextInterval(start: number, unit: CalendarUnit, tz: string): number {
  if (unit === '15m') return start + 15 * 60_000;
  if (unit === '1h') return intervalStart(start + 3_600_000 + 60_000, unit, tz);
  const w = wallTime(start, tz);
  if (unit === '1d') return fromWallTime({ ...w, day: w.day + 1, hour: 0, minute: 0 }, tz);
  return fromWallTime({ ...w, month: w.month + 1, day: 1, hour: 0, minute: 0 }, tz);
}
