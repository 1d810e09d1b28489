import { EngineeringUnits as U } from '@bacnet-js/client';

/** BACnet engineering units the hub converts (core/units.ts), and a few it shows as they are. */
const HUB_UNITS: Partial<Record<number, string>> = {
  [U.WATTS]: 'W',
  [U.KILOWATTS]: 'kW',
  [U.MEGAWATTS]: 'MW',
  [U.WATT_HOURS]: 'Wh',
  [U.KILOWATT_HOURS]: 'kWh',
  [U.MEGAWATT_HOURS]: 'MWh',
  [U.DEGREES_CELSIUS]: 'degC',
  [U.DEGREES_FAHRENHEIT]: 'degF',
  [U.DEGREES_KELVIN]: 'K',
  [U.PASCALS]: 'Pa',
  [U.KILOPASCALS]: 'kPa',
  [U.BARS]: 'bar',
  [U.MILLILITERS]: 'mL',
  [U.LITERS]: 'L',
  [U.CUBIC_METERS]: 'm3',
  [U.LITERS_PER_SECOND]: 'L/s',
  [U.CUBIC_METERS_PER_HOUR]: 'm3/h',
  [U.VOLTS]: 'V',
  [U.KILOVOLTS]: 'kV',
  [U.AMPERES]: 'A',
  [U.MILLIAMPERES]: 'mA',
  [U.SECONDS]: 's',
  [U.MINUTES]: 'min',
  [U.HOURS]: 'h',
  [U.PERCENT]: '%',
  // not converted by the hub, but the spelling the site files already use
  [U.HERTZ]: 'Hz',
  [U.PARTS_PER_MILLION]: 'ppm',
  [U.MILLIMETERS_PER_SECOND]: 'mm/s',
  [U.PERCENT_RELATIVE_HUMIDITY]: '%RH',
  [U.LUXES]: 'lx',
  [U.REVOLUTIONS_PER_MINUTE]: 'rpm',
};

/**
 * The hub's unit for a BACnet `units` value; any other known unit by its BACnet name (`cubic-feet-per-minute`,
 * which the pipeline will not convert), and undefined for `no-units` or a number the library does not know.
 */
export function hubUnit(units: number): string | undefined {
  if (units === U.NO_UNITS) return undefined;
  const name = U[units] as string | undefined;
  return HUB_UNITS[units] ?? name?.toLowerCase().replaceAll('_', '-');
}
