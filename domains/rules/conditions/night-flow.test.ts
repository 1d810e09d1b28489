import { describe, expect, it } from 'vitest';
import type { Quality } from '../../../core/model/reading.js';
import { createNightFlow } from './night-flow.js';

const P = 'water-main/flow_m3h';
const TZ = 'Asia/Shanghai';
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+08:00`);
const D1 = '2024-03-15';
const D2 = '2024-03-16';
const rd = (value: number, quality: Quality = 'good') => ({
  reading: { pointId: P, value, quality, ts: 0 },
});
const make = (from = '01:00', to = '04:00') =>
  createNightFlow({ pointId: P, from, to, unit: 'm3/h', timeZone: TZ });

describe('night-flow', () => {
  it('a night where the flow reached zero is normal; judged at the window end (local time)', () => {
    const e = make();
    e.update(rd(0.5), at(D1, '00:30'));
    expect(e.nextCheckAt(at(D1, '00:30'))).toBe(at(D1, '04:00')); // = 2024-03-14T20:00Z
    expect(at(D1, '04:00')).toBe(Date.parse('2024-03-14T20:00:00Z'));
    e.update(rd(0.2), at(D1, '01:30'));
    e.update(rd(0), at(D1, '02:00'));
    e.update(rd(0.3), at(D1, '03:00'));
    expect(e.check(at(D1, '04:00'))).toBeUndefined();
    expect(e.current()).toMatchObject({
      active: false,
      value: 0,
      message: 'flow_m3h night flow reached 0 m3/h (01:00–04:00)',
    });
    expect(e.nextCheckAt(at(D1, '04:00'))).toBe(at(D2, '04:00'));
  });

  it('a night that never reached zero fires at 04:00 and stays through the day; a zero in a later night clears it', () => {
    const e = make();
    e.update(rd(0.4), at(D1, '01:00'));
    e.update(rd(0.35), at(D1, '02:00'));
    e.update(rd(0.5), at(D1, '03:30'));
    expect(e.check(at(D1, '03:59'))).toBeUndefined();
    expect(e.check(at(D1, '04:00'))).toMatchObject({
      active: true,
      value: 0.35,
      message: 'flow_m3h flow never below 0.001 between 01:00 and 04:00 (min 0.35 m3/h): possible leak',
    });
    expect(e.update(rd(0), at(D1, '12:00'))?.active).toBe(true); // a daytime stop does not clear it
    expect(e.update(rd(0.3), at(D2, '01:10'))?.active).toBe(true);
    expect(e.update(rd(0.0005), at(D2, '01:30'))).toMatchObject({ active: false, value: 0.0005 });
    expect(e.check(at(D2, '04:00'))).toBeUndefined();
  });

  it('a flow of exactly zeroBelow is not zero; the value held from before the window counts at its start', () => {
    const edge = make();
    edge.update(rd(0.001), at(D1, '01:00'));
    expect(edge.check(at(D1, '04:00'))?.active).toBe(true);
    const held = make();
    held.update(rd(0), at(D1, '00:50')); // still zero when the window opens
    held.update(rd(0.4), at(D1, '01:30'));
    expect(held.check(at(D1, '04:00'))).toBeUndefined();
    expect(held.current().active).toBe(false);
  });

  it('no readings in the window: does not fire, says no data; an active alert stays', () => {
    const e = make();
    e.update(rd(0.5), at(D1, '00:30'));
    e.update(rd(0.5, 'bad'), at(D1, '02:00')); // bad readings do not count
    expect(e.check(at(D1, '04:00'))).toBeUndefined();
    expect(e.current()).toMatchObject({
      active: false,
      message: 'flow_m3h no data in the 01:00–04:00 night window',
    });
    e.update(rd(0.5), at(D2, '02:00'));
    expect(e.check(at(D2, '04:00'))?.active).toBe(true);
    expect(e.check(at('2024-03-17', '04:00'))).toBeUndefined(); // no data that night
    expect(e.current().active).toBe(true);
    expect(e.current().message).toContain('(no data 01:00–04:00 last night)');
  });

  it('a window across midnight (23:00–02:00)', () => {
    const e = make('23:00', '02:00');
    expect(e.nextCheckAt(at(D1, '22:00'))).toBe(at(D2, '02:00'));
    e.update(rd(1), at(D1, '23:30'));
    expect(e.nextCheckAt(at(D1, '23:30'))).toBe(at(D2, '02:00'));
    e.update(rd(1.2), at(D2, '01:00'));
    expect(e.check(at(D2, '02:00'))).toMatchObject({ active: true, value: 1 });
    expect(e.nextCheckAt(at(D2, '02:00'))).toBe(Date.parse('2024-03-17T02:00:00+08:00'));
  });

  it('rejects a bad window', () => {
    expect(() => make('01:00', '01:00')).toThrow(/differ/);
    expect(() => make('1:00', '04:00')).toThrow(/HH:MM/);
  });
});
