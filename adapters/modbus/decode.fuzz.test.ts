import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from './decode.js';
import { MODBUS_TYPES, type ModbusType, WORD_ORDERS, type WordOrder } from './modbus-schema.js';

/**
 * Property-based fuzzing of the register decoder (14,000 generated cases in all). fast-check picks a fresh
 * seed each run and prints it (with the shrunk counterexample) on failure; replay with `{ seed, path }` in
 * the failing fc.assert.
 *
 * The contract checked here: decodeValue throws only a RangeError, and only for a buffer shorter than the
 * type (a string: an odd number of bytes) or a bool `bit` outside 0–15; otherwise it returns a value of the
 * right JS type, reading only the type's first bytes. Floats may be NaN or ±Infinity (they come off the wire
 * like that; the pipeline rejects non-finite numbers later).
 */

/** Bytes of each fixed-size type: written out here, not taken from the code under test. */
const SIZE: Record<Exclude<ModbusType, 'string'>, number> = {
  bool: 2,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/** What an integer type can decode to (64-bit ones: beyond 2^53 rounded to the nearest double, so 2^63 − 1 → 2^63). */
const INTEGER_RANGE: Record<'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64', [number, number]> =
  {
    int16: [-(2 ** 15), 2 ** 15 - 1],
    uint16: [0, 2 ** 16 - 1],
    int32: [-(2 ** 31), 2 ** 31 - 1],
    uint32: [0, 2 ** 32 - 1],
    int64: [-(2 ** 63), 2 ** 63],
    uint64: [0, 2 ** 64],
  };

/** Wire position → big-endian position, per order and size (an independent oracle for the permutations). */
const PERMUTATION: Record<4 | 8, Record<WordOrder, number[]>> = {
  4: { ABCD: [0, 1, 2, 3], CDAB: [2, 3, 0, 1], BADC: [1, 0, 3, 2], DCBA: [3, 2, 1, 0] },
  8: {
    ABCD: [0, 1, 2, 3, 4, 5, 6, 7],
    CDAB: [6, 7, 4, 5, 2, 3, 0, 1],
    BADC: [1, 0, 3, 2, 5, 4, 7, 6],
    DCBA: [7, 6, 5, 4, 3, 2, 1, 0],
  },
};

/** Big-endian bytes → the wire bytes a device with this order sends. */
function toWire(be: Uint8Array, order: WordOrder): Buffer {
  const p = PERMUTATION[be.length as 4 | 8];
  return Buffer.from(p[order].map((i) => be[i]!));
}

const typeArb = fc.constantFrom(...MODBUS_TYPES);
const orderArb = fc.constantFrom(...WORD_ORDERS);
/** Mostly valid bits, some just outside, some anything at all. */
const bitArb = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 15 }) },
    { weight: 2, arbitrary: fc.integer({ min: -40, max: 40 }) },
    { weight: 1, arbitrary: fc.double() },
  ),
  { freq: 3 },
);
/** Buffers around every type's size: too short, exact, and longer. */
const bytesArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 10 }),
  fc.uint8Array({ minLength: 0, maxLength: 260 }),
);

function isTrimmed(s: string): boolean {
  return s === '' || (s.at(-1) !== '\0' && s.at(-1) !== ' ');
}

