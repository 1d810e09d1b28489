import {
  ObjectType as O,
  PropertyIdentifier as P,
  ApplicationTag as T,
  EngineeringUnits as U,
} from '@bacnet-js/client';
import { describe, expect, it } from 'vitest';
import { frameProblem } from '../adapters/bacnet/frame-check.js';
import { planReads } from '../adapters/bacnet/read-plan.js';
import { qualityOf, statusFlags } from '../adapters/bacnet/status.js';
import { hubUnit } from '../adapters/bacnet/units.js';
import { encodeValue, objectKey, parseObjectKey, plainValue } from '../adapters/bacnet/values.js';
import { KNOWN_UNITS } from '../core/units.js';

describe('BACnet units → the hub’s', () => {
  it('maps every unit the hub converts, and percent', () => {
    const mapped = [
      ...[U.WATTS, U.KILOWATTS, U.MEGAWATTS, U.WATT_HOURS, U.KILOWATT_HOURS, U.MEGAWATT_HOURS],
      ...[U.DEGREES_CELSIUS, U.DEGREES_FAHRENHEIT, U.DEGREES_KELVIN, U.PASCALS, U.KILOPASCALS, U.BARS],
      ...[U.MILLILITERS, U.LITERS, U.CUBIC_METERS, U.LITERS_PER_SECOND, U.CUBIC_METERS_PER_HOUR],
      ...[U.VOLTS, U.KILOVOLTS, U.AMPERES, U.MILLIAMPERES, U.SECONDS, U.MINUTES, U.HOURS],
    ].map(hubUnit);
    expect(mapped).toEqual(KNOWN_UNITS);
    expect(hubUnit(U.PERCENT)).toBe('%');
  });

  it('spells others as the site files do, or by their BACnet name; no-units is none', () => {
    expect([U.HERTZ, U.PARTS_PER_MILLION, U.LUXES, U.PERCENT_RELATIVE_HUMIDITY].map(hubUnit)).toEqual([
      'Hz',
      'ppm',
      'lx',
      '%RH',
    ]);
    expect(hubUnit(U.CUBIC_FEET_PER_MINUTE)).toBe('cubic-feet-per-minute');
    expect(hubUnit(U.NO_UNITS)).toBeUndefined();
    expect(hubUnit(60_000)).toBeUndefined();
  });
});

describe('BACnet status flags and reliability → quality', () => {
  const flags = (...bits: number[]) => statusFlags([0, 1, 2, 3].map((b) => bits.includes(b)));

  it('fault or an unreliable value is bad, out of service or overridden uncertain, in alarm good', () => {
    expect(qualityOf(flags())).toEqual({ quality: 'good' });
    expect(qualityOf(flags(0))).toEqual({ quality: 'good' }); // in alarm: the value is right
    expect(qualityOf(flags(1))).toEqual({ quality: 'bad', reason: 'BACnet fault' });
    expect(qualityOf(flags(1), 1)).toEqual({ quality: 'bad', reason: 'BACnet fault: no-sensor' });
    expect(qualityOf(flags(), 2)).toEqual({ quality: 'bad', reason: 'BACnet fault: over-range' });
    expect(qualityOf(flags(3))).toEqual({ quality: 'uncertain', reason: 'BACnet out of service' });
    expect(qualityOf(flags(2))).toEqual({ quality: 'uncertain', reason: 'BACnet overridden' });
    expect(qualityOf(flags(1, 3), 7).quality).toBe('bad'); // the worst wins
    expect(qualityOf(undefined)).toEqual({ quality: 'good' });
  });
});

