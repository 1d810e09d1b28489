import { describe, expect, it } from 'vitest';
import type { ZoneConfig } from '../../core/config/site-schema.js';
import { Schedule } from '../../core/time/schedule.js';
import { ScheduleSchema } from '../../core/time/schedule-schema.js';
import { EnergySchema } from './energy-schema.js';
import { meterSeries } from './meter-series.js';
import type { Meter } from './meters.js';
import { buildReport, type ReportWindows } from './report.js';
import { dayRange, type SlotCalendar, type SlotSeries, slotCalendar } from './slot-calendar.js';
import { electricityPlan } from './tariff.js';

/**
 * buildReport over a hand-built calendar and synthetic series whose every figure is worked out by hand.
 *
 * Calendar: 2024-02-01 … 2024-03-31 in Asia/Shanghai (UTC+8, no DST): 29 + 31 days of 96 slots, n = 5760.
 * February is slots [0, 2784), March [2784, 5760) (2976 slots). Working hours: Mon–Fri 08:00–18:00 (40
 * slots a day). March 2024 starts on a Friday: 21 weekdays and 10 weekend days, so 21 × 40 = 840 working
 * slots and 2976 − 840 = 2136 after-hours slots (534 hours).
 *
 * Tariff: valley 00:00–08:00 at 0.3, flat 08:00–24:00 at 0.7 per kWh; demand charge 40 per kW. A day of
 * x kWh per slot costs 32x × 0.3 + 64x × 0.7 = 54.4x. Water 4 per m³. Carbon: 0.5 kg/kWh, 0.2 kg/m³.
 *
 * Meters (building b1 with floor b1-f1, building b2):
 *   main       e-main/energy_kwh (kWh)   b1     Feb 0.8 kWh a slot, Mar 1; Mon 11 Mar 10:00 5 (20 kW)
 *   sub1       e-sub1/energy_wh (Wh)     b1-f1  200 Wh = 0.2 kWh a slot; no reading on Wed 20 Mar, the
 *                                               first reading on the 21st (00:00) catches up: 97 × 0.2 = 19.4
 *   sub2       e-sub2/energy_kwh (kWh)   b1     0.5 a slot; Mon 11 Mar 10:00 4.5 (18 kW)
 *   unmetered  main − sub1 − sub2        b1     Feb 0.1, Mar 0.3 a slot (the spike: 5 − 0.2 − 4.5 = 0.3);
 *                                               NaN on the 20th and at the catch-up (spans 1 and 97 differ)
 *   water      w-main/volume_l (L)       b2     100 L = 0.1 m³ a slot
 */

const TZ = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(`${iso}+08:00`);

const office = new Schedule(
  ScheduleSchema.parse({
    id: 'office',
    weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['08:00-18:00']])),
  }),
  TZ,
);
const { from, to } = dayRange('2024-02-01', '2024-03-31', TZ);
const cal: SlotCalendar = slotCalendar(from, to, TZ, { workingHours: office });

const energy = EnergySchema.parse({
  workingHours: 'office',
  tariffs: {
    electricity: {
      prices: { valley: 0.3, flat: 0.7 },
      seasons: [
        {
          name: 'all year',
          months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
          periods: { valley: ['00:00-08:00'], flat: ['08:00-24:00'] },
        },
      ],
      demandChargePerKw: 40,
    },
    water: { price: 4 },
  },
  carbon: { electricity: 0.5, water: 0.2 },
});
const plan = electricityPlan(energy.tariffs.electricity!, cal);

const zones: ZoneConfig[] = [
  { id: 'b1', name: 'Building 1', kind: 'building' },
  { id: 'b1-f1', name: 'Floor 1', kind: 'floor', parent: 'b1' },
  { id: 'b2', name: 'Building 2', kind: 'building' },
];

