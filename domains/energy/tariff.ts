import { wallTime } from '../../core/time/zoned-time.js';
import type { Band, ElectricityTariff, SeasonConfig } from './energy-schema.js';
import { HOLIDAY, SLOT_MS, type SlotCalendar, type SlotSeries } from './slot-calendar.js';

/** Time-of-use pricing: tariff checks, a per-calendar band plan, and costing slot series against it. */

const QUARTERS = 96;
const RANGE = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/;

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

/** A season's periods as [band, start quarter, end quarter) triples, or the errors that stop that. */
function seasonRanges(
  season: SeasonConfig,
  path: string,
): { ranges: [Band, number, number][]; errors: string[] } {
  const ranges: [Band, number, number][] = [];
  const errors: string[] = [];
  for (const [band, texts] of Object.entries(season.periods) as [Band, string[]][])
    texts.forEach((text, k) => {
      const at = `${path}.periods.${band}[${k}]: ${text}`;
      const m = RANGE.exec(text);
      if (!m) {
        errors.push(`${at} is not HH:MM-HH:MM`);
        return;
      }
      const start = Number(m[1]) * 60 + Number(m[2]);
      const end = Number(m[3]) * 60 + Number(m[4]);
      if (start % 15 || end % 15) errors.push(`${at} is not on the quarter hour (minutes 00, 15, 30 or 45)`);
      else if (end > 1440) errors.push(`${at} ends after 24:00`);
      else if (end <= start) errors.push(`${at} must end after it starts (split a range crossing midnight)`);
      else ranges.push([band, start / 15, end / 15]);
    });
  return { ranges, errors };
}

/** 'peak', 'peak and flat' → the phrase for a stretch of the day in no band or in more than one. */
function coverageProblem(bands: Band[]): string | undefined {
  if (bands.length === 0) return 'is in no band';
  if (bands.length === 1) return undefined;
  if (bands.length === 2)
    return bands[0] === bands[1] ? `is in ${bands[0]} twice` : `is in both ${bands[0]} and ${bands[1]}`;
  return `is in ${bands.join(', ')}`;
}

/**
 * The errors of an electricity tariff, each naming its config path (e.g.
 * `energy.tariffs.electricity.seasons[0].periods: 23:00-24:00 is in no band`); [] when it is valid: every
 * month in exactly one season, each season's periods covering 00:00–24:00 exactly once on the quarter hour,
 * and a price (the season's or the tariff's) for every band a season or the holiday band uses.
 */
export function checkElectricityTariff(t: ElectricityTariff, path = 'energy.tariffs.electricity'): string[] {
  const errors: string[] = [];
  const seasonOf = new Map<number, number>();
  t.seasons.forEach((season, si) => {
    const at = `${path}.seasons[${si}]`;
    for (const month of season.months) {
      const other = seasonOf.get(month);
      if (other === undefined) seasonOf.set(month, si);
      else if (other === si) errors.push(`${at}.months: month ${month} is listed twice`);
      else errors.push(`${at}.months: month ${month} is also in season "${t.seasons[other]!.name}"`);
    }

    const { ranges, errors: rangeErrors } = seasonRanges(season, at);
    errors.push(...rangeErrors);
    // Coverage only makes sense once every range is well formed (else each bad range would also show as a gap).
    if (rangeErrors.length === 0) {
      const cover: Band[][] = Array.from({ length: QUARTERS }, () => []);
      for (const [band, start, end] of ranges) for (let q = start; q < end; q++) cover[q]!.push(band);
      for (let q = 0; q < QUARTERS; ) {
        const key = cover[q]!.join();
        let end = q + 1;
        while (end < QUARTERS && cover[end]!.join() === key) end++;
        const problem = coverageProblem(cover[q]!);
        if (problem) errors.push(`${at}.periods: ${hhmm(q * 15)}-${hhmm(end * 15)} ${problem}`);
        q = end;
      }
    }

    for (const band of Object.keys(season.periods) as Band[])
      if (season.prices?.[band] === undefined && t.prices[band] === undefined)
        errors.push(`${at}.periods.${band}: ${band} has no price (add it to ${path}.prices or ${at}.prices)`);
  });

  const missing: number[] = [];
  for (let month = 1; month <= 12; month++) if (!seasonOf.has(month)) missing.push(month);
  if (missing.length)
    errors.push(
      `${path}.seasons: no season has ${missing.length === 1 ? 'month' : 'months'} ${missing.join(', ')}`,
    );

  const hb = t.holidayBand;
  if (hb !== undefined && t.prices[hb] === undefined) {
    for (const season of t.seasons)
      if (season.prices?.[hb] === undefined)
        errors.push(
          `${path}.holidayBand: ${hb} has no price in season "${season.name}" (add it to ${path}.prices or the season's prices)`,
        );
  }
  return errors;
}

