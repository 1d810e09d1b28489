import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createQuality } from './quality.js';

const P = 'ahu-1/supply_temp_c';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const q = (quality: Quality, reason = 'stale') => ({ quality: { pointId: P, quality, reason } });
const rd = (quality: Quality) => ({ reading: { pointId: P, value: 20, quality, ts: T0 } });

describe('quality', () => {
  it('with forMs: active once bad for that long, with the reason; a good reading clears it', () => {
    const e = createQuality({ pointId: P, forMs: 60_000 });
    expect(e.update(q('bad', 'no data for 30 s'), T0)?.active).toBe(false);
    expect(e.nextCheckAt(T0)).toBe(T0 + 60_000);
    expect(e.check(T0 + 59_999)).toBeUndefined();
    expect(e.check(T0 + 60_000)).toEqual({
      active: true,
      message: 'supply_temp_c quality bad (no data for 30 s)',
    });
    expect(e.nextCheckAt(T0 + 60_000)).toBeUndefined();
    // Still bad: the window does not restart.
    expect(e.update(rd('bad'), T0 + 70_000)?.active).toBe(true);
    expect(e.update(rd('good'), T0 + 80_000)).toEqual({
      active: false,
      message: 'supply_temp_c quality good',
    });
  });

  it('bad then good inside forMs never turns active', () => {
    const e = createQuality({ pointId: P, forMs: 60_000 });
    e.update(rd('bad'), T0);
    e.update(rd('good'), T0 + 30_000);
    expect(e.nextCheckAt(T0 + 30_000)).toBeUndefined();
    expect(e.check(T0 + 60_000)).toBeUndefined();
    expect(e.current().active).toBe(false);
  });

  it("when 'bad' (default) ignores uncertain; 'not-good' counts it; forMs 0 is immediate", () => {
    const bad = createQuality({ pointId: P });
    expect(bad.update(rd('uncertain'), T0)?.active).toBe(false);
    expect(bad.update(rd('bad'), T0)?.active).toBe(true);
    const notGood = createQuality({ pointId: P, when: 'not-good' });
    expect(notGood.update(q('uncertain', 'sensor calibrating'), T0)).toEqual({
      active: true,
      message: 'supply_temp_c quality uncertain (sensor calibrating)',
    });
    expect(
      notGood.update({ quality: { pointId: 'ahu-1/x', quality: 'good', reason: '' } }, T0),
    ).toBeUndefined();
  });
});