const meter = (m: Partial<Meter> & Pick<Meter, 'id' | 'zoneId'>): Meter => ({
  name: m.id.toUpperCase(),
  medium: 'electricity',
  unit: 'kWh',
  children: [],
  factor: 1,
  add: [],
  subtract: [],
  billing: false,
  ...m,
});
const meters: Meter[] = [
  meter({
    id: 'main',
    zoneId: 'b1',
    pointId: 'e-main/energy_kwh',
    children: ['sub1', 'sub2', 'unmetered'],
    billing: true,
  }),
  meter({ id: 'sub1', zoneId: 'b1-f1', pointId: 'e-sub1/energy_wh', factor: 0.001, parentId: 'main' }),
  meter({ id: 'sub2', zoneId: 'b1', pointId: 'e-sub2/energy_kwh', parentId: 'main' }),
  meter({ id: 'unmetered', zoneId: 'b1', parentId: 'main', add: ['main'], subtract: ['sub1', 'sub2'] }),
  meter({
    id: 'water',
    zoneId: 'b2',
    medium: 'water',
    unit: 'm3',
    pointId: 'w-main/volume_l',
    factor: 0.001,
  }),
];

/** Slot of a local date and time (no DST: 96 slots a day). */
function slot(date: string, hh = 0, mm = 0): number {
  const day = cal.days.find((d) => d.date === date);
  if (!day) throw new Error(`${date} not in the calendar`);
  return day.firstSlot + hh * 4 + mm / 15;
}
const P0 = slot('2024-03-01');
const P1 = cal.n;
const SPIKE = slot('2024-03-11', 10);

/** A ledger series: perSlot(slot) each slot, span 1. */
function ledgerSeries(perSlot: (i: number) => number): SlotSeries {
  const values = new Float64Array(cal.n);
  for (let i = 0; i < cal.n; i++) values[i] = perSlot(i);
  return { values, spans: new Uint8Array(cal.n).fill(1) };
}

const main = ledgerSeries((i) => (i === SPIKE ? 5 : i < P0 ? 0.8 : 1));
const sub1 = ledgerSeries(() => 200);
const GAP = slot('2024-03-20');
sub1.values.fill(Number.NaN, GAP, GAP + 96);
sub1.spans.fill(0, GAP, GAP + 96);
sub1.values[GAP + 96] = 97 * 200;
sub1.spans[GAP + 96] = 97;
const sub2 = ledgerSeries((i) => (i === SPIKE ? 4.5 : 0.5));
const water = ledgerSeries(() => 100);

const series = meterSeries(
  meters,
  new Map([
    ['e-main/energy_kwh', main],
    ['e-sub1/energy_wh', sub1],
    ['e-sub2/energy_kwh', sub2],
    ['w-main/volume_l', water],
  ]),
  cal.n,
);

const monthly: ReportWindows = {
  kind: 'monthly',
  label: '2024-03',
  period: [P0, P1],
  previous: [0, P0],
  learn: [0, P0],
  elapsed: P1 - P0,
};
const report = (windows: ReportWindows, zoneId?: string, ms: readonly Meter[] = meters) =>
  buildReport({ cal, windows, meters: ms, series, energy, plan, zones, ...(zoneId ? { zoneId } : {}) });