export interface PlanBand {
  season: string;
  band: Band;
  /** Per kWh: the season's price for the band, else the tariff's. */
  price: number;
}

/** The band (and so the price) of every slot of one SlotCalendar under one tariff. */
export interface TariffPlan {
  /** Every season × band the tariff uses (its periods, then the holiday band), in config order. */
  bands: PlanBand[];
  /** Per slot: index into bands. */
  slotBand: Uint8Array;
}

/**
 * Works out once per calendar which season and band every slot is in, so that pricing a meter is a loop
 * over plain arrays. Throws with checkElectricityTariff's errors on an invalid tariff.
 */
export function electricityPlan(t: ElectricityTariff, cal: SlotCalendar): TariffPlan {
  const errors = checkElectricityTariff(t);
  if (errors.length) throw new Error(`invalid electricity tariff:\n${errors.join('\n')}`);
  const bands: PlanBand[] = [];
  const seasonOfMonth: number[] = [];
  // Per season: the plan band of each quarter of the local day, and of a holiday.
  const quarters: Uint8Array[] = [];
  const holiday: (number | undefined)[] = [];
  t.seasons.forEach((season, si) => {
    for (const month of season.months) seasonOfMonth[month] = si;
    const index = new Map<Band, number>();
    const add = (band: Band) => {
      if (!index.has(band)) {
        index.set(band, bands.length);
        bands.push({ season: season.name, band, price: (season.prices?.[band] ?? t.prices[band])! });
      }
      return index.get(band)!;
    };
    const q = new Uint8Array(QUARTERS);
    for (const [band, start, end] of seasonRanges(season, '').ranges) q.fill(add(band), start, end);
    quarters.push(q);
    holiday.push(t.holidayBand === undefined ? undefined : add(t.holidayBand));
  });

  const slotBand = new Uint8Array(cal.n);
  for (const day of cal.days) {
    const si = seasonOfMonth[day.month]!;
    const end = day.firstSlot + day.slots;
    const hb = holiday[si];
    if (day.dayType === HOLIDAY && hb !== undefined) {
      slotBand.fill(hb, day.firstSlot, end);
      continue;
    }
    const q = quarters[si]!;
    // The local quarter of the day: the slot's place in a 96-slot day. On a day the clock changes (or one
    // cut short) ask Intl for each slot (a few hundred calls a year): the change may be half an hour (Lord
    // Howe), which the calendar's per-hour `hour` does not follow.
    if (day.slots === QUARTERS) for (let i = day.firstSlot; i < end; i++) slotBand[i] = q[i - day.firstSlot]!;
    else
      for (let i = day.firstSlot; i < end; i++) {
        const w = wallTime(cal.from + i * SLOT_MS, cal.timeZone);
        slotBand[i] = q[w.hour * 4 + Math.floor(w.minute / 15)]!;
      }
  }
  return { bands, slotBand };
}

export interface BandCost extends PlanBand {
  energy: number;
  cost: number;
}

/**
 * Energy and cost of slots [from, to) of a series. A slot's value (even one spanning earlier gap slots) is
 * priced at its own slot's band; NaN slots are skipped. byBand lists, in plan order, the bands with at least
 * one non-NaN slot in the range (so a band metered at 0 shows, one with no data does not); cost and energy
 * are the sums of byBand's.
 */
export function priceSeries(
  plan: TariffPlan,
  series: SlotSeries,
  from = 0,
  to = series.values.length,
): { cost: number; energy: number; byBand: BandCost[] } {
  const k = plan.bands.length;
  const energy = new Float64Array(k);
  const seen = new Uint8Array(k);
  const { values } = series;
  const { slotBand } = plan;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const b = slotBand[i]!;
    energy[b] = energy[b]! + v;
    seen[b] = 1;
  }
  const byBand: BandCost[] = [];
  let cost = 0;
  let total = 0;
  for (let b = 0; b < k; b++) {
    if (!seen[b]) continue;
    const band = plan.bands[b]!;
    const e = energy[b]!;
    byBand.push({ ...band, energy: e, cost: e * band.price });
    cost += e * band.price;
    total += e;
  }
  return { cost, energy: total, byBand };
}

/** Water and gas: one price per m³. */
export function flatCost(price: number, energy: number): number {
  return price * energy;
}

/** The demand charge for a billing period's peak 15-minute demand; 0 when the tariff has none. */
export function demandCharge(t: ElectricityTariff, peakKw: number): number {
  return (t.demandChargePerKw ?? 0) * peakKw;
}
