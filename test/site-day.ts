import { intervalStart, nextInterval } from '../core/time/zoned-time.js';

/**
 * Tests that take the site's "today" (or month) at their start and ask the hub about it later wait out the last
 * minutes before the site's midnight, so that one file's run does not straddle it. Call at the top of the file.
 */
export async function clearOfSiteMidnight(tz: string, marginMs = 120_000): Promise<void> {
  const now = Date.now();
  const left = nextInterval(intervalStart(now, '1d', tz), '1d', tz) - now;
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}
