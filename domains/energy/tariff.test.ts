import { describe, expect, it } from 'vitest';
import { Schedule } from '../../core/time/schedule.js';
import type { ElectricityTariff } from './energy-schema.js';
import { dayRange, HOLIDAY, type SlotSeries, slotCalendar } from './slot-calendar.js';
import { checkElectricityTariff, demandCharge, electricityPlan, flatCost, priceSeries } from './tariff.js';

// Prices and energies are chosen so every product and sum is exact in binary floating point.
const tariff: ElectricityTariff = {
  prices: { sharp: 2, peak: 1.25, flat: 0.75, valley: 0.25 },
  seasons: [
    {
      name: 'base',
      months: [1, 2, 3, 4, 5, 6, 9, 10, 11, 12],
      // valley 8 h, peak 4 + 4 h, flat 5 + 3 h: 32 slots each.
      periods: {
        valley: ['00:00-08:00'],
        peak: ['08:00-12:00', '17:00-21:00'],
        flat: ['12:00-17:00', '21:00-24:00'],
      },
    },
    {
      name: 'summer',
      months: [7, 8],
      // valley 7 h (28 slots), flat 4 h (16), sharp 2 h (8), peak 11 h (44).
      periods: {
        valley: ['00:00-07:00'],
        flat: ['07:00-11:00'],
        sharp: ['11:00-13:00'],
        peak: ['13:00-24:00'],
      },
      prices: { valley: 0.5 },
    },
  ],
  holidayBand: 'valley',
};

const variant = (change: (t: ElectricityTariff) => void): ElectricityTariff => {
  const t = structuredClone(tariff);
  change(t);
  return t;
};

const series = (values: number[]): SlotSeries => ({
  values: Float64Array.from(values),
  spans: Uint8Array.from(values, (v) => (Number.isNaN(v) ? 0 : 1)),
});

function calendar(first: string, last: string, tz: string, calendar?: Schedule) {
  const { from, to } = dayRange(first, last, tz);
  return slotCalendar(from, to, tz, calendar ? { calendar } : {});
}

