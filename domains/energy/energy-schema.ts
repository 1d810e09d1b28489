import { z } from 'zod';
import { idSchema, intIn } from '../../core/config/zod-helpers.js';

/**
 * The site file's `energy:` section: the meter hierarchy (with virtual meters), tariffs, the calendar and
 * working hours the baselines and reports use, and the carbon factors. Cross-references (points, zones,
 * schedules, meter ids) and tariff coverage are checked by check-energy.ts once the whole site is known.
 */

export const MEDIA = ['electricity', 'water', 'gas'] as const;
export type Medium = (typeof MEDIA)[number];

/** Time-of-use bands as Chinese enterprise tariffs name them: 尖峰, 高峰, 平段, 低谷, 深谷. */
export const BANDS = ['sharp', 'peak', 'flat', 'valley', 'deep-valley'] as const;
export type Band = (typeof BANDS)[number];

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const rangeSchema = z.string().regex(RANGE, { error: 'expected HH:MM-HH:MM (24:00 for the end of the day)' });

const price = z.number({ error: 'expected a price ≥ 0' }).min(0, { error: 'expected a price ≥ 0' });
const pricesSchema = z.partialRecord(z.enum(BANDS), price);

/** One season of a time-of-use tariff: the months it applies to and which band each time of day is in. */
export const SeasonSchema = z.strictObject({
  name: z.string().min(1),
  months: z.array(intIn(1, 12)).min(1, { error: 'expected at least one month (1–12)' }),
  /** Band → local time ranges, e.g. { peak: ['08:00-11:00', '18:00-23:00'], valley: ['00:00-08:00'] }. */
  periods: z.partialRecord(z.enum(BANDS), z.array(rangeSchema).min(1)),
  /** This season's prices, where they differ from the tariff's. */
  prices: pricesSchema.optional(),
});

export const ElectricityTariffSchema = z.strictObject({
  /** Price per kWh by band (currency units). */
  prices: pricesSchema,
  /** Every month in exactly one season; each season's periods cover the day once, on the quarter hour. */
  seasons: z.array(SeasonSchema).min(1),
  /** Days the calendar marks as holidays are priced all day at this band (when the tariff says so). */
  holidayBand: z.enum(BANDS).optional(),
  /** Per kW of the month's highest 15-minute demand on the billing meters (基本电费, 按需量). */
  demandChargePerKw: price.optional(),
});

export const FlatTariffSchema = z.strictObject({
  /** Price per m³. */
  price,
});

export const MeterSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).optional(),
  /** A physical meter: its counter point (`asset-id/point-name`). */
  point: z.string().min(3).optional(),
  /** A virtual meter: the sum of these meters minus those (e.g. a building's total minus its sub-meters). */
  add: z.array(idSchema).optional(),
  subtract: z.array(idSchema).optional(),
  /** The meter this one is a sub-meter of (the hierarchy: site → building → floor/system). */
  parent: idSchema.optional(),
  /** The zone it serves; default: its asset's zone, or a virtual meter's first part's. */
  zone: idSchema.optional(),
  /** Electricity (kWh), water or gas (m³); default: from its asset's kind, or a virtual meter's parts. */
  medium: z.enum(MEDIA).optional(),
  /** The demand charge applies to it; default: electricity meters at the top of the hierarchy. */
  billing: z.boolean().optional(),
});

export const EnergySchema = z.strictObject({
  /** The meter hierarchy; default: every meter asset's counter, each on its own. */
  meters: z.array(MeterSchema).optional(),
  /** A schedule whose holidays and extra workdays (调休) shape the baselines and the holiday band. */
  calendar: idSchema.optional(),
  /** The working hours (a schedule): energy used while it is off is after-hours use. */
  workingHours: idSchema.optional(),
  currency: z.string().min(1).max(8).default('CNY'),
  tariffs: z
    .strictObject({
      electricity: ElectricityTariffSchema.optional(),
      water: FlatTariffSchema.optional(),
      gas: FlatTariffSchema.optional(),
    })
    .prefault({}),
  /** kg CO₂e per kWh (grid emission factor) or per m³. */
  carbon: z
    .strictObject({
      electricity: z.number().min(0).optional(),
      water: z.number().min(0).optional(),
      gas: z.number().min(0).optional(),
    })
    .prefault({}),
  /** Weeks of history a baseline learns from. */
  baselineWeeks: intIn(1, 12).default(4),
  /** Days of 15-minute consumption the hub keeps ready for reports (built from history at start). */
  warmDays: intIn(1, 400).default(62),
});

export type EnergyConfig = z.infer<typeof EnergySchema>;
export type MeterConfig = z.infer<typeof MeterSchema>;
export type ElectricityTariff = z.infer<typeof ElectricityTariffSchema>;
export type SeasonConfig = z.infer<typeof SeasonSchema>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    /** Meters, tariffs, baselines and carbon. */
    energy: EnergyConfig;
  }
}