describe('buildReport: a monthly report over the site', () => {
  const r = report(monthly);
  const row = (id: string) => r.meters.find((m) => m.id === id)!;
  const total = (medium: string) => r.totals.find((t) => t.medium === medium)!;

  it('the period and its calendar', () => {
    expect(cal.n).toBe(5760);
    expect(P0).toBe(2784);
    expect(r).toMatchObject({
      kind: 'monthly',
      period: { label: '2024-03', from: at('2024-03-01T00:00:00'), to: at('2024-04-01T00:00:00') },
      previousPeriod: { from: at('2024-02-01T00:00:00'), to: at('2024-03-01T00:00:00') },
      timezone: TZ,
      currency: 'CNY',
      zone: null,
      name: 'Site',
    });
  });

  it('a physical meter: consumption, time-of-use cost, carbon, peak demand, the month before, the baseline', () => {
    expect(row('main')).toMatchObject({
      name: 'MAIN',
      medium: 'electricity',
      unit: 'kWh',
      zone: 'b1',
      parent: null,
      virtual: false,
      consumption: 2980, // 2976 × 1 + (5 − 1)
      completeness: 1,
      cost: 1689.2, // 31 × 54.4 + 4 × 0.7
      byBand: [
        { season: 'all year', band: 'valley', price: 0.3, energy: 992, cost: 297.6 }, // 31 × 32
        { season: 'all year', band: 'flat', price: 0.7, energy: 1988, cost: 1391.6 }, // 31 × 64 + 4
      ],
      carbonKg: 1490, // 2980 × 0.5
      peakDemandKw: 20, // 5 kWh in 15 min
      peakAt: at('2024-03-11T10:00:00'),
      // February: 2784 × 0.8 = 2227.2, costing 29 × 54.4 × 0.8 = 1262.08
      previous: { consumption: 2227.2, completeness: 1, cost: 1262.08 },
      changePct: 33.8, // (2980 − 2227.2) / 2227.2 = 33.80 %
      // learned from February: 0.8 a slot every hour of every day type → 2976 × 0.8 = 2380.8 expected
      baseline: { expected: 2380.8, actual: 2980, deviationPct: 25.2, coverage: 1 }, // 599.2 / 2380.8
      // 2136 after-hours slots × 1; each of their 534 hours 4 × (1 − 0.8) = 0.8 over the baseline
      afterHours: { consumption: 2136, waste: 427.2 },
    });
  });

  it('a meter in Wh, with a day of no readings and the catch-up after it: completeness (n − 96) / n', () => {
    expect(row('sub1')).toMatchObject({
      zone: 'b1-f1',
      parent: 'main',
      virtual: false,
      consumption: 595.2, // 2879 × 0.2 + 19.4 (the catch-up holds the missing day)
      completeness: 0.9677, // (2976 − 96) / 2976 = 0.96774
      // valley: 29 × 6.4 + 19.4 (priced in its own 00:00 slot) + 31 × 0.2 = 211.2; flat 30 × 12.8 = 384
      cost: 332.16, // 211.2 × 0.3 + 384 × 0.7
      carbonKg: 297.6,
      peakDemandKw: 0.8, // the catch-up spans 97 slots: not a 15-minute demand
      peakAt: at('2024-03-01T00:00:00'),
      previous: { consumption: 556.8, completeness: 1 }, // 2784 × 0.2
      changePct: 6.9, // (595.2 − 556.8) / 556.8 = 6.897 %
    });
  });

  it('the virtual unmetered meter = main − sub-meters, unknown wherever a part is', () => {
    expect(row('unmetered')).toMatchObject({
      parent: 'main',
      virtual: true,
      consumption: 863.7, // (2976 − 97) × 0.3
      completeness: 0.9674, // 2879 / 2976 = 0.96741
      cost: 489.51, // valley (29 × 32 + 31) × 0.3 = 287.7 at 0.3; flat 30 × 64 × 0.3 = 576 at 0.7
      previous: { consumption: 278.4, completeness: 1 }, // 2784 × 0.1
    });
    expect(row('unmetered').peakDemandKw).toBe(1.2); // 0.3 × 4; the spike is the sub-meter's
    expect(row('sub2')).toMatchObject({ consumption: 1492, cost: 846, peakDemandKw: 18 }); // 31 × 27.2 + 2.8
  });

  it('water: a flat price per m³, carbon, no peak demand', () => {
    expect(row('water')).toMatchObject({
      medium: 'water',
      unit: 'm3',
      consumption: 297.6, // 2976 × 100 L
      completeness: 1,
      cost: 1190.4, // × 4
      carbonKg: 59.5, // × 0.2 = 59.52
      previous: { consumption: 278.4, completeness: 1, cost: 1113.6 },
      changePct: 6.9, // 31 / 29 days
      afterHours: { consumption: 213.6, waste: 0 }, // 2136 × 0.1, exactly its baseline
    });
    expect(row('water').peakDemandKw).toBeUndefined();
    expect(row('water').byBand).toBeUndefined();
  });

  it('totals over the main meters only: the sub-meters are not counted twice', () => {
    expect(total('electricity')).toMatchObject({
      unit: 'kWh',
      mainMeters: ['main'],
      consumption: 2980, // not 2980 + 595.2 + 1492 + 863.7
      completeness: 1,
      cost: 2489.2, // 1689.2 + the demand charge
      demandCharge: 800, // main bills: 20 kW × 40
      carbonKg: 1490,
      peakDemandKw: 20,
      peakAt: at('2024-03-11T10:00:00'),
      previous: { consumption: 2227.2, completeness: 1, cost: 1262.08 },
      changePct: 33.8,
      baseline: { expected: 2380.8, actual: 2980, deviationPct: 25.2, coverage: 1 },
      afterHours: { consumption: 2136, waste: 427.2 },
    });
    expect(total('water')).toMatchObject({ mainMeters: ['water'], consumption: 297.6, cost: 1190.4 });
    expect(total('water').demandCharge).toBeUndefined();
    expect(r.totals.map((t) => t.medium)).toEqual(['electricity', 'water']);
    expect(r.cost).toBe(3679.6); // 2489.2 + 1190.4
    expect(r.carbonKg).toBe(1549.5); // 1490 + 59.5
  });

  it('top consumers: the leaf meters, by cost, with their share of their medium’s total', () => {
    expect(r.topConsumers).toEqual([
      {
        meter: 'water',
        name: 'WATER',
        medium: 'water',
        consumption: 297.6,
        unit: 'm3',
        cost: 1190.4,
        sharePct: 100,
      },
      {
        meter: 'sub2',
        name: 'SUB2',
        medium: 'electricity',
        consumption: 1492,
        unit: 'kWh',
        cost: 846,
        sharePct: 50.1,
      },
      {
        meter: 'unmetered',
        name: 'UNMETERED',
        medium: 'electricity',
        consumption: 863.7,
        unit: 'kWh',
        cost: 489.51,
        sharePct: 29, // 863.7 / 2980 = 28.98 %
      },
      {
        meter: 'sub1',
        name: 'SUB1',
        medium: 'electricity',
        consumption: 595.2,
        unit: 'kWh',
        cost: 332.16,
        sharePct: 20, // 595.2 / 2980 = 19.97 %
      },
    ]); // main has children: not a leaf
  });

  it('a section per building', () => {
    expect(r.buildings.map((b) => [b.zone, b.name, b.totals.map((t) => [t.medium, t.consumption])])).toEqual([
      ['b1', 'Building 1', [['electricity', 2980]]],
      ['b2', 'Building 2', [['water', 297.6]]],
    ]);
    expect(r.buildings[0]).toMatchObject({ cost: 2489.2, carbonKg: 1490 });
    expect(r.buildings[0]!.topConsumers.map((t) => t.meter)).toEqual(['sub2', 'unmetered', 'sub1']);
  });

  it('each day of the month over the main meters', () => {
    expect(r.days).toHaveLength(31);
    expect(r.days![0]).toEqual({ date: '2024-03-01', electricity: 96, water: 9.6, gas: null });
    expect(r.days![10]).toEqual({ date: '2024-03-11', electricity: 100, water: 9.6, gas: null });
    expect(r.days![19]).toEqual({ date: '2024-03-20', electricity: 96, water: 9.6, gas: null }); // main read on
  });
});

