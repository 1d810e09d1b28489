import { describe, expect, it } from 'vitest';
import { createCompound } from './compound.js';
import { createOffline } from './offline.js';
import { createQuality } from './quality.js';
import { createStateCode } from './state-code.js';
import { createStuck } from './stuck.js';
import { createThreshold } from './threshold.js';

const A = 'chiller-1/chw_supply_temp_c';
const B = 'chiller-1/chw_flow_m3h';
const T0 = Date.parse('2024-03-15T08:00:00Z');
const rd = (pointId: string, value: number) => ({
  reading: { pointId, value, quality: 'good' as const, ts: T0 },
});

const parts = () => [createThreshold({ pointId: A, high: 8 }), createThreshold({ pointId: B, low: 50 })];

describe('compound', () => {
  it('all: active only while every part is', () => {
    const e = createCompound('all', parts());
    expect(e.pointIds).toEqual([A, B]);
    expect(e.update(rd(A, 9), T0)?.active).toBe(false);
    expect(e.update(rd(B, 40), T0)).toMatchObject({
      active: true,
      message: 'chw_supply_temp_c 9 above 8 and chw_flow_m3h 40 below 50',
    });
    expect(e.update(rd(A, 7), T0)).toMatchObject({
      active: false,
      message: 'chw_supply_temp_c 7 within ≤ 8',
    });
  });

  it('any: active while at least one part is', () => {
    const e = createCompound('any', parts());
    expect(e.update(rd(A, 9), T0)).toMatchObject({
      active: true,
      message: 'chw_supply_temp_c 9 above 8',
      value: 9,
    });
    expect(e.update(rd(B, 40), T0)?.active).toBe(true);
    expect(e.update(rd(A, 7), T0)).toMatchObject({ active: true, message: 'chw_flow_m3h 40 below 50' });
    expect(e.update(rd(B, 60), T0)?.active).toBe(false);
  });

  it('ignores inputs no part reads; takes the highest severity of the active parts', () => {
    const e = createCompound('any', [
      createStateCode({ pointId: A, codes: { '1': { message: 'warn', severity: 'low' } } }),
      createStateCode({ pointId: B, codes: { '2': { message: 'trip', severity: 'high' } } }),
    ]);
    expect(e.update(rd('chiller-1/other', 1), T0)).toBeUndefined();
    e.update(rd(A, 1), T0);
    expect(e.current().severity).toBe('low');
    e.update(rd(B, 2), T0);
    expect(e.current().severity).toBe('high');
  });

  it('nextCheckAt is the earliest part’s; check() re-evaluates time-based parts; deviceId from an offline part', () => {
    const e = createCompound('all', [
      createStuck({ pointId: A, forMs: 600_000 }),
      createQuality({ pointId: B, when: 'not-good', forMs: 60_000 }),
      createOffline({ deviceId: 'plc-1' }),
    ]);
    expect(e.deviceId).toBe('plc-1');
    expect(e.nextCheckAt(T0)).toBeUndefined();
    e.update(rd(A, 5), T0);
    e.update({ quality: { pointId: B, quality: 'uncertain', reason: 'x' } }, T0 + 1000);
    expect(e.nextCheckAt(T0 + 1000)).toBe(T0 + 61_000);
    expect(e.check(T0 + 61_000)).toBeUndefined(); // quality active, the rest not
    expect(e.nextCheckAt(T0 + 61_000)).toBe(T0 + 600_000);
    e.update({ device: { deviceId: 'plc-1', online: false } }, T0 + 62_000);
    expect(e.check(T0 + 600_000)?.active).toBe(true);
  });
});
