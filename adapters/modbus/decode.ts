import { type ModbusType, registersOf, type WordOrder } from './modbus-schema.js';

/**
 * Register bytes (as they come off the wire, big-endian per register) → the value, for every type and
 * word order; and back, for writes. Pure functions: the adapter, the simulators and the decode preview
 * share them.
 */

/** The byte permutation that turns wire order into big-endian (ABCD...) order, for `bytes` bytes. */
function toBigEndian(src: Buffer, order: WordOrder): Buffer {
  const n = src.length;
  if (order === 'ABCD' || n <= 1) return src;
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    let j: number;
    if (order === 'DCBA') j = n - 1 - i;
    else if (order === 'BADC') j = i ^ 1;
    else {
      // CDAB: the words in reverse order, each word's bytes as they are
      const word = i >> 1;
      j = (n / 2 - 1 - word) * 2 + (i & 1);
    }
    out[i] = src[j]!;
  }
  return out;
}

/** Big-endian bytes → wire order (the permutations are their own inverses). */
const fromBigEndian = toBigEndian;

/**
 * Wire bytes → the value. `bytes` must hold at least the type's bytes (extra bytes after them are ignored;
 * strings take all of them and need whole registers), else a RangeError; so is a `bit` outside 0–15.
 * Single-register types (bool, int16, uint16) ignore `order`: a register is big-endian on the wire.
 * Floats may come back NaN or ±Infinity (the device sent them; the pipeline rejects non-finite numbers).
 * int64/uint64 beyond ±2^53 come back as the nearest double (Number(bigint) rounding, relative error
 * below 2^-53): a big counter stays usable rather than failing the point; encodeValue refuses them.
 */
export function decodeValue(
  bytes: Buffer,
  type: ModbusType,
  order: WordOrder = 'ABCD',
  bit?: number,
): number | boolean | string {
  if (type === 'string') {
    if (bytes.length % 2 !== 0)
      throw new RangeError(
        `string needs whole registers (an even number of bytes), got ${bytes.length} bytes`,
      );
    // strings: two characters per register; byte swapped (BADC, DCBA) is common on cheap devices
    const b = order === 'BADC' || order === 'DCBA' ? toBigEndian(bytes, 'BADC') : bytes;
    return b.toString('latin1').replace(/[\0 ]+$/, '');
  }
  const size = registersOf(type) * 2;
  if (bytes.length < size)
    throw new RangeError(`${type} needs ${size} bytes (${size / 2} registers), got ${bytes.length}`);
  switch (type) {
    case 'bool':
      if (bit === undefined) return bytes.readUInt16BE(0) !== 0;
      if (!Number.isInteger(bit) || bit < 0 || bit > 15)
        throw new RangeError(`bit must be an integer 0–15, got ${bit}`);
      return ((bytes.readUInt16BE(0) >> bit) & 1) === 1;
    case 'int16':
      return bytes.readInt16BE(0);
    case 'uint16':
      return bytes.readUInt16BE(0);
  }
  // only the type's own bytes: permuting a longer buffer would pull in the bytes after them
  const be = toBigEndian(bytes.subarray(0, size), order);
  switch (type) {
    case 'int32':
      return be.readInt32BE(0);
    case 'uint32':
      return be.readUInt32BE(0);
    case 'float32':
      return be.readFloatBE(0);
    case 'float64':
      return be.readDoubleBE(0);
    case 'int64':
      return Number(be.readBigInt64BE(0));
    case 'uint64':
      return Number(be.readBigUInt64BE(0));
  }
}

/**
 * A value → register bytes in wire order. Throws a RangeError for a value the type cannot hold: an integer
 * out of range or not whole, a float32 beyond its range, a non-finite or blank value, a bool other than
 * true/false/1/0, a string longer than `length` registers or with a character outside latin1.
 */
export function encodeValue(
  value: number | boolean | string,
  type: ModbusType,
  order: WordOrder = 'ABCD',
  length = 1,
): Buffer {
  if (type === 'string') {
    const text = String(value);
    if (text.length > length * 2)
      throw new RangeError(
        `${JSON.stringify(text)} is ${text.length} characters, more than ${length} registers hold (${length * 2})`,
      );
    if (/[\u0100-\uffff]/.test(text))
      throw new RangeError(`${JSON.stringify(text)} has a character outside latin1`);
    const b = Buffer.alloc(length * 2);
    b.write(text, 'latin1');
    return order === 'BADC' || order === 'DCBA' ? toBigEndian(b, 'BADC') : b;
  }
  if (type === 'bool') {
    if (value !== true && value !== false && value !== 1 && value !== 0)
      throw new RangeError(`expected true, false, 1 or 0 for bool, got ${JSON.stringify(value)}`);
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value === true || value === 1 ? 1 : 0);
    return b;
  }
  // Number('') and Number(' ') are 0: a blank string must not become a write of 0
  const n = typeof value === 'string' && value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n))
    throw new RangeError(
      `expected a finite number for ${type}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    );
  const integer = (min: number, max: number) => {
    if (!Number.isInteger(n) || n < min || n > max)
      throw new RangeError(`${n} does not fit ${type} (${min}–${max})`);
  };
  const be = Buffer.alloc(type === 'int16' || type === 'uint16' ? 2 : type.endsWith('64') ? 8 : 4);
  switch (type) {
    case 'int16':
      integer(-32768, 32767);
      be.writeInt16BE(n);
      return be;
    case 'uint16':
      integer(0, 65535);
      be.writeUInt16BE(n);
      return be;
    case 'int32':
      integer(-(2 ** 31), 2 ** 31 - 1);
      be.writeInt32BE(n);
      break;
    case 'uint32':
      integer(0, 2 ** 32 - 1);
      be.writeUInt32BE(n);
      break;
    case 'float32':
      // writeFloatBE would turn a number beyond float32's range into Infinity without a word
      if (!Number.isFinite(Math.fround(n)))
        throw new RangeError(`${n} is beyond the float32 range (±${2 ** 128 - 2 ** 104})`);
      be.writeFloatBE(n);
      break;
    case 'float64':
      be.writeDoubleBE(n);
      break;
    case 'int64':
      integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      be.writeBigInt64BE(BigInt(n));
      break;
    case 'uint64':
      integer(0, Number.MAX_SAFE_INTEGER);
      be.writeBigUInt64BE(BigInt(n));
      break;
  }
  return fromBigEndian(be, order);
}

/** Registers (numbers 0–65535, as modbus-serial returns them) → bytes in wire order. */
export function registersToBytes(registers: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(registers.length * 2);
  for (let i = 0; i < registers.length; i++) b.writeUInt16BE(registers[i]! & 0xffff, i * 2);
  return b;
}

export function bytesToRegisters(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes.readUInt16BE(i));
  return out;
}

/**
 * A float32 as the shortest decimal that is the same float32: 0.95, not its float64 expansion
 * 0.949999988079071. The device meant 0.95; the digits after the ninth are the conversion's, not the meter's.
 */
export function float32Decimal(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let digits = 1; digits < 9; digits++) {
    const d = Number(v.toPrecision(digits));
    if (Math.fround(d) === v) return d;
  }
  return Number(v.toPrecision(9));
}
