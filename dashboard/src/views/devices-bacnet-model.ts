import type { BacnetField, BacnetValue } from '../hub-types.js';

/**
 * What the BACnet panels need to know of BACnet itself, written out here (the library would bring its whole
 * codec into the bundle): reliability and segmentation names, the units the hub converts, the priority
 * levels with a standard meaning, which objects are points and which take commands.
 */

/** A property the device gave, or undefined (and its error through fieldError). */
export function field<T>(v: BacnetField<T> | undefined): T | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'error' in v ? undefined : (v as T);
}

export function fieldError(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'error' in v
    ? String((v as { error: unknown }).error)
    : undefined;
}

/** BACnet's Reliability, by number (ASHRAE 135 clause 21; 11 is unused). */
const RELIABILITY = [
  'no-fault-detected',
  'no-sensor',
  'over-range',
  'under-range',
  'open-loop',
  'shorted-loop',
  'no-output',
  'unreliable-other',
  'process-error',
  'multi-state-fault',
  'configuration-error',
  '',
  'communication-failure',
  'member-fault',
  'monitored-object-fault',
  'tripped',
  'lamp-failure',
  'activation-failure',
  'renew-dhcp-failure',
  'renew-fd-registration-failure',
  'restart-auto-negotiation-failure',
  'restart-failure',
  'proprietary-command-failure',
  'faults-listed',
  'referenced-object-fault',
];
export const reliabilityName = (n: number): string => RELIABILITY[n] || `reliability ${n}`;

const SEGMENTATION = ['segmented-both', 'segmented-transmit', 'segmented-receive', 'no-segmentation'];
export const segmentationName = (n: number): string => SEGMENTATION[n] ?? String(n);

/** BACnet EngineeringUnits → the hub's unit, as adapters/bacnet/units.ts maps them. */
const UNITS: Record<number, string> = {
  47: 'W',
  48: 'kW',
  49: 'MW',
  18: 'Wh',
  19: 'kWh',
  146: 'MWh',
  62: 'degC',
  64: 'degF',
  63: 'K',
  53: 'Pa',
  54: 'kPa',
  55: 'bar',
  197: 'mL',
  82: 'L',
  80: 'm3',
  87: 'L/s',
  135: 'm3/h',
  5: 'V',
  6: 'kV',
  3: 'A',
  2: 'mA',
  73: 's',
  72: 'min',
  71: 'h',
  98: '%',
  27: 'Hz',
  96: 'ppm',
  161: 'mm/s',
  29: '%RH',
  37: 'lx',
};
/** The unit's symbol, '' for no-units (95), `#n` for one this table lacks. */
export const unitName = (n: number | undefined): string =>
  n === undefined || n === 95 ? '' : (UNITS[n] ?? `#${n}`);

/** The priority levels with a standard meaning (ASHRAE 135 clause 19.2.1.1); the rest are free. */
export const NAMED_LEVELS = [1, 2, 5, 6, 8, 16] as const;
export type NamedLevel = (typeof NAMED_LEVELS)[number];
export const isNamedLevel = (n: number): n is NamedLevel => (NAMED_LEVELS as readonly number[]).includes(n);

/** The level in force: the first (highest) one that holds a value, or undefined (relinquish default). */
export function activeLevel(levels: readonly BacnetValue[]): number | undefined {
  const i = levels.findIndex((v) => v !== null && v !== undefined);
  return i < 0 ? undefined : i + 1;
}

export const objectType = (key: string): string => key.slice(0, key.lastIndexOf(':'));
export const isBinary = (key: string): boolean => objectType(key).startsWith('binary-');

/** `analog-value:1`, `130:1` (a proprietary type by number), as the hub parses an object. */
export const OBJECT_KEY = /^([a-z-]+|\d+):\d+$/;

/** Object types whose present value makes a point. */
const POINT_TYPES = new Set([
  'analog-input',
  'analog-output',
  'analog-value',
  'binary-input',
  'binary-output',
  'binary-value',
  'multi-state-input',
  'multi-state-output',
  'multi-state-value',
  'accumulator',
  'pulse-converter',
  'loop',
  'integer-value',
  'positive-integer-value',
  'large-analog-value',
]);
export const isPointObject = (key: string): boolean => POINT_TYPES.has(objectType(key));

/** Object types that have a priority array (an output always, a value usually). */
export const isCommandable = (key: string): boolean =>
  /-(output|value)$/.test(objectType(key)) && POINT_TYPES.has(objectType(key));

/** A present value as text: a number as `fmt` says, a binary state in the words given (active, inactive). */
export function valueText(
  v: BacnetValue | undefined,
  fmt: (n: number) => string,
  binary?: { active: string; inactive: string },
): string {
  if (v === null || v === undefined) return '—';
  if (binary && (typeof v === 'boolean' || typeof v === 'number')) return v ? binary.active : binary.inactive;
  if (typeof v === 'number') return fmt(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
