import { fromWallTime, wallTime } from '../../core/time/zoned-time.js';
import type { QuietHours } from './people-types.js';

/**
 * Quiet hours in the site's time zone: `start`–`end` as HH:MM wall-clock times, wrapping midnight when end is
 * not after start (22:00–07:00). Equal start and end mean none.
 */

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** When the quiet hours around `now` end, or undefined when `now` is not in them. */
export function quietUntil(q: QuietHours, now: number, timeZone: string): number | undefined {
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return undefined;
  const w = wallTime(now, timeZone);
  const m = w.hour * 60 + w.minute;
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return undefined;
  // the end is today when it is still ahead on the wall clock, else tomorrow (a wrapping window before midnight)
  const endToday = m < end;
  const day = new Date(Date.UTC(w.year, w.month - 1, w.day + (endToday ? 0 : 1)));
  return fromWallTime(
    {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
      hour: Math.floor(end / 60),
      minute: end % 60,
    },
    timeZone,
  );
}
