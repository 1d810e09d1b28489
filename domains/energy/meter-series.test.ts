import { describe, expect, it } from 'vitest';
import { meterSeries, peakDemand, sumRange, sumSeries } from './meter-series.js';
import type { Meter } from './meters.js';
import type { SlotSeries } from './slot-calendar.js';

const N = Number.NaN;

/** A ledger series from values (null = no reading, NaN) and spans (default: 1 where known, 0 where not). */
function series(values: (number | null)[], spans?: number[]): SlotSeries {
  return {
    values: Float64Array.from(values, (v) => (v === null ? N : v)),
    spans: Uint8Array.from(spans ?? values.map((v) => (v === null ? 0 : 1))),
  };
}

const physical = (id: string, pointId: string, factor = 1): Meter => ({
  id,
  name: id,
  medium: 'electricity',
  unit: 'kWh',
  zoneId: 'b1',
  children: [],
  pointId,
  factor,
  add: [],
  subtract: [],
  billing: false,
});

const virtual = (id: string, add: string[], subtract: string[] = []): Meter => ({
  id,
  name: id,
  medium: 'electricity',
  unit: 'kWh',
  zoneId: 'b1',
  children: [],
  factor: 1,
  add,
  subtract,
  billing: false,
});

const plain = (s: SlotSeries | undefined) => ({
  values: [...(s?.values ?? [])],
  spans: [...(s?.spans ?? [])],
});

describe('meterSeries', () => {
  it('a physical meter: the ledger’s slots × its factor, spans as they are', () => {
    const out = meterSeries(
      [physical('wh', 'm/energy_wh', 0.001), physical('mwh', 'n/energy_mwh', 1000)],
      new Map([
        ['m/energy_wh', series([1000, 2500, null, 4000], [1, 1, 0, 2])],
        ['n/energy_mwh', series([0.5, 0, 0.25, null])],
      ]),
      4,
    );
    expect(plain(out.get('wh'))).toEqual({ values: [1, 2.5, N, 4], spans: [1, 1, 0, 2] });
    expect(plain(out.get('mwh'))).toEqual({ values: [500, 0, 250, N], spans: [1, 1, 1, 0] });
  });

  it('a physical meter the ledger has nothing of: all NaN, spans 0', () => {
    const out = meterSeries([physical('m', 'm/energy_kwh')], new Map(), 3);
    expect(plain(out.get('m'))).toEqual({ values: [N, N, N], spans: [0, 0, 0] });
  });

  it('a virtual meter: Σ add − Σ subtract, known only where every part is known over the same span', () => {
    const meters = [
      physical('main', 'main/e'),
      physical('a', 'a/e'),
      physical('b', 'b/e'),
      virtual('rest', ['main'], ['a', 'b']),
    ];
    const ledger = new Map([
      //                 0   1   2     3   4     5
      ['main/e', series([10, 12, null, 20, 8, 9], [1, 1, 0, 2, 1, 1])],
      ['a/e', series([3, 4, null, 6, null, 5], [1, 1, 0, 2, 0, 2])],
      ['b/e', series([1, 2, null, 4, 1, 1], [1, 1, 0, 2, 1, 1])],
    ]);
    const out = meterSeries(meters, ledger, 6);
    // 0: 10 − 3 − 1 = 6; 1: 12 − 4 − 2 = 6; 2: no part known; 3: every part caught up over the same two
    // slots: 20 − 6 − 4 = 10, span 2; 4: a unknown; 5: a catches up over 2 slots, main and b over 1: not
    // comparable (9 − 5 − 1 = 3 would look like a loss), NaN
    expect(plain(out.get('rest'))).toEqual({ values: [6, 6, N, 10, N, N], spans: [1, 1, 0, 2, 0, 0] });
  });

  it('a virtual meter is NaN wherever any one part is NaN', () => {
    const out = meterSeries(
      [physical('x', 'x/e'), physical('y', 'y/e'), virtual('v', ['x', 'y'])],
      new Map([
        ['x/e', series([1, null, 3])],
        ['y/e', series([null, 2, 4])],
      ]),
      3,
    );
    expect(plain(out.get('v'))).toEqual({ values: [N, N, 7], spans: [0, 0, 1] });
  });

  it('nested virtual meters, in any order', () => {
    const meters = [
      virtual('plug', ['non-hvac'], ['f1']), // before the meter it is built on
      virtual('non-hvac', ['main'], ['hvac']),
      physical('main', 'main/e'),
      physical('hvac', 'hvac/e', 1000),
      physical('f1', 'f1/e', 0.001),
      virtual('both', ['hvac', 'f1']),
    ];
    const ledger = new Map([
      ['main/e', series([100, 90, 80])],
      ['hvac/e', series([0.04, 0.03, null])],
      ['f1/e', series([20_000, 25_000, 10_000])],
    ]);
    const out = meterSeries(meters, ledger, 3);
    // hvac: 40, 30, NaN; f1: 20, 25, 10
    expect(plain(out.get('non-hvac'))).toEqual({ values: [60, 60, N], spans: [1, 1, 0] });
    expect(plain(out.get('plug'))).toEqual({ values: [40, 35, N], spans: [1, 1, 0] });
    expect(plain(out.get('both'))).toEqual({ values: [60, 55, N], spans: [1, 1, 0] });
    expect([...out.keys()].sort()).toEqual(['both', 'f1', 'hvac', 'main', 'non-hvac', 'plug']);
  });

  it('a series longer than n is cut to n; a shorter one is NaN past its end', () => {
    const out = meterSeries(
      [physical('m', 'm/e'), physical('s', 's/e')],
      new Map([
        ['m/e', series([1, 2, 3, 4, 5])],
        ['s/e', series([7])],
      ]),
      3,
    );
    expect(plain(out.get('m'))).toEqual({ values: [1, 2, 3], spans: [1, 1, 1] });
    expect(plain(out.get('s'))).toEqual({ values: [7, N, N], spans: [1, 0, 0] });
  });
});

