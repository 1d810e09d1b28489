import { EngineeringUnits } from '@bacnet-js/client';

/** BACnet engineering units the hub converts (core/units.ts), then a few the site files spell as they are. */
const TABLE = `WATTS W  KILOWATTS kW  MEGAWATTS MW  WATT_HOURS Wh  KILOWATT_HOURS kWh  MEGAWATT_HOURS MWh
  DEGREES_CELSIUS degC  DEGREES_FAHRENHEIT degF  DEGREES_KELVIN K  PASCALS Pa  KILOPASCALS kPa  BARS bar
  MILLILITERS mL  LITERS L  CUBIC_METERS m3  LITERS_PER_SECOND L/s  CUBIC_METERS_PER_HOUR m3/h  VOLTS V
  KILOVOLTS kV  AMPERES A  MILLIAMPERES mA  SECONDS s  MINUTES min  HOURS h  PERCENT %
  HERTZ Hz  PARTS_PER_MILLION ppm  MILLIMETERS_PER_SECOND mm/s  PERCENT_RELATIVE_HUMIDITY %RH  LUXES lx`;
const HUB_UNITS = new Map(
  [...TABLE.matchAll(/(\w+) (\S+)/g)].map(([, name, unit]) => [EngineeringUnits[name as 'WATTS'], unit!]),
);

/**
 * The hub's unit for a BACnet `units` value; another unit by its BACnet name (`cubic-feet-per-minute`, which the
 * pipeline does not convert); undefined for `no-units` and numbers the library does not know.
 */
export function hubUnit(units: number): string | undefined {
  const name = units === EngineeringUnits.NO_UNITS ? undefined : EngineeringUnits[units];
  return HUB_UNITS.get(units) ?? name?.toLowerCase().replaceAll('_', '-');
}