describe('buildReport: a daily report', () => {
  const monday: ReportWindows = {
    kind: 'daily',
    label: '2024-03-11',
    period: [slot('2024-03-11'), slot('2024-03-12')],
    previous: [slot('2024-03-10'), slot('2024-03-11')],
    learn: [0, P0],
    elapsed: 96,
  };
  const r = report(monday);
  const total = r.totals.find((t) => t.medium === 'electricity')!;

  it('no demand charge: that is a monthly figure', () => {
    expect(total).toMatchObject({
      consumption: 100, // 96 + 4
      cost: 57.2, // 54.4 + 4 × 0.7
      peakDemandKw: 20,
      previous: { consumption: 96 }, // Sunday the 10th
      changePct: 4.2, // 4 / 96 = 4.17 %
      // 96 − 40 = 56 after-hours slots, each 0.2 over the baseline's 0.8
      afterHours: { consumption: 56, waste: 11.2 },
    });
    expect(total.demandCharge).toBeUndefined();
    expect(r.days).toBeUndefined();
    expect(r.period).toEqual({
      label: '2024-03-11',
      from: at('2024-03-11T00:00:00'),
      to: at('2024-03-12T00:00:00'),
    });
  });

  it('the day without readings: a gap, never 0; the catch-up after it spread over it for the baseline', () => {
    const r20 = report({
      ...monday,
      label: '2024-03-20',
      period: [slot('2024-03-20'), slot('2024-03-21')],
      previous: [slot('2024-03-19'), slot('2024-03-20')],
    });
    const sub1Row = r20.meters.find((m) => m.id === 'sub1')!;
    expect(sub1Row).toMatchObject({
      consumption: null,
      completeness: 0,
      cost: null,
      carbonKg: null,
      previous: { consumption: 19.2, completeness: 1, cost: 10.88 }, // 96 × 0.2; 0.2 × 54.4
      changePct: null,
    });
    expect(sub1Row.peakDemandKw).toBeUndefined();
    // the baseline comparison spreads the catch-up on the 21st (97 slots) over the slots it covers
    expect(sub1Row.baseline).toEqual({ expected: 19.2, actual: 19.2, deviationPct: 0, coverage: 1 });
    expect(r20.meters.find((m) => m.id === 'unmetered')).toMatchObject({
      completeness: 0,
      consumption: null,
    });
    // main read on: the building's total is main's
    expect(r20.totals[0]).toMatchObject({ medium: 'electricity', consumption: 96, completeness: 1 });
    expect(r20.topConsumers.find((t) => t.meter === 'sub1')).toMatchObject({
      consumption: null,
      sharePct: null,
    });
  });
});

