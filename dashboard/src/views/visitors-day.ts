import { siteDate } from '../i18n.js';

/** Site days as instants, for the visitors view and its statistics. */

const HOUR = 3_600_000;

/** The first ms at which `after(ms)` holds, between lo (false) and hi (true). */
function firstWhere(lo: number, hi: number, after: (ms: number) => boolean): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (after(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The site day holding `now`, as [start, end) in ms (a day may be 23 or 25 hours long). */
export function siteDay(now: number): [number, number] {
  const today = siteDate(now);
  return [
    firstWhere(now - 26 * HOUR, now, (ms) => siteDate(ms) >= today),
    firstWhere(now, now + 26 * HOUR, (ms) => siteDate(ms) > today),
  ];
}
