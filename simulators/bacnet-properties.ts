/** The properties of a simulated object: what ReadProperty(Multiple) answers and how WriteProperty changes them. */
import {
  type BACNetAppData,
  ErrorClass,
  ErrorCode,
  EventState,
  PropertyIdentifier as P,
  Reliability,
  StatusFlagsBitString,
  ApplicationTag as T,
} from '@bacnet-js/client';
import { isAnalog, isBinary, presentValue, type SimObject } from './bacnet-models.js';

const ALL = 0xffffffff; // no array index: the whole property
const ARRAYS = new Set<number>([P.OBJECT_LIST, P.PRIORITY_ARRAY, P.STATE_TEXT]);
export const OBJECT_PROPERTIES = [
  ...[P.OBJECT_IDENTIFIER, P.OBJECT_NAME, P.OBJECT_TYPE, P.PRESENT_VALUE, P.STATUS_FLAGS, P.EVENT_STATE],
  ...[P.RELIABILITY, P.OUT_OF_SERVICE, P.UNITS, P.COV_INCREMENT, P.PRIORITY_ARRAY, P.RELINQUISH_DEFAULT],
  ...[P.NUMBER_OF_STATES, P.STATE_TEXT, P.DESCRIPTION],
];

export type Values = BACNetAppData[];
export type Failure = { error: [ErrorClass, ErrorCode] };
export const fail = (cls: ErrorClass, code: ErrorCode): Failure => ({ error: [cls, code] });
export const real = (value: number): BACNetAppData => ({ type: T.REAL, value });
export const uint = (value: number): BACNetAppData => ({ type: T.UNSIGNED_INTEGER, value });
export const enumerated = (value: number): BACNetAppData => ({ type: T.ENUMERATED, value });
export const text = (value: string): BACNetAppData => ({ type: T.CHARACTER_STRING, value });
export const oid = (type: number, instance: number): BACNetAppData => ({
  type: T.OBJECTIDENTIFIER,
  value: { type, instance },
});

/** A property read whole, or one element of an array property (0: its length). */
export function element(values: Values | undefined, property: number, index: number): Values | Failure {
  if (!values) return fail(ErrorClass.PROPERTY, ErrorCode.UNKNOWN_PROPERTY);
  if (index === ALL) return values;
  if (!ARRAYS.has(property)) return fail(ErrorClass.PROPERTY, ErrorCode.PROPERTY_IS_NOT_AN_ARRAY);
  if (index === 0) return [uint(values.length)];
  return index <= values.length
    ? [values[index - 1]!]
    : fail(ErrorClass.PROPERTY, ErrorCode.INVALID_ARRAY_INDEX);
}

/** A property of a (non-device) object, or undefined where the object has none. */
export function objectProperty(o: SimObject, id: number): Values | undefined {
  const fault = o.reliability !== Reliability.NO_FAULT_DETECTED;
  switch (id) {
    case P.OBJECT_IDENTIFIER:
      return [oid(o.type, o.instance)];
    case P.OBJECT_NAME:
      return [text(o.name)];
    case P.OBJECT_TYPE:
      return [enumerated(o.type)];
    case P.DESCRIPTION:
      return o.description === undefined ? undefined : [text(o.description)];
    case P.PRESENT_VALUE:
      return [typed(o, presentValue(o))];
    case P.STATUS_FLAGS:
      return [{ type: T.BIT_STRING, value: new StatusFlagsBitString(...statusBits(o)) }];
    case P.EVENT_STATE:
      return [enumerated(fault ? EventState.FAULT : o.inAlarm ? EventState.OFFNORMAL : EventState.NORMAL)];
    case P.RELIABILITY:
      return [enumerated(o.reliability)];
    case P.OUT_OF_SERVICE:
      return [{ type: T.BOOLEAN, value: o.outOfService }];
    case P.UNITS:
      return o.units === undefined ? undefined : [enumerated(o.units)];
    case P.COV_INCREMENT:
      return o.covIncrement === undefined ? undefined : [real(o.covIncrement)];
    case P.PRIORITY_ARRAY:
      return o.priority?.map((v) => (v === null ? { type: T.NULL, value: null } : typed(o, v)));
    case P.RELINQUISH_DEFAULT:
      return o.relinquishDefault === undefined ? undefined : [typed(o, o.relinquishDefault)];
    case P.NUMBER_OF_STATES:
      return o.stateText && [uint(o.stateText.length)];
    case P.STATE_TEXT:
      return o.stateText?.map(text);
  }
  return undefined;
}

/** A value as the object holds it: REAL, an active/inactive enumeration, or a state number. */
export function typed(o: SimObject, v: number): BACNetAppData {
  return isAnalog(o.type) ? real(v) : isBinary(o.type) ? enumerated(v) : uint(v);
}

/** WriteProperty on an object: out of service, or a command at a priority (NULL relinquishes it). */
export function writeObject(
  o: SimObject,
  property: number,
  data: BACNetAppData,
  priority: number,
): Failure | undefined {
  if (property === P.OUT_OF_SERVICE) {
    if (data.type !== T.BOOLEAN) return fail(ErrorClass.PROPERTY, ErrorCode.INVALID_DATA_TYPE);
    o.outOfService = data.value as boolean;
    return undefined;
  }
  const commanded = property === P.PRESENT_VALUE || property === P.RELINQUISH_DEFAULT;
  if (!commanded) return fail(ErrorClass.PROPERTY, ErrorCode.WRITE_ACCESS_DENIED);
  // an input's present value (or a value object without priorities) may be written only out of service
  if (property === P.RELINQUISH_DEFAULT ? !o.priority : !o.priority && !o.outOfService)
    return fail(ErrorClass.PROPERTY, ErrorCode.WRITE_ACCESS_DENIED);
  const v = accept(o, data);
  if (typeof v === 'object' && v !== null) return v;
  if (v === null && (property !== P.PRESENT_VALUE || !o.priority))
    return fail(ErrorClass.PROPERTY, ErrorCode.INVALID_DATA_TYPE);
  if (property === P.RELINQUISH_DEFAULT) o.relinquishDefault = v!;
  else if (o.priority) o.priority[priority - 1] = v;
  else o.value = v!;
  return undefined;
}

/** The written value if the object can hold it; NULL is null (relinquish). */
function accept(o: SimObject, d: BACNetAppData): number | null | Failure {
  if (d.type === T.NULL) return null;
  const n = d.value as number;
  if (isAnalog(o.type))
    return d.type === T.REAL ||
      d.type === T.DOUBLE ||
      d.type === T.UNSIGNED_INTEGER ||
      d.type === T.SIGNED_INTEGER
      ? n
      : fail(ErrorClass.PROPERTY, ErrorCode.INVALID_DATA_TYPE);
  const wanted = isBinary(o.type) ? T.ENUMERATED : T.UNSIGNED_INTEGER;
  if (d.type !== wanted) return fail(ErrorClass.PROPERTY, ErrorCode.INVALID_DATA_TYPE);
  const max = isBinary(o.type) ? 1 : (o.stateText?.length ?? 1);
  return n >= (isBinary(o.type) ? 0 : 1) && n <= max
    ? n
    : fail(ErrorClass.PROPERTY, ErrorCode.VALUE_OUT_OF_RANGE);
}

export function statusBits(o: SimObject): number[] {
  const bits: number[] = [];
  if (o.inAlarm) bits.push(0);
  if (o.reliability !== Reliability.NO_FAULT_DETECTED) bits.push(1);
  if (o.overridden) bits.push(2);
  if (o.outOfService) bits.push(3);
  return bits;
}