describe('sumSeries', () => {
  it('slot-wise sum, known where all are over the same span; nothing to sum is all NaN', () => {
    const s = sumSeries(
      [series([1, 2, null, 4, 5], [1, 1, 0, 2, 1]), series([10, null, 30, 40, 50], [1, 0, 1, 2, 3])],
      5,
    );
    // 1: one is NaN; 2: the first is; 4: spans 1 and 3
    expect(plain(s)).toEqual({ values: [11, N, N, 44, N], spans: [1, 0, 0, 2, 0] });
    expect(plain(sumSeries([], 2))).toEqual({ values: [N, N], spans: [0, 0] });
  });
});

describe('sumRange', () => {
  const s = series([1, null, 2.5, 0, null, 4]);

  it('Σ of the known values in [from, to) and how many were known', () => {
    expect(sumRange(s, 0, 6)).toEqual({ sum: 7.5, known: 4 });
    expect(sumRange(s, 1, 3)).toEqual({ sum: 2.5, known: 1 }); // from inclusive, to exclusive
    expect(sumRange(s, 3, 4)).toEqual({ sum: 0, known: 1 }); // a metered 0 is known
    expect(sumRange(s, 4, 5)).toEqual({ sum: 0, known: 0 });
    expect(sumRange(s, 2, 2)).toEqual({ sum: 0, known: 0 });
  });
});

describe('peakDemand', () => {
  it('the highest slot × 4 (kWh per 15 min → kW), only slots that follow a reading in the slot before', () => {
    //                   0  1  2     3   4  5
    const s = series([5, 6, null, 30, 7, 6.5], [1, 1, 0, 3, 1, 1]);
    // slot 3 holds 30 kWh over 3 slots (span 3): not a 15-minute demand
    expect(peakDemand(s, 0, 6)).toEqual({ kw: 28, slot: 4 });
    expect(peakDemand(s, 0, 4)).toEqual({ kw: 24, slot: 1 });
    expect(peakDemand(s, 5, 6)).toEqual({ kw: 26, slot: 5 });
    expect(peakDemand(s, 2, 4)).toBeUndefined(); // a gap and a spanning value only
    expect(peakDemand(s, 3, 3)).toBeUndefined();
  });

  it('the first slot wins a tie', () => {
    expect(peakDemand(series([2, 3, 3, 1]), 0, 4)).toEqual({ kw: 12, slot: 1 });
  });
});