describe('priceSeries', () => {
  it('prices each slot at its band across the period boundaries of a day', () => {
    const cal = calendar('2026-01-14', '2026-01-14', 'Asia/Shanghai');
    const plan = electricityPlan(tariff, cal);
    // 1 kWh a slot: valley 32 × 0.25 = 8, peak 32 × 1.25 = 40, flat 32 × 0.75 = 24 → 72 for 96 kWh.
    expect(priceSeries(plan, series(Array(96).fill(1)))).toEqual({
      cost: 72,
      energy: 96,
      byBand: [
        { season: 'base', band: 'valley', price: 0.25, energy: 32, cost: 8 },
        { season: 'base', band: 'peak', price: 1.25, energy: 32, cost: 40 },
        { season: 'base', band: 'flat', price: 0.75, energy: 32, cost: 24 },
      ],
    });

    // Only the slots either side of each boundary use energy: 07:45 (slot 31) valley 1; 08:00 (32) peak 2;
    // 11:45 (47) peak 4; 12:00 (48) flat 8; 16:45 (67) flat 16; 17:00 (68) peak 32; 20:45 (83) peak 64;
    // 21:00 (84) flat 128. valley 1 × 0.25 = 0.25; peak 102 × 1.25 = 127.5; flat 152 × 0.75 = 114.
    const values = Array(96).fill(0);
    for (const [slot, v] of [
      [31, 1],
      [32, 2],
      [47, 4],
      [48, 8],
      [67, 16],
      [68, 32],
      [83, 64],
      [84, 128],
    ] as const)
      values[slot] = v;
    const r = priceSeries(plan, series(values));
    expect(r.byBand.map((b) => [b.band, b.energy, b.cost])).toEqual([
      ['valley', 1, 0.25],
      ['peak', 102, 127.5],
      ['flat', 152, 114],
    ]);
    expect(r).toMatchObject({ energy: 255, cost: 241.75 });

    // [from, to) = 08:00–12:00: 16 peak slots, 16 × 1.25 = 20.
    expect(priceSeries(plan, series(Array(96).fill(1)), 32, 48)).toEqual({
      cost: 20,
      energy: 16,
      byBand: [{ season: 'base', band: 'peak', price: 1.25, energy: 16, cost: 20 }],
    });
  });

  it('switches season at local midnight', () => {
    const cal = calendar('2026-06-30', '2026-07-01', 'Asia/Shanghai');
    expect(cal.n).toBe(192);
    const plan = electricityPlan(tariff, cal);
    expect(plan.bands[plan.slotBand[95]!]).toEqual({ season: 'base', band: 'flat', price: 0.75 });
    expect(plan.bands[plan.slotBand[96]!]).toEqual({ season: 'summer', band: 'valley', price: 0.5 });
    // June 30 (base): 72 as above. July 1 (summer): valley 28 × 0.5 = 14, flat 16 × 0.75 = 12,
    // sharp 8 × 2 = 16, peak 44 × 1.25 = 55 → 97. Together 169 for 192 kWh.
    const ones = series(Array(192).fill(1));
    expect(priceSeries(plan, ones)).toEqual({
      cost: 169,
      energy: 192,
      byBand: [
        { season: 'base', band: 'valley', price: 0.25, energy: 32, cost: 8 },
        { season: 'base', band: 'peak', price: 1.25, energy: 32, cost: 40 },
        { season: 'base', band: 'flat', price: 0.75, energy: 32, cost: 24 },
        { season: 'summer', band: 'valley', price: 0.5, energy: 28, cost: 14 },
        { season: 'summer', band: 'flat', price: 0.75, energy: 16, cost: 12 },
        { season: 'summer', band: 'sharp', price: 2, energy: 8, cost: 16 },
        { season: 'summer', band: 'peak', price: 1.25, energy: 44, cost: 55 },
      ],
    });
    // 22:00 June 30 – 02:00 July 1: 8 base flat slots (6) and 8 summer valley slots (4).
    expect(priceSeries(plan, ones, 88, 104)).toMatchObject({ cost: 10, energy: 16 });
  });

  it("prices a calendar holiday all day at the holiday band, at its season's price", () => {
    const schedule = new Schedule(
      {
        id: 'cal',
        weekly: {
          mon: ['08:00-18:00'],
          tue: ['08:00-18:00'],
          wed: ['08:00-18:00'],
          thu: ['08:00-18:00'],
          fri: ['08:00-18:00'],
        },
        holidays: ['2026-07-01', '2026-10-01'],
      },
      'Asia/Shanghai',
    );
    const cal = calendar('2026-09-30', '2026-10-01', 'Asia/Shanghai', schedule);
    expect(cal.days.map((d) => d.dayType)).toEqual([3, HOLIDAY]);
    const ones = series(Array(192).fill(1));
    // Sep 30 (a Wednesday): 72. Oct 1: 96 × valley 0.25 = 24. Valley 32 + 96 = 128 kWh → 32.
    expect(priceSeries(electricityPlan(tariff, cal), ones)).toEqual({
      cost: 96,
      energy: 192,
      byBand: [
        { season: 'base', band: 'valley', price: 0.25, energy: 128, cost: 32 },
        { season: 'base', band: 'peak', price: 1.25, energy: 32, cost: 40 },
        { season: 'base', band: 'flat', price: 0.75, energy: 32, cost: 24 },
      ],
    });
    // Without a holiday band the holiday is an ordinary day: 72 + 72.
    const noHolidayBand = variant((t) => delete t.holidayBand);
    expect(priceSeries(electricityPlan(noHolidayBand, cal), ones).cost).toBe(144);
    // July 1 is in summer: 96 × summer valley 0.5 = 48.
    const july = calendar('2026-07-01', '2026-07-01', 'Asia/Shanghai', schedule);
    expect(priceSeries(electricityPlan(tariff, july), series(Array(96).fill(1)))).toMatchObject({
      cost: 48,
      byBand: [{ season: 'summer', band: 'valley', energy: 96, cost: 48 }],
    });
  });

  it('skips NaN gaps, and lists only bands with data', () => {
    const plan = electricityPlan(tariff, calendar('2026-01-14', '2026-01-14', 'Asia/Shanghai'));
    // 08:00–10:00 (slots 32–39, peak) missing: peak 24 × 1.25 = 30, so 8 + 30 + 24 = 62 for 88 kWh.
    const gappy = Array(96).fill(1);
    gappy.fill(Number.NaN, 32, 40);
    expect(priceSeries(plan, series(gappy))).toMatchObject({ cost: 62, energy: 88 });

    // No data in the valley (slots 0–31), 0 in the flat slots, 1 in the peak slots: valley is not listed,
    // flat is (with 0), peak 32 × 1.25 = 40.
    const values = Array(96).fill(0);
    values.fill(Number.NaN, 0, 32);
    for (const [from, to] of [
      [32, 48],
      [68, 84],
    ])
      values.fill(1, from, to);
    expect(priceSeries(plan, series(values))).toEqual({
      cost: 40,
      energy: 32,
      byBand: [
        { season: 'base', band: 'peak', price: 1.25, energy: 32, cost: 40 },
        { season: 'base', band: 'flat', price: 0.75, energy: 0, cost: 0 },
      ],
    });
    expect(priceSeries(plan, series(Array(96).fill(Number.NaN)))).toEqual({ cost: 0, energy: 0, byBand: [] });
  });

  it('bands by local wall time on the days the clock changes', () => {
    const ones = (n: number) => series(Array(n).fill(1));
    // Berlin springs forward at 02:00: 92 slots, 02:00–03:00 missing. Valley is 7 h = 28 slots → 7;
    // peak 40 and flat 24 as usual → 71 for 92 kWh. 08:00 is slot 28 (8 slots before 02:00, 20 after 03:00).
    const spring = calendar('2026-03-29', '2026-03-29', 'Europe/Berlin');
    expect(spring.n).toBe(92);
    const springPlan = electricityPlan(tariff, spring);
    expect(priceSeries(springPlan, ones(92))).toMatchObject({ cost: 71, energy: 92 });
    expect(springPlan.bands[springPlan.slotBand[27]!]!.band).toBe('valley');
    expect(springPlan.bands[springPlan.slotBand[28]!]!.band).toBe('peak');

    // Berlin falls back at 03:00: 100 slots, 02:00–03:00 twice. Valley 9 h = 36 slots → 9; 9 + 64 = 73.
    const autumn = calendar('2026-10-25', '2026-10-25', 'Europe/Berlin');
    expect(autumn.n).toBe(100);
    const autumnPlan = electricityPlan(tariff, autumn);
    expect(priceSeries(autumnPlan, ones(100))).toMatchObject({ cost: 73, energy: 100 });
    expect(autumnPlan.bands[autumnPlan.slotBand[35]!]!.band).toBe('valley');
    expect(autumnPlan.bands[autumnPlan.slotBand[36]!]!.band).toBe('peak');

    // Lord Howe springs forward half an hour (02:00 → 02:30): 94 slots, so a band boundary at 02:45 is
    // not at a whole number of hours from midnight. Valley 00:00–02:30 (8 slots) and 02:30 (slot 8) = 9
    // slots → 2.25; peak 85 → 106.25; 108.5. The next, ordinary day: valley 11 → 2.75, peak 85 → 106.25.
    const quarterly = variant((t) => {
      t.seasons = [
        {
          name: 'all',
          months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
          periods: { valley: ['00:00-02:45'], peak: ['02:45-24:00'] },
        },
      ];
    });
    const lordHowe = calendar('2026-10-04', '2026-10-05', 'Australia/Lord_Howe');
    expect(lordHowe.days.map((d) => d.slots)).toEqual([94, 96]);
    const lhPlan = electricityPlan(quarterly, lordHowe);
    expect(priceSeries(lhPlan, ones(190), 0, 94)).toMatchObject({ cost: 108.5, energy: 94 });
    expect(priceSeries(lhPlan, ones(190), 94, 190)).toMatchObject({ cost: 109, energy: 96 });
  });
});

