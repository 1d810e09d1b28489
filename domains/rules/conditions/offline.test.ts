import { describe, expect, it } from 'vitest';
import { createOffline } from './offline.js';

const T0 = Date.parse('2024-03-15T08:00:00Z');
const dev = (online: boolean, deviceId = 'plc-1') => ({ device: { deviceId, online } });

describe('offline', () => {
  it('reads the device, no points', () => {
    const e = createOffline({ deviceId: 'plc-1', label: 'chiller-1' });
    expect(e.pointIds).toEqual([]);
    expect(e.deviceId).toBe('plc-1');
    expect(e.current()).toEqual({ active: false, message: 'chiller-1 online' });
  });

  it('forMs 0: active at once, clears when back online', () => {
    const e = createOffline({ deviceId: 'plc-1' });
    expect(e.update(dev(false), T0)).toMatchObject({ active: true, message: 'plc-1 offline for 0 s' });
    expect(e.update(dev(true), T0 + 5000)?.active).toBe(false);
    expect(e.update(dev(false, 'plc-2'), T0)).toBeUndefined();
  });

  it('with forMs: pending until then; back online inside it cancels', () => {
    const e = createOffline({ deviceId: 'plc-1', forMs: 120_000 });
    e.update(dev(false), T0);
    expect(e.nextCheckAt(T0)).toBe(T0 + 120_000);
    e.update(dev(true), T0 + 60_000);
    expect(e.nextCheckAt(T0 + 60_000)).toBeUndefined();
    e.update(dev(false), T0 + 70_000);
    // A repeated offline does not restart the window.
    e.update(dev(false), T0 + 100_000);
    expect(e.nextCheckAt(T0 + 100_000)).toBe(T0 + 190_000);
    expect(e.check(T0 + 189_999)).toBeUndefined();
    expect(e.check(T0 + 190_000)).toMatchObject({ active: true, message: 'plc-1 offline for 120 s' });
  });
});