describe('buildReport: scopes, billing and working hours', () => {
  it('a floor: its top meter is its main meter; the demand charge only on billing meters', () => {
    const r = report(monthly, 'b1-f1');
    expect(r).toMatchObject({ zone: 'b1-f1', name: 'Floor 1', buildings: [] });
    expect(r.meters.map((m) => m.id)).toEqual(['sub1']);
    const t = r.totals[0]!;
    expect(t).toMatchObject({
      medium: 'electricity',
      mainMeters: ['sub1'],
      consumption: 595.2,
      demandCharge: 0,
    });
    expect(t.cost).toBe(332.16);
  });

  it('a building: its meters and totals; the site’s other building is not in it', () => {
    const r = report(monthly, 'b1');
    expect(r.meters.map((m) => m.id)).toEqual(['main', 'sub1', 'sub2', 'unmetered']);
    expect(r.totals.map((t) => [t.medium, t.consumption, t.cost])).toEqual([['electricity', 2980, 2489.2]]);
    expect(r.buildings).toEqual([]);
  });

  it('every billing meter of the scope pays the demand charge on its own peak', () => {
    const billed = meters.map((m) => (m.id === 'sub2' || m.id === 'sub1' ? { ...m, billing: true } : m));
    const r = buildReport({ cal, windows: monthly, meters: billed, series, energy, plan, zones });
    // main 20 kW, sub2 18 kW, sub1 0.8 kW: (20 + 18 + 0.8) × 40 = 1552
    expect(r.totals[0]).toMatchObject({ demandCharge: 1552, cost: 3241.2 }); // + 1689.2
    const floor = buildReport({
      cal,
      windows: monthly,
      meters: billed,
      series,
      energy,
      plan,
      zones,
      zoneId: 'b1-f1',
    });
    expect(floor.totals[0]).toMatchObject({ demandCharge: 32, cost: 364.16 }); // 0.8 × 40 + 332.16
  });

  it('without a billing meter there is no demand charge; without a tariff no cost', () => {
    const unbilled = meters.map((m) => ({ ...m, billing: false }));
    const r = buildReport({ cal, windows: monthly, meters: unbilled, series, energy, plan, zones });
    expect(r.totals[0]).toMatchObject({ demandCharge: 0, cost: 1689.2 });
    const noTariff = buildReport({
      cal,
      windows: monthly,
      meters,
      series,
      energy: { ...energy, tariffs: {} },
      zones,
    });
    expect(noTariff.totals.map((t) => [t.medium, t.cost])).toEqual([
      ['electricity', null],
      ['water', null],
    ]);
    expect(noTariff.totals[0]!.demandCharge).toBeUndefined();
    expect(noTariff.cost).toBe(0);
    expect(noTariff.carbonKg).toBe(1549.5);
  });

  it('without working hours there are no after-hours figures', () => {
    const r = buildReport({
      cal,
      windows: monthly,
      meters,
      series,
      energy: { ...energy, workingHours: undefined },
      plan,
      zones,
    });
    expect(r.meters.every((m) => m.afterHours === null)).toBe(true);
    expect(r.totals.every((t) => t.afterHours === null)).toBe(true);
  });
});