describe('decodeValue fuzz: any bytes, type, order and bit', () => {
  it('throws only a RangeError, only when it should; otherwise the right JS type (6,000 runs)', () => {
    fc.assert(
      fc.property(bytesArb, typeArb, orderArb, bitArb, (raw, type, order, bit) => {
        const bytes = Buffer.from(raw);
        const tooShort = type === 'string' ? bytes.length % 2 !== 0 : bytes.length < SIZE[type];
        const badBit = type === 'bool' && bit !== null && !(Number.isInteger(bit) && bit >= 0 && bit <= 15);
        let value: number | boolean | string;
        try {
          value = decodeValue(bytes, type, order, bit ?? undefined);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          expect(tooShort || badBit).toBe(true);
          return;
        }
        expect(tooShort || badBit).toBe(false);
        switch (type) {
          case 'bool':
            expect(typeof value).toBe('boolean');
            break;
          case 'string':
            expect(typeof value).toBe('string');
            expect((value as string).length).toBeLessThanOrEqual(bytes.length);
            expect(isTrimmed(value as string)).toBe(true);
            break;
          case 'float32':
          case 'float64':
            // finite, ±Infinity or NaN: any number; float32 ones are exact float32 values
            expect(typeof value).toBe('number');
            if (type === 'float32') expect(Object.is(Math.fround(value as number), value)).toBe(true);
            break;
          default: {
            expect(typeof value).toBe('number');
            const n = value as number;
            expect(Number.isInteger(n)).toBe(true);
            const [min, max] = INTEGER_RANGE[type];
            expect(n).toBeGreaterThanOrEqual(min);
            expect(n).toBeLessThanOrEqual(max);
          }
        }
        // only the type's own bytes count
        if (type !== 'string') {
          const exact = decodeValue(bytes.subarray(0, SIZE[type]), type, order, bit ?? undefined);
          expect(Object.is(exact, value)).toBe(true);
        }
      }),
      { numRuns: 6_000 },
    );
  });

  it('multi-register types: any bytes a device sends in its order read as the big-endian value (2,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('int32', 'uint32', 'float32', 'int64', 'uint64', 'float64'),
        orderArb,
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (type, order, raw) => {
          const size = SIZE[type];
          const be = Buffer.from(raw.subarray(0, size));
          const expected = {
            int32: () => be.readInt32BE(0),
            uint32: () => be.readUInt32BE(0),
            float32: () => be.readFloatBE(0),
            int64: () => Number(be.readBigInt64BE(0)),
            uint64: () => Number(be.readBigUInt64BE(0)),
            float64: () => be.readDoubleBE(0),
          }[type]();
          expect(Object.is(decodeValue(toWire(be, order), type, order), expected)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('round trip: decodeValue(encodeValue(v)) === v for values that fit (500 runs a type)', () => {
  const RUNS = 500;
  const latin1 = fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c));
  const values: Record<ModbusType, fc.Arbitrary<number | boolean | string>> = {
    bool: fc.boolean(),
    int16: fc.integer({ min: -32768, max: 32767 }),
    uint16: fc.integer({ min: 0, max: 65535 }),
    int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    int64: fc.oneof(fc.maxSafeInteger(), fc.integer()),
    uint64: fc.oneof(fc.maxSafeNat(), fc.nat()),
    // any double within float32's range; what comes back is Math.fround of it
    float32: fc.oneof(
      fc.double({ min: -3.4e38, max: 3.4e38, noNaN: true }),
      fc.float({ noNaN: true, noDefaultInfinity: true }),
    ),
    float64: fc.double({ noNaN: true, noDefaultInfinity: true }),
    string: fc.string({ unit: latin1, maxLength: 20 }),
  };
  const STRING_REGISTERS = 10;

  /** What a string reads back as: trailing NULs and spaces are padding. */
  function trimEnd(s: string): string {
    let end = s.length;
    while (end > 0 && (s[end - 1] === '\0' || s[end - 1] === ' ')) end--;
    return s.slice(0, end);
  }

  for (const type of MODBUS_TYPES) {
    it(type, () => {
      fc.assert(
        fc.property(values[type], orderArb, (v, order) => {
          const bytes = encodeValue(v, type, order, STRING_REGISTERS);
          expect(bytes.length).toBe(type === 'string' ? STRING_REGISTERS * 2 : SIZE[type]);
          const back = decodeValue(bytes, type, order);
          const expected =
            type === 'float32' ? Math.fround(v as number) : type === 'string' ? trimEnd(v as string) : v;
          expect(Object.is(back, expected)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('integers out of range are a RangeError, never a wrapped write (1,000 runs)', () => {
    const limits: [ModbusType, number, number][] = [
      ['int16', -(2 ** 15), 2 ** 15 - 1],
      ['uint16', 0, 2 ** 16 - 1],
      ['int32', -(2 ** 31), 2 ** 31 - 1],
      ['uint32', 0, 2 ** 32 - 1],
      ['int64', -(2 ** 53 - 1), 2 ** 53 - 1],
      ['uint64', 0, 2 ** 53 - 1],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...limits),
        orderArb,
        fc.oneof(fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
        ([type, min, max], order, n) => {
          const fits = Number.isInteger(n) && n >= min && n <= max;
          // === rather than toBe: an integer type has no −0, and −0 fits (as 0)
          if (fits) expect(decodeValue(encodeValue(n, type, order), type, order) === n).toBe(true);
          else expect(() => encodeValue(n, type, order)).toThrow(RangeError);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
