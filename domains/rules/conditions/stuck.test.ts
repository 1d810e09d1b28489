import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createStuck } from './stuck.js';

const P = 'pump-1/discharge_pressure_bar';
const RUN = 'pump-1/running';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const MIN = 60_000;
const rd = (pointId: string, value: number | boolean | string, quality: Quality = 'good') => ({
  reading: { pointId, value, quality, ts: 0 },
});

describe('stuck', () => {
  it('turns active forMs after the value settled; small moves within tolerance do not reset it', () => {
    const e = createStuck({ pointId: P, forMs: 10 * MIN, tolerance: 0.1 });
    expect(e.nextCheckAt(T0)).toBeUndefined();
    expect(e.update(rd(P, 5), T0)?.active).toBe(false);
    expect(e.nextCheckAt(T0)).toBe(T0 + 10 * MIN);
    expect(e.update(rd(P, 5.05), T0 + 5 * MIN)?.active).toBe(false);
    expect(e.nextCheckAt(T0 + 5 * MIN)).toBe(T0 + 10 * MIN);
    expect(e.check(T0 + 10 * MIN - 1)).toBeUndefined();
    expect(e.check(T0 + 10 * MIN)).toMatchObject({
      active: true,
      value: 5.05,
      message: 'discharge_pressure_bar stuck at 5 for 10 min',
    });
    expect(e.nextCheckAt(T0 + 10 * MIN)).toBeUndefined(); // only a change clears it
    expect(e.check(T0 + 20 * MIN)).toBeUndefined(); // no change of verdict
  });

  it('a change beyond the tolerance resets it (and clears an active one)', () => {
    const e = createStuck({ pointId: P, forMs: 10 * MIN, tolerance: 0.1 });
    e.update(rd(P, 5), T0);
    expect(e.update(rd(P, 5.2), T0 + 8 * MIN)?.active).toBe(false);
    expect(e.nextCheckAt(T0 + 8 * MIN)).toBe(T0 + 18 * MIN);
    expect(e.check(T0 + 10 * MIN)).toBeUndefined();
    expect(e.check(T0 + 18 * MIN)?.active).toBe(true);
    expect(e.update(rd(P, 6), T0 + 19 * MIN)?.active).toBe(false);
    expect(e.nextCheckAt(T0 + 19 * MIN)).toBe(T0 + 29 * MIN);
  });

  it('bad readings neither reset nor confirm; booleans compare by equality', () => {
    const e = createStuck({ pointId: P, forMs: 10 * MIN });
    e.update(rd(P, 5), T0);
    expect(e.update(rd(P, 9, 'bad'), T0 + MIN)).toBeUndefined();
    expect(e.check(T0 + 10 * MIN)?.active).toBe(true);
    const b = createStuck({ pointId: 'door-1/open', forMs: MIN });
    b.update(rd('door-1/open', false), T0);
    b.update(rd('door-1/open', true), T0 + 30_000);
    expect(b.nextCheckAt(T0 + 30_000)).toBe(T0 + 90_000);
  });

  it('is gated by the running point: normal while not running, window starts when it runs', () => {
    const e = createStuck({ pointId: P, forMs: 10 * MIN, runningPointId: RUN });
    expect(e.pointIds).toEqual([P, RUN]);
    e.update(rd(P, 5), T0);
    // Running unknown: normal, nothing to wait for.
    expect(e.nextCheckAt(T0)).toBeUndefined();
    expect(e.check(T0 + 30 * MIN)).toBeUndefined();
    expect(e.current()).toMatchObject({ active: false, message: 'discharge_pressure_bar not running' });
    // Starts at T0+30: the value has sat still for 30 min, but the window opens now.
    expect(e.update(rd(RUN, true), T0 + 30 * MIN)?.active).toBe(false);
    expect(e.nextCheckAt(T0 + 30 * MIN)).toBe(T0 + 40 * MIN);
    expect(e.check(T0 + 40 * MIN)?.active).toBe(true);
    // Stops: normal at once.
    expect(e.update(rd(RUN, false), T0 + 45 * MIN)?.active).toBe(false);
    expect(e.nextCheckAt(T0 + 45 * MIN)).toBeUndefined();
    // Runs again: a fresh window (a repeated true does not move it).
    e.update(rd(RUN, true), T0 + 50 * MIN);
    e.update(rd(RUN, true), T0 + 55 * MIN);
    expect(e.nextCheckAt(T0 + 55 * MIN)).toBe(T0 + 60 * MIN);
  });

  it('when the value settles after the asset started, the window starts at the settle', () => {
    const e = createStuck({ pointId: P, forMs: 10 * MIN, runningPointId: RUN });
    e.update(rd(RUN, true), T0);
    e.update(rd(P, 5), T0 + 3 * MIN);
    expect(e.nextCheckAt(T0 + 3 * MIN)).toBe(T0 + 13 * MIN);
    expect(e.update(rd('pump-1/other', 1), T0)).toBeUndefined();
  });
});
