import { ApplicationTag, type BACNetAppData, ObjectType, PropertyIdentifier } from '@bacnet-js/client';

/** An object of a device: its type (ObjectType) and instance, as the library spells it. */
export interface ObjectRef {
  type: number;
  instance: number;
}

/** A property value as plain data: numbers, booleans (binary states, bits), strings, objects, arrays. */
export type PlainValue = number | boolean | string | null | ObjectRef | PlainValue[];

const BINARY = new Set<number>([ObjectType.BINARY_INPUT, ObjectType.BINARY_OUTPUT, ObjectType.BINARY_VALUE]);
const MULTISTATE = new Set<number>([
  ObjectType.MULTI_STATE_INPUT,
  ObjectType.MULTI_STATE_OUTPUT,
  ObjectType.MULTI_STATE_VALUE,
]);
/** The properties that hold the object's value (an active/inactive enumeration on binary objects). */
const VALUE_PROPERTIES = new Set<number>([
  PropertyIdentifier.PRESENT_VALUE,
  PropertyIdentifier.RELINQUISH_DEFAULT,
  PropertyIdentifier.PRIORITY_ARRAY,
]);

/** `analog-input:3`, the spelling of the site file; proprietary types by number (`130:1`). */
export function objectKey(o: ObjectRef): string {
  const name = ObjectType[o.type] as string | undefined;
  return `${name ? name.toLowerCase().replaceAll('_', '-') : o.type}:${o.instance}`;
}

export function parseObjectKey(key: string): ObjectRef | undefined {
  const m = /^([a-z-]+|\d+):(\d+)$/.exec(key.trim());
  if (!m) return undefined;
  const type = /^\d+$/.test(m[1]!)
    ? Number(m[1])
    : (ObjectType as unknown as Record<string, number | undefined>)[m[1]!.toUpperCase().replaceAll('-', '_')];
  const instance = Number(m[2]);
  return type === undefined || type > 1023 || instance > 0x3fffff ? undefined : { type, instance };
}

/**
 * The library's decoded application data → plain values; binary present values become booleans. An array
 * property read whole (`whole`) is always an array, even of one element.
 */
export function plainValue(
  objectType: number,
  property: number,
  data: BACNetAppData[],
  whole = true,
): PlainValue {
  const binary = BINARY.has(objectType) && VALUE_PROPERTIES.has(property);
  const one = (d: BACNetAppData): PlainValue => {
    if (d.type === ApplicationTag.NULL) return null;
    if (d.type === ApplicationTag.BIT_STRING) {
      const bits = d.value as { bitsUsed: number; value: number[] };
      return Array.from(
        { length: bits.bitsUsed },
        (_, i) => ((bits.value[i >> 3] ?? 0) & (1 << (i & 7))) !== 0,
      );
    }
    if (binary && d.type === ApplicationTag.ENUMERATED) return d.value === 1;
    const v = d.value as unknown;
    return typeof v === 'object' && v !== null && 'instance' in v
      ? { ...(v as ObjectRef) }
      : (v as PlainValue);
  };
  const arrays = [
    PropertyIdentifier.PRIORITY_ARRAY,
    PropertyIdentifier.OBJECT_LIST,
    PropertyIdentifier.STATE_TEXT,
  ];
  return data.length === 1 && !(whole && arrays.includes(property)) ? one(data[0]!) : data.map(one);
}

/** A value to write to the object's present value (or relinquish default): the type the object holds. */
export function encodeValue(objectType: number, value: number | boolean | null): BACNetAppData {
  if (value === null) return { type: ApplicationTag.NULL, value: null };
  if (BINARY.has(objectType)) return { type: ApplicationTag.ENUMERATED, value: Number(value) };
  if (MULTISTATE.has(objectType)) return { type: ApplicationTag.UNSIGNED_INTEGER, value: Number(value) };
  if (typeof value === 'boolean') return { type: ApplicationTag.BOOLEAN, value };
  return { type: ApplicationTag.REAL, value };
}
