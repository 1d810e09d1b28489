import { describe, expect, it } from 'vitest';
import { quietUntil } from './quiet-hours.js';

const at = (iso: string) => Date.parse(iso);

describe('quietUntil', () => {
  const night = { start: '22:00', end: '07:00' };

  it('a window across midnight: before midnight ends tomorrow, after midnight ends today, outside is not quiet', () => {
    // Shanghai is UTC+8 all year
    expect(quietUntil(night, at('2026-03-02T14:00:00Z'), 'Asia/Shanghai')).toBe(at('2026-03-02T23:00:00Z')); // 22:00
    expect(quietUntil(night, at('2026-03-02T19:30:00Z'), 'Asia/Shanghai')).toBe(at('2026-03-02T23:00:00Z')); // 03:30
    expect(quietUntil(night, at('2026-03-02T13:59:00Z'), 'Asia/Shanghai')).toBeUndefined(); // 21:59
    expect(quietUntil(night, at('2026-03-02T23:00:00Z'), 'Asia/Shanghai')).toBeUndefined(); // 07:00: over
  });

  it('a window within one day, and equal start and end (none)', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietUntil(lunch, at('2026-03-02T04:15:00Z'), 'Asia/Shanghai')).toBe(at('2026-03-02T05:30:00Z'));
    expect(quietUntil(lunch, at('2026-03-02T05:30:00Z'), 'Asia/Shanghai')).toBeUndefined();
    expect(
      quietUntil({ start: '08:00', end: '08:00' }, at('2026-03-02T00:00:00Z'), 'Asia/Shanghai'),
    ).toBeUndefined();
  });

  it("in a DST zone the end is the wall clock's 07:00 on the night the clocks go forward", () => {
    // Berlin, 2026-03-29: 02:00 CET → 03:00 CEST; 23:00 CET on the 28th is 22:00Z, 07:00 CEST is 05:00Z
    expect(quietUntil(night, at('2026-03-28T22:00:00Z'), 'Europe/Berlin')).toBe(at('2026-03-29T05:00:00Z'));
    // and back in October: 07:00 CET on 2026-10-25 is 06:00Z
    expect(quietUntil(night, at('2026-10-24T21:00:00Z'), 'Europe/Berlin')).toBe(at('2026-10-25T06:00:00Z'));
  });
});
