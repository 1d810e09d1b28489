import type { z } from 'zod';
import type { ScheduleSchema } from './schedule-schema.js';
import { fromWallTime, wallTime } from './zoned-time.js';

/**
 * A rule schedule in the site's time zone: weekly hours (HH:MM-HH:MM ranges, start before end, 24:00 for
 * the end of the day), holidays (off all day), extra workdays (a weekend day that follows `workdayAs`'s
 * hours) and invert (on outside the hours). Wall-clock fields come from Intl via core/time/zoned-time,
 * so DST zones work: the hours are wall-clock hours on every day, including the days the clock changes.
 */

const DAY_MS = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Weekday = (typeof WEEKDAYS)[number];

/** dayType() of a holiday (weekdays are 0 = Sunday … 6 = Saturday). */
export const HOLIDAY = 7;

/** Minutes of the day, [start, end). */
interface Range {
  start: number;
  end: number;
}

/** How far nextChange() looks ahead: a week and a day. */
export const SCHEDULE_HORIZON_MS = 8 * DAY_MS;

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** '08:00-18:00' → minutes [480, 1080); throws on a malformed range, one ending after 24:00 or not after its start. */
export function parseRange(text: string): Range {
  const m = RANGE.exec(text);
  if (!m) throw new Error(`schedule range ${JSON.stringify(text)}: expected HH:MM-HH:MM`);
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 1440) throw new Error(`schedule range ${JSON.stringify(text)}: ends after 24:00`);
  if (start >= end)
    throw new Error(
      `schedule range ${JSON.stringify(text)}: must end after it starts (split a range crossing midnight)`,
    );
  return { start, end };
}

const pad = (n: number) => String(n).padStart(2, '0');
const mod = (a: number, b: number) => ((a % b) + b) % b;

/** Wall clock minus UTC at ts, ms. */
function offsetAt(ts: number, tz: string): number {
  const w = wallTime(ts, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ts - mod(ts, 1000));
}

export class Schedule {
  readonly id: string;
  readonly timeZone: string;
  private readonly weekly = new Map<Weekday, Range[]>();
  private readonly holidays: ReadonlySet<string>;
  private readonly extraWorkdays: ReadonlySet<string>;
  private readonly workdayAs: Weekday;
  private readonly invert: boolean;

  constructor(config: z.input<typeof ScheduleSchema>, timeZone: string) {
    this.id = config.id;
    this.timeZone = timeZone;
    new Intl.DateTimeFormat('en-US', { timeZone }); // throws RangeError on an unknown zone
    for (const [day, ranges] of Object.entries(config.weekly) as [Weekday, string[] | undefined][])
      this.weekly.set(
        day,
        (ranges ?? []).map(parseRange).sort((a, b) => a.start - b.start),
      );
    this.holidays = new Set(config.holidays ?? []);
    this.extraWorkdays = new Set(config.extraWorkdays ?? []);
    this.workdayAs = config.workdayAs ?? 'mon';
    this.invert = config.invert ?? false;
  }

  /** The hours of one local date (holidays none, extra workdays `workdayAs`'s). */
  private rangesOn(year: number, month: number, day: number): Range[] {
    const date = `${year}-${pad(month)}-${pad(day)}`;
    if (this.holidays.has(date)) return [];
    const weekday = this.extraWorkdays.has(date)
      ? this.workdayAs
      : WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]!;
    return this.weekly.get(weekday) ?? [];
  }

  /**
   * What kind of day a local date is for baselines and tariffs: a holiday, or the weekday whose hours it
   * follows (an extra workday counts as `workdayAs`). 0 = Sunday … 6 = Saturday, HOLIDAY = 7.
   */
  dayType(year: number, month: number, day: number): number {
    const date = `${year}-${pad(month)}-${pad(day)}`;
    if (this.holidays.has(date)) return HOLIDAY;
    if (this.extraWorkdays.has(date)) return WEEKDAYS.indexOf(this.workdayAs);
    return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  }

  isOn(now: number): boolean {
    const w = wallTime(now, this.timeZone);
    const msOfDay = ((w.hour * 60 + w.minute) * 60 + w.second) * 1000 + mod(now, 1000);
    const inside = this.rangesOn(w.year, w.month, w.day).some(
      (r) => r.start * 60_000 <= msOfDay && msOfDay < r.end * 60_000,
    );
    return inside !== this.invert;
  }

  /**
   * The next instant after `now` at which isOn() flips, searching the local dates from today to 8 days
   * ahead; when it stays the same all that time, now + SCHEDULE_HORIZON_MS (look again then).
   */
  nextChange(now: number): number {
    const state = this.isOn(now);
    const tz = this.timeZone;
    const today = wallTime(now, tz);
    // Every instant the state can flip at: local midnights, range starts and ends, DST changes (a skipped
    // boundary takes effect at the change) and the second occurrence of a boundary in a repeated hour.
    const candidates: number[] = [];
    for (let i = 0; i <= 8; i++) {
      const d = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
      const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
      const dayStart = fromWallTime({ year, month, day, hour: 0, minute: 0 }, tz);
      const nextStart = fromWallTime({ year, month, day: day + 1, hour: 0, minute: 0 }, tz);
      candidates.push(dayStart);
      let repeated = 0;
      const offStart = offsetAt(dayStart, tz);
      const offEnd = offsetAt(nextStart, tz);
      if (offStart !== offEnd) {
        candidates.push(this.transition(dayStart, nextStart, offStart));
        if (offEnd < offStart) repeated = offStart - offEnd;
      }
      for (const r of this.rangesOn(year, month, day))
        for (const minutes of [r.start, r.end]) {
          if (minutes >= 1440) continue; // 24:00 is the next day's midnight
          const t = fromWallTime(
            { year, month, day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
            tz,
          );
          candidates.push(t);
          if (repeated) candidates.push(t + repeated);
        }
    }
    candidates.sort((a, b) => a - b);
    for (const t of candidates) if (t > now && this.isOn(t) !== state) return t;
    return now + SCHEDULE_HORIZON_MS;
  }

  /** The first instant in (lo, hi] whose offset is not `offLo` (the zone's offset at lo). */
  private transition(lo: number, hi: number, offLo: number): number {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid, this.timeZone) === offLo) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}