describe('BACnet values', () => {
  it('names objects as the site file does, and parses them back', () => {
    expect(objectKey({ type: O.ANALOG_INPUT, instance: 3 })).toBe('analog-input:3');
    expect(objectKey({ type: O.MULTI_STATE_VALUE, instance: 1 })).toBe('multi-state-value:1');
    expect(objectKey({ type: 130, instance: 1 })).toBe('130:1');
    expect(parseObjectKey('binary-output:8')).toEqual({ type: O.BINARY_OUTPUT, instance: 8 });
    expect(parseObjectKey('130:1')).toEqual({ type: 130, instance: 1 });
    for (const bad of ['analog-in:1', 'analog-input', 'analog-input:4194304', '1024:1', 'AI1'])
      expect(parseObjectKey(bad)).toBeUndefined();
  });

  it('decodes binary states as booleans and bit strings as bits; encodes writes as the object holds them', () => {
    const enumerated = (value: number) => ({ type: T.ENUMERATED, value });
    expect(plainValue(O.BINARY_OUTPUT, P.PRESENT_VALUE, [enumerated(1)])).toBe(true);
    expect(plainValue(O.ANALOG_INPUT, P.UNITS, [enumerated(62)])).toBe(62);
    expect(
      plainValue(O.ANALOG_INPUT, P.STATUS_FLAGS, [
        { type: T.BIT_STRING, value: { bitsUsed: 4, value: [0b1010] } },
      ]),
    ).toEqual([false, true, false, true]);
    expect(
      plainValue(O.DEVICE, P.OBJECT_LIST, [{ type: T.OBJECTIDENTIFIER, value: { type: 8, instance: 5 } }]),
    ).toEqual([{ type: 8, instance: 5 }]);
    expect(encodeValue(O.BINARY_VALUE, true)).toEqual(enumerated(1));
    expect(encodeValue(O.MULTI_STATE_VALUE, 3)).toEqual({ type: T.UNSIGNED_INTEGER, value: 3 });
    expect(encodeValue(O.ANALOG_OUTPUT, 42.5)).toEqual({ type: T.REAL, value: 42.5 });
    expect(encodeValue(O.ANALOG_OUTPUT, null)).toEqual({ type: T.NULL, value: null });
  });
});

describe('BACnet ReadPropertyMultiple plan', () => {
  const ai = (instance: number) => ({ type: O.ANALOG_INPUT, instance });
  const reads = Array.from({ length: 40 }, (_, i) => ({
    object: ai(i >> 2),
    property: P.PRESENT_VALUE + (i % 4),
  }));

  it('asks everything at once where it fits, and splits to fit a small APDU', () => {
    expect(planReads(reads, 1476)).toHaveLength(1);
    const small = planReads(reads, 128);
    expect(small.length).toBeGreaterThan(3);
    expect(small.flat()).toEqual(reads); // in order, nothing lost
    // 10 octets per value and 7 per object: each request stays within 128 octets less the header
    for (const chunk of small)
      expect(chunk.length * 10 + new Set(chunk.map((r) => r.object)).size * 7).toBeLessThanOrEqual(125);
  });

  it('asks a whole object list alone', () => {
    const device = { type: O.DEVICE, instance: 1 };
    const plan = planReads(
      [
        { object: device, property: P.OBJECT_NAME },
        { object: device, property: P.OBJECT_LIST },
      ],
      480,
    );
    expect(plan.map((c) => c.map((r) => r.property))).toEqual([[P.OBJECT_NAME], [P.OBJECT_LIST]]);
  });
});

describe('BACnet/IP frame check', () => {
  const frame = (...apdu: number[]) => Buffer.from([0x81, 0x0a, 0, 6 + apdu.length, 1, 0, ...apdu]);

  it('takes good frames, and says what is wrong with bad ones', () => {
    expect(frameProblem(frame(0x10, 0x08))).toBeUndefined(); // Who-Is
    expect(frameProblem(Buffer.from([0x81, 0x00, 0, 6, 0, 0]))).toBeUndefined(); // BVLC-Result
    expect(frameProblem(Buffer.from([0x81, 0x04, 0, 12, 127, 0, 0, 1, 0xba, 0xc0, 1, 0x80]))).toBeUndefined();
    expect(frameProblem(Buffer.from('hello'))).toBe('not BACnet/IP (BVLL type is not 0x81)');
    expect(frameProblem(Buffer.from([0x81, 0x0a, 0, 9, 1, 0, 0x10, 0x08]))).toBe(
      'BVLL length 9 but 8 octets came',
    );
    expect(frameProblem(Buffer.from([0x81, 0x0d, 0, 4]))).toBe('unknown BVLC function 13');
    expect(frameProblem(Buffer.from([0x81, 0x0a, 0, 8, 2, 0, 0x10, 0x08]))).toBe('NPDU version 2 is not 1');
    expect(frameProblem(frame())).toBe('NPDU without an APDU');
    expect(frameProblem(frame(0x80))).toBe('unknown PDU type 8');
    expect(frameProblem(frame(0x30, 1))).toBe('APDU of type 3 cut short (2 octets)');
  });
});