describe('checkElectricityTariff', () => {
  const P = 'energy.tariffs.electricity';

  it('accepts a valid tariff', () => {
    expect(checkElectricityTariff(tariff)).toEqual([]);
    // A band priced only by its season is priced.
    const seasonPriced = variant((t) => {
      delete t.prices.sharp;
      t.seasons[1]!.prices = { valley: 0.5, sharp: 3 };
    });
    expect(checkElectricityTariff(seasonPriced)).toEqual([]);
  });

  it('names a gap in the periods', () => {
    const t = variant((t) => {
      t.seasons[0]!.periods.flat = ['12:00-17:00', '21:00-23:00'];
    });
    expect(checkElectricityTariff(t)).toEqual([`${P}.seasons[0].periods: 23:00-24:00 is in no band`]);
  });

  it('names an overlap', () => {
    const t = variant((t) => {
      t.seasons[0]!.periods.flat = ['11:00-17:00', '21:00-24:00'];
    });
    expect(checkElectricityTariff(t)).toEqual([
      `${P}.seasons[0].periods: 11:00-12:00 is in both peak and flat`,
    ]);
    const twice = variant((t) => {
      t.seasons[1]!.periods.peak = ['13:00-24:00', '22:00-22:15'];
    });
    expect(checkElectricityTariff(twice)).toEqual([`${P}.seasons[1].periods: 22:00-22:15 is in peak twice`]);
  });

  it('names missing months and months in two seasons', () => {
    const missing = variant((t) => {
      t.seasons[1]!.months = [7];
    });
    expect(checkElectricityTariff(missing)).toEqual([`${P}.seasons: no season has month 8`]);
    const missingTwo = variant((t) => {
      t.seasons[0]!.months = [3, 4, 5, 6, 9, 10, 11, 12];
      t.seasons[1]!.months = [7];
    });
    expect(checkElectricityTariff(missingTwo)).toEqual([`${P}.seasons: no season has months 1, 2, 8`]);
    const both = variant((t) => {
      t.seasons[1]!.months = [6, 7, 8];
    });
    expect(checkElectricityTariff(both)).toEqual([
      `${P}.seasons[1].months: month 6 is also in season "base"`,
    ]);
    const repeated = variant((t) => {
      t.seasons[1]!.months = [7, 8, 7];
    });
    expect(checkElectricityTariff(repeated)).toEqual([`${P}.seasons[1].months: month 7 is listed twice`]);
  });

  it('names a malformed range (and reports no coverage error for it)', () => {
    const off = variant((t) => {
      t.seasons[0]!.periods.peak = ['08:10-12:00', '17:00-21:00'];
    });
    expect(checkElectricityTariff(off)).toEqual([
      `${P}.seasons[0].periods.peak[0]: 08:10-12:00 is not on the quarter hour (minutes 00, 15, 30 or 45)`,
    ]);
    const backwards = variant((t) => {
      t.seasons[0]!.periods.flat = ['12:00-17:00', '24:00-21:00'];
    });
    expect(checkElectricityTariff(backwards)).toEqual([
      `${P}.seasons[0].periods.flat[1]: 24:00-21:00 must end after it starts (split a range crossing midnight)`,
    ]);
    const late = variant((t) => {
      t.seasons[0]!.periods.flat = ['12:00-17:00', '21:00-24:15'];
    });
    expect(checkElectricityTariff(late)).toEqual([
      `${P}.seasons[0].periods.flat[1]: 21:00-24:15 ends after 24:00`,
    ]);
  });

  it('names a band without a price', () => {
    const t = variant((t) => {
      delete t.prices.sharp;
    });
    expect(checkElectricityTariff(t)).toEqual([
      `${P}.seasons[1].periods.sharp: sharp has no price (add it to ${P}.prices or ${P}.seasons[1].prices)`,
    ]);
    const holiday = variant((t) => {
      t.holidayBand = 'deep-valley';
      t.seasons[1]!.prices = { valley: 0.5, 'deep-valley': 0.125 };
    });
    expect(checkElectricityTariff(holiday, 'site.energy')).toEqual([
      `site.energy.holidayBand: deep-valley has no price in season "base" (add it to site.energy.prices or the season's prices)`,
    ]);
  });

  it('stops electricityPlan', () => {
    const t = variant((t) => {
      t.seasons[1]!.months = [7];
    });
    expect(() => electricityPlan(t, calendar('2026-01-14', '2026-01-14', 'Asia/Shanghai'))).toThrow(
      `${P}.seasons: no season has month 8`,
    );
  });
});

describe('flatCost and demandCharge', () => {
  it('multiply', () => {
    expect(flatCost(3.5, 4)).toBe(14);
    expect(demandCharge(tariff, 100)).toBe(0);
    expect(demandCharge({ ...tariff, demandChargePerKw: 38 }, 250)).toBe(9500);
  });
});
