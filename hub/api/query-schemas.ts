import { z } from 'zod';
import { invalid } from '../../core/errors.js';

/** Query-string pieces the history and energy routes share. */

/** ms since the epoch, or an ISO-8601 time. */
export const instant = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected ms since the epoch or an ISO-8601 time' });
      return z.NEVER;
    }
    return ms;
  });

/** Calendar intervals of consumption, in the site's time zone. */
export const INTERVALS = ['15m', '1h', '1d', '1mo'] as const;
const APPROX_MS = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000, '1mo': 28 * 86_400_000 } as const;
const MAX_INTERVALS = 10_000;

/** Refuse a range that would give more than 10,000 intervals. */
export function checkIntervalCount(from: number, to: number, interval: (typeof INTERVALS)[number]): void {
  if ((to - from) / APPROX_MS[interval] > MAX_INTERVALS)
    throw invalid(`more than ${MAX_INTERVALS} intervals; use a larger interval`);
}
