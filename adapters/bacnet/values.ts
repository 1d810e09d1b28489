import {
  type BACNetAppData,
  ObjectType as O,
  PropertyIdentifier as P,
  ApplicationTag as T,
} from '@bacnet-js/client';

/** An object of a device: its type (ObjectType) and instance, as the library spells it. */
export interface ObjectRef {
  type: number;
  instance: number;
}

/** A property value as plain data: numbers, booleans (binary states, bits), strings, object ids, arrays. */
export type PlainValue = number | boolean | string | null | ObjectRef | PlainValue[];

const BINARY = new Set<number>([O.BINARY_INPUT, O.BINARY_OUTPUT, O.BINARY_VALUE]);
const MULTISTATE = new Set<number>([O.MULTI_STATE_INPUT, O.MULTI_STATE_OUTPUT, O.MULTI_STATE_VALUE]);
/** Properties holding the object's value: active/inactive on a binary object. */
const VALUES = new Set<number>([P.PRESENT_VALUE, P.RELINQUISH_DEFAULT, P.PRIORITY_ARRAY]);
const ARRAYS = new Set<number>([P.PRIORITY_ARRAY, P.OBJECT_LIST, P.STATE_TEXT]);

/** `analog-input:3`, the site file's spelling; a proprietary type by its number (`130:1`). */
export function objectKey(o: ObjectRef): string {
  return `${O[o.type]?.toLowerCase().replaceAll('_', '-') ?? o.type}:${o.instance}`;
}

export function parseObjectKey(key: string): ObjectRef | undefined {
  const [, name, instance] = /^([a-z-]+|\d+):(\d+)$/.exec(key.trim()) ?? [];
  const type = /^\d+$/.test(name ?? '')
    ? Number(name)
    : O[name?.toUpperCase().replaceAll('-', '_') as 'DEVICE'];
  return type === undefined || type > 1023 || Number(instance) > 0x3fffff
    ? undefined
    : { type, instance: +instance! };
}

/**
 * The library's decoded data → plain values, binary states as booleans, bit strings as arrays of booleans. An
 * array property read whole (`whole`) stays an array even of one element.
 */
export function plainValue(
  objectType: number,
  property: number,
  data: BACNetAppData[],
  whole = true,
): PlainValue {
  const binary = BINARY.has(objectType) && VALUES.has(property);
  const one = ({ type, value }: BACNetAppData): PlainValue => {
    if (type === T.BIT_STRING) {
      const { bitsUsed, value: bytes } = value as { bitsUsed: number; value: number[] };
      return Array.from({ length: bitsUsed }, (_, i) => ((bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
    }
    if (type === T.OBJECTIDENTIFIER) return { type: value.type, instance: value.instance };
    return binary && type === T.ENUMERATED ? value === 1 : (value as PlainValue);
  };
  return data.length === 1 && !(whole && ARRAYS.has(property)) ? one(data[0]!) : data.map(one);
}

/** A present value to write, typed as the object holds it; null relinquishes. */
export function encodeValue(objectType: number, value: number | boolean | null): BACNetAppData {
  if (value === null) return { type: T.NULL, value: null };
  if (BINARY.has(objectType)) return { type: T.ENUMERATED, value: Number(value) };
  if (MULTISTATE.has(objectType)) return { type: T.UNSIGNED_INTEGER, value: Number(value) };
  return typeof value === 'boolean' ? { type: T.BOOLEAN, value } : { type: T.REAL, value };
}
