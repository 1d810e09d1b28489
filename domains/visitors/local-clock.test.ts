import { describe, expect, it } from 'vitest';
import { wallTime } from '../../core/time/zoned-time.js';
import { localClock } from './local-clock.js';

const MIN = 60_000;

/** Intl's answer, the slow way: what localClock must always agree with. */
function byIntl(ts: number, tz: string) {
  const w = wallTime(ts, tz);
  return {
    hour: w.hour,
    day: `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`,
  };
}

describe('localClock (the entry statistics’ local hour and day)', () => {
  // a zone without DST, two with DST (one changing by 30 minutes), a half-hour and a 45-minute offset
  for (const tz of [
    'Asia/Shanghai',
    'Europe/Berlin',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'Asia/Kathmandu',
  ])
    it(`agrees with Intl through a year in ${tz}, DST changes included`, () => {
      const local = localClock(tz);
      const start = Date.UTC(2026, 0, 1);
      const mismatches: string[] = [];
      // every 47 minutes (visits every quarter-hour phase), plus the minutes around each hour
      for (let ts = start; ts < start + 366 * 1440 * MIN; ts += 47 * MIN)
        for (const t of [ts, ts - (ts % (60 * MIN)) - 1, ts - (ts % (60 * MIN))]) {
          const a = local(t);
          const b = byIntl(t, tz);
          if (a.hour !== b.hour || a.day !== b.day)
            mismatches.push(`${new Date(t).toISOString()}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
        }
      expect(mismatches.slice(0, 5)).toEqual([]);
    });
});
