import { describe, expect, it } from 'vitest';
import { bytesToRegisters, decodeValue, encodeValue, float32Decimal, registersToBytes } from './decode.js';
import { MODBUS_TYPES, type ModbusType, WORD_ORDERS, type WordOrder } from './modbus-schema.js';

/**
 * The decoder against byte patterns written out by hand (never computed with the code under test). Bytes are
 * in wire order: each register big-endian, registers in address order; `hex('4366 0000')` is the registers
 * 0x4366, 0x0000.
 *
 * Naming the bytes of the value A (most significant) … D (… H for 64 bits):
 *   ABCD  A B C D            AB CD EF GH   big-endian, the Modbus default
 *   CDAB  C D A B            GH EF CD AB   words in reverse order
 *   BADC  B A D C            BA DC FE HG   bytes swapped in each word
 *   DCBA  D C B A            HG FE DC BA   all bytes reversed (little-endian)
 */

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** One value and its wire bytes in each of the four orders. */
interface Case {
  value: number;
  ABCD: string;
  CDAB: string;
  BADC: string;
  DCBA: string;
}

const CASES: Record<'int32' | 'uint32' | 'float32' | 'int64' | 'uint64' | 'float64', Case[]> = {
  int32: [
    { value: 0, ABCD: '0000 0000', CDAB: '0000 0000', BADC: '0000 0000', DCBA: '0000 0000' },
    { value: 1, ABCD: '0000 0001', CDAB: '0001 0000', BADC: '0000 0100', DCBA: '0100 0000' },
    { value: -1, ABCD: 'ffff ffff', CDAB: 'ffff ffff', BADC: 'ffff ffff', DCBA: 'ffff ffff' },
    { value: 305419896, ABCD: '1234 5678', CDAB: '5678 1234', BADC: '3412 7856', DCBA: '7856 3412' },
    { value: -305419896, ABCD: 'edcb a988', CDAB: 'a988 edcb', BADC: 'cbed 88a9', DCBA: '88a9 cbed' },
    { value: 2147483647, ABCD: '7fff ffff', CDAB: 'ffff 7fff', BADC: 'ff7f ffff', DCBA: 'ffff ff7f' },
    { value: -2147483648, ABCD: '8000 0000', CDAB: '0000 8000', BADC: '0080 0000', DCBA: '0000 0080' },
  ],
  uint32: [
    { value: 0, ABCD: '0000 0000', CDAB: '0000 0000', BADC: '0000 0000', DCBA: '0000 0000' },
    { value: 65536, ABCD: '0001 0000', CDAB: '0000 0001', BADC: '0100 0000', DCBA: '0000 0100' },
    { value: 305419896, ABCD: '1234 5678', CDAB: '5678 1234', BADC: '3412 7856', DCBA: '7856 3412' },
    { value: 3735928559, ABCD: 'dead beef', CDAB: 'beef dead', BADC: 'adde efbe', DCBA: 'efbe adde' },
    { value: 2147483648, ABCD: '8000 0000', CDAB: '0000 8000', BADC: '0080 0000', DCBA: '0000 0080' },
    { value: 4294967295, ABCD: 'ffff ffff', CDAB: 'ffff ffff', BADC: 'ffff ffff', DCBA: 'ffff ffff' },
  ],
  float32: [
    { value: 230, ABCD: '4366 0000', CDAB: '0000 4366', BADC: '6643 0000', DCBA: '0000 6643' },
    { value: -1.5, ABCD: 'bfc0 0000', CDAB: '0000 bfc0', BADC: 'c0bf 0000', DCBA: '0000 c0bf' },
    { value: 1234.5, ABCD: '449a 5000', CDAB: '5000 449a', BADC: '9a44 0050', DCBA: '0050 9a44' },
    // 0.1 is not a float32: the nearest one, Math.fround(0.1)
    {
      value: 0.10000000149011612,
      ABCD: '3dcc cccd',
      CDAB: 'cccd 3dcc',
      BADC: 'cc3d cdcc',
      DCBA: 'cdcc cc3d',
    },
    { value: 49.97999954223633, ABCD: '4247 eb85', CDAB: 'eb85 4247', BADC: '4742 85eb', DCBA: '85eb 4742' },
    // the largest float32 and the smallest subnormal one
    {
      value: 3.4028234663852886e38,
      ABCD: '7f7f ffff',
      CDAB: 'ffff 7f7f',
      BADC: '7f7f ffff',
      DCBA: 'ffff 7f7f',
    },
    {
      value: 1.401298464324817e-45,
      ABCD: '0000 0001',
      CDAB: '0001 0000',
      BADC: '0000 0100',
      DCBA: '0100 0000',
    },
    { value: 0, ABCD: '0000 0000', CDAB: '0000 0000', BADC: '0000 0000', DCBA: '0000 0000' },
    { value: -0, ABCD: '8000 0000', CDAB: '0000 8000', BADC: '0080 0000', DCBA: '0000 0080' },
  ],
  int64: [
    {
      value: 0,
      ABCD: '0000 0000 0000 0000',
      CDAB: '0000 0000 0000 0000',
      BADC: '0000 0000 0000 0000',
      DCBA: '0000 0000 0000 0000',
    },
    {
      value: 1,
      ABCD: '0000 0000 0000 0001',
      CDAB: '0001 0000 0000 0000',
      BADC: '0000 0000 0000 0100',
      DCBA: '0100 0000 0000 0000',
    },
    {
      value: -1,
      ABCD: 'ffff ffff ffff ffff',
      CDAB: 'ffff ffff ffff ffff',
      BADC: 'ffff ffff ffff ffff',
      DCBA: 'ffff ffff ffff ffff',
    },
    {
      value: 5124095576030430, // 0x0012_3456_789a_bcde: every byte different
      ABCD: '0012 3456 789a bcde',
      CDAB: 'bcde 789a 3456 0012',
      BADC: '1200 5634 9a78 debc',
      DCBA: 'debc 9a78 5634 1200',
    },
    {
      value: -305419896, // 0xffff_ffff_edcb_a988
      ABCD: 'ffff ffff edcb a988',
      CDAB: 'a988 edcb ffff ffff',
      BADC: 'ffff ffff cbed 88a9',
      DCBA: '88a9 cbed ffff ffff',
    },
    {
      value: 9007199254740991, // 2^53 − 1, Number.MAX_SAFE_INTEGER
      ABCD: '001f ffff ffff ffff',
      CDAB: 'ffff ffff ffff 001f',
      BADC: '1f00 ffff ffff ffff',
      DCBA: 'ffff ffff ffff 1f00',
    },
    {
      value: -9007199254740991, // −(2^53 − 1) = 0xffe0_0000_0000_0001
      ABCD: 'ffe0 0000 0000 0001',
      CDAB: '0001 0000 0000 ffe0',
      BADC: 'e0ff 0000 0000 0100',
      DCBA: '0100 0000 0000 e0ff',
    },
  ],
  uint64: [
    {
      value: 0,
      ABCD: '0000 0000 0000 0000',
      CDAB: '0000 0000 0000 0000',
      BADC: '0000 0000 0000 0000',
      DCBA: '0000 0000 0000 0000',
    },
    {
      value: 4294967296, // 2^32
      ABCD: '0000 0001 0000 0000',
      CDAB: '0000 0000 0001 0000',
      BADC: '0000 0100 0000 0000',
      DCBA: '0000 0000 0100 0000',
    },
    {
      value: 5124095576030430,
      ABCD: '0012 3456 789a bcde',
      CDAB: 'bcde 789a 3456 0012',
      BADC: '1200 5634 9a78 debc',
      DCBA: 'debc 9a78 5634 1200',
    },
    {
      value: 9007199254740991,
      ABCD: '001f ffff ffff ffff',
      CDAB: 'ffff ffff ffff 001f',
      BADC: '1f00 ffff ffff ffff',
      DCBA: 'ffff ffff ffff 1f00',
    },
  ],
  float64: [
    {
      value: 230, // 0x406c_c000_0000_0000
      ABCD: '406c c000 0000 0000',
      CDAB: '0000 0000 c000 406c',
      BADC: '6c40 00c0 0000 0000',
      DCBA: '0000 0000 00c0 6c40',
    },
    {
      value: 0.1, // 0x3fb9_9999_9999_999a
      ABCD: '3fb9 9999 9999 999a',
      CDAB: '999a 9999 9999 3fb9',
      BADC: 'b93f 9999 9999 9a99',
      DCBA: '9a99 9999 9999 b93f',
    },
    {
      value: -2.5,
      ABCD: 'c004 0000 0000 0000',
      CDAB: '0000 0000 0000 c004',
      BADC: '04c0 0000 0000 0000',
      DCBA: '0000 0000 0000 04c0',
    },
    {
      value: 3.512700564088504e-303, // 0x0123_4567_89ab_cdef: every byte different
      ABCD: '0123 4567 89ab cdef',
      CDAB: 'cdef 89ab 4567 0123',
      BADC: '2301 6745 ab89 efcd',
      DCBA: 'efcd ab89 6745 2301',
    },
  ],
};

describe('decodeValue and encodeValue: multi-register types in every word order', () => {
  for (const [type, cases] of Object.entries(CASES) as [keyof typeof CASES, Case[]][]) {
    describe(type, () => {
      for (const c of cases) {
        for (const order of WORD_ORDERS) {
          it(`${c.value} ${order} = ${c[order]}`, () => {
            expect(decodeValue(hex(c[order]), type, order)).toBe(c.value);
            expect(encodeValue(c.value, type, order).toString('hex')).toBe(hex(c[order]).toString('hex'));
          });
        }
      }
    });
  }

  it('ABCD is the default order', () => {
    expect(decodeValue(hex('4366 0000'), 'float32')).toBe(230);
    expect(encodeValue(230, 'float32').toString('hex')).toBe('43660000');
  });

  it('the classic symptom: 230 V from a word-swapped (CDAB) meter read as ABCD is 2.4e-41, not 230', () => {
    // The meter sends [0x0000, 0x4366]; read big-endian that is 0x00004366, a subnormal float32:
    // 0x4366 × 2^-149 ≈ 2.4178e-41. (Any "230 V reads as ~1e-41" is this: the exponent bits are zero.)
    const wire = hex('0000 4366');
    const wrong = decodeValue(wire, 'float32', 'ABCD');
    expect(wrong).toBe(0x4366 * 2 ** -149);
    expect(wrong).toBeCloseTo(2.4178e-41, 44);
    expect(decodeValue(wire, 'float32', 'CDAB')).toBe(230);
    // and the other wrong guesses for the same bytes
    expect(decodeValue(wire, 'float32', 'DCBA')).toBe(2.302153660398952e23);
    expect(decodeValue(wire, 'float32', 'BADC')).toBe(0x6643 * 2 ** -149); // 3.67e-41
    // the other way round: a big-endian meter read as word-swapped
    expect(decodeValue(hex('4366 0000'), 'float32', 'CDAB')).toBe(0x4366 * 2 ** -149);
  });

  it('a byte-swapped (BADC) meter read as ABCD gives a huge number', () => {
    expect(decodeValue(hex('6643 0000'), 'float32', 'ABCD')).toBe(2.302153660398952e23);
    expect(decodeValue(hex('6643 0000'), 'float32', 'BADC')).toBe(230);
  });

  it('int32: a word-swapped counter read as ABCD', () => {
    // 70000 = 0x0001_1170; CDAB sends 1170 0001
    expect(decodeValue(hex('1170 0001'), 'uint32', 'CDAB')).toBe(70000);
    expect(decodeValue(hex('1170 0001'), 'uint32', 'ABCD')).toBe(0x1170_0001);
  });
});

describe('float32/float64: what the wire may carry', () => {
  it('NaN and ±Infinity come back as they are (the pipeline rejects non-finite numbers later)', () => {
    for (const order of WORD_ORDERS) {
      const swap = (abcd: string) =>
        ({
          ABCD: abcd,
          CDAB: abcd.slice(4) + abcd.slice(0, 4),
          BADC: abcd.slice(2, 4) + abcd.slice(0, 2) + abcd.slice(6, 8) + abcd.slice(4, 6),
          DCBA: abcd.slice(6, 8) + abcd.slice(4, 6) + abcd.slice(2, 4) + abcd.slice(0, 2),
        })[order];
      expect(decodeValue(hex(swap('7fc00000')), 'float32', order)).toBeNaN();
      expect(decodeValue(hex(swap('ffffffff')), 'float32', order)).toBeNaN();
      expect(decodeValue(hex(swap('7f800000')), 'float32', order)).toBe(Number.POSITIVE_INFINITY);
      expect(decodeValue(hex(swap('ff800000')), 'float32', order)).toBe(Number.NEGATIVE_INFINITY);
    }
    expect(decodeValue(hex('7ff8 0000 0000 0000'), 'float64', 'ABCD')).toBeNaN();
    expect(decodeValue(hex('7ff0 0000 0000 0000'), 'float64', 'ABCD')).toBe(Number.POSITIVE_INFINITY);
    expect(decodeValue(hex('0000 0000 0000 fff0'), 'float64', 'CDAB')).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeValue(hex('0000 0000 0000 f07f'), 'float64', 'DCBA')).toBe(Number.POSITIVE_INFINITY);
    expect(decodeValue(hex('f07f 0000 0000 0000'), 'float64', 'BADC')).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('int64/uint64 beyond 2^53: the nearest double, never an error', () => {
  // Decision: decodeValue returns Number(bigint), rounded to the nearest double (ties to even). A 64-bit
  // energy counter stays usable (relative error < 2^-53, far below any meter's accuracy) instead of failing
  // the point. Results are still whole numbers. encodeValue refuses such values: a write must be exact.
  it('rounds to the nearest double, ties to even', () => {
    expect(decodeValue(hex('0020 0000 0000 0000'), 'uint64', 'ABCD')).toBe(9007199254740992); // 2^53 exact
    expect(decodeValue(hex('0020 0000 0000 0001'), 'uint64', 'ABCD')).toBe(9007199254740992); // 2^53+1 → 2^53
    expect(decodeValue(hex('0020 0000 0000 0003'), 'uint64', 'ABCD')).toBe(9007199254740996); // 2^53+3 → +4
    expect(decodeValue(hex('0123 4567 89ab cdef'), 'uint64', 'ABCD')).toBe(81985529216486900);
    expect(decodeValue(hex('0123 4567 89ab cdef'), 'int64', 'ABCD')).toBe(81985529216486900);
    expect(Number.isInteger(decodeValue(hex('0123 4567 89ab cdef'), 'uint64', 'ABCD'))).toBe(true);
  });

  it('the extremes', () => {
    expect(decodeValue(hex('ffff ffff ffff ffff'), 'uint64', 'ABCD')).toBe(2 ** 64); // 18446744073709551615 rounds up
    expect(decodeValue(hex('8000 0000 0000 0000'), 'int64', 'ABCD')).toBe(-(2 ** 63)); // exact
    expect(decodeValue(hex('7fff ffff ffff ffff'), 'int64', 'ABCD')).toBe(2 ** 63); // 2^63 − 1 rounds up
    expect(decodeValue(hex('8000 0000 0000 0000'), 'uint64', 'ABCD')).toBe(2 ** 63);
    // the same in the other orders
    expect(decodeValue(hex('0000 0000 0000 8000'), 'int64', 'CDAB')).toBe(-(2 ** 63));
    expect(decodeValue(hex('0080 0000 0000 0000'), 'int64', 'BADC')).toBe(-(2 ** 63));
    expect(decodeValue(hex('0000 0000 0000 0080'), 'int64', 'DCBA')).toBe(-(2 ** 63));
    expect(decodeValue(hex('0100 0000 0000 2000'), 'uint64', 'DCBA')).toBe(9007199254740992); // 2^53+1
  });

  it('encodeValue stops at ±(2^53 − 1)', () => {
    expect(() => encodeValue(2 ** 53, 'uint64')).toThrow(RangeError);
    expect(() => encodeValue(2 ** 53, 'int64')).toThrow(/9007199254740992 does not fit int64/);
    expect(() => encodeValue(-(2 ** 53), 'int64')).toThrow(RangeError);
    expect(() => encodeValue(2 ** 64, 'uint64')).toThrow(RangeError);
  });
});

describe('int16/uint16: one register, big-endian in every order', () => {
  const int16: [string, number][] = [
    ['0000', 0],
    ['0001', 1],
    ['ffff', -1],
    ['fffe', -2],
    ['fed4', -300],
    ['7fff', 32767],
    ['8000', -32768],
    ['0100', 256],
  ];
  const uint16: [string, number][] = [
    ['0000', 0],
    ['0001', 1],
    ['ffff', 65535],
    ['fed4', 65236],
    ['7fff', 32767],
    ['8000', 32768],
    ['0100', 256],
  ];
  for (const [type, cases] of [
    ['int16', int16],
    ['uint16', uint16],
  ] as const) {
    for (const [h, value] of cases) {
      it(`${type} ${h} = ${value} in every order`, () => {
        // word order is about multi-register values: a single register is big-endian on the wire
        for (const order of WORD_ORDERS) {
          expect(decodeValue(hex(h), type, order)).toBe(value);
          expect(encodeValue(value, type, order).toString('hex')).toBe(h);
        }
      });
    }
  }

  it('limits', () => {
    expect(() => encodeValue(32768, 'int16')).toThrow(/32768 does not fit int16 \(-32768–32767\)/);
    expect(() => encodeValue(-32769, 'int16')).toThrow(RangeError);
    expect(() => encodeValue(65536, 'uint16')).toThrow(/65536 does not fit uint16 \(0–65535\)/);
    expect(() => encodeValue(-1, 'uint16')).toThrow(/-1 does not fit uint16/);
  });
});

describe('bool', () => {
  it('from a whole register: anything but 0 is true', () => {
    for (const order of WORD_ORDERS) {
      expect(decodeValue(hex('0000'), 'bool', order)).toBe(false);
      expect(decodeValue(hex('0001'), 'bool', order)).toBe(true);
      expect(decodeValue(hex('0100'), 'bool', order)).toBe(true);
      expect(decodeValue(hex('8000'), 'bool', order)).toBe(true);
      expect(decodeValue(hex('ffff'), 'bool', order)).toBe(true);
    }
  });

  // bit 0 is the least significant: in the register's second byte on the wire
  const single: string[] = [
    '0001',
    '0002',
    '0004',
    '0008',
    '0010',
    '0020',
    '0040',
    '0080',
    '0100',
    '0200',
    '0400',
    '0800',
    '1000',
    '2000',
    '4000',
    '8000',
  ];
  const allBut: string[] = [
    'fffe',
    'fffd',
    'fffb',
    'fff7',
    'ffef',
    'ffdf',
    'ffbf',
    'ff7f',
    'feff',
    'fdff',
    'fbff',
    'f7ff',
    'efff',
    'dfff',
    'bfff',
    '7fff',
  ];
  for (let k = 0; k < 16; k++) {
    it(`bit ${k}: ${single[k]} has only it set, ${allBut[k]} all but it`, () => {
      for (let bit = 0; bit < 16; bit++) {
        expect(decodeValue(hex(single[k]!), 'bool', 'ABCD', bit)).toBe(bit === k);
        expect(decodeValue(hex(allBut[k]!), 'bool', 'ABCD', bit)).toBe(bit !== k);
        expect(decodeValue(hex(single[k]!), 'bool', 'DCBA', bit)).toBe(bit === k); // order does not apply
      }
    });
  }

  it('a status word: 0x0a05 has bits 0, 2, 9 and 11', () => {
    const on: number[] = [];
    for (let bit = 0; bit < 16; bit++) if (decodeValue(hex('0a05'), 'bool', 'ABCD', bit)) on.push(bit);
    expect(on).toEqual([0, 2, 9, 11]);
  });

  it('a bit outside 0–15 is a RangeError, not a wrapped shift', () => {
    // before the fix, bit 32 read bit 0 (JS shifts count mod 32) and bit 16 or -1 quietly read false
    for (const bit of [16, 32, -1, 1.5, Number.NaN])
      expect(() => decodeValue(hex('ffff'), 'bool', 'ABCD', bit)).toThrow(/bit must be an integer 0–15/);
    // bit is only for bool: other types ignore it
    expect(decodeValue(hex('ffff'), 'uint16', 'ABCD', 99)).toBe(65535);
  });

  it('encodes true/false/1/0 as 1 and 0, and refuses anything else', () => {
    for (const order of WORD_ORDERS) {
      expect(encodeValue(true, 'bool', order).toString('hex')).toBe('0001');
      expect(encodeValue(1, 'bool', order).toString('hex')).toBe('0001');
      expect(encodeValue(false, 'bool', order).toString('hex')).toBe('0000');
      expect(encodeValue(0, 'bool', order).toString('hex')).toBe('0000');
    }
    // before the fix, 2 or 'true' quietly wrote 0
    for (const v of [2, -1, 0.5, 'true', '1', ''])
      expect(() => encodeValue(v, 'bool')).toThrow(/expected true, false, 1 or 0 for bool/);
  });
});

describe('string: 2 characters a register', () => {
  it('ABCD (and CDAB: registers are never reversed) reads the bytes as they come', () => {
    for (const order of ['ABCD', 'CDAB'] as const) {
      expect(decodeValue(hex('5344 4d36 3330'), 'string', order)).toBe('SDM630');
      expect(decodeValue(hex('4142 4300'), 'string', order)).toBe('ABC');
    }
  });

  it('trailing NULs and spaces are trimmed; leading ones and those inside are kept', () => {
    expect(decodeValue(hex('5344 4d36 3330 0000'), 'string', 'ABCD')).toBe('SDM630');
    expect(decodeValue(hex('5344 4d36 3330 2020'), 'string', 'ABCD')).toBe('SDM630');
    expect(decodeValue(hex('5344 4d36 3330 2000 0020'), 'string', 'ABCD')).toBe('SDM630');
    expect(decodeValue(hex('2041'), 'string', 'ABCD')).toBe(' A');
    expect(decodeValue(hex('4120 4200'), 'string', 'ABCD')).toBe('A B');
    // a NUL inside is kept (not read as a C string's end): what follows may be garbage on some devices
    expect(decodeValue(hex('4100 4200'), 'string', 'ABCD')).toBe('A\0B');
    expect(decodeValue(hex('0000 0000'), 'string', 'ABCD')).toBe('');
    expect(decodeValue(hex('2020'), 'string', 'ABCD')).toBe('');
    expect(decodeValue(hex(''), 'string', 'ABCD')).toBe('');
  });

  it('BADC (and DCBA) swap the two bytes of each register, registers stay in order', () => {
    for (const order of ['BADC', 'DCBA'] as const) {
      expect(decodeValue(hex('4453 364d 3033'), 'string', order)).toBe('SDM630');
      expect(decodeValue(hex('4241 0043'), 'string', order)).toBe('ABC');
      expect(decodeValue(hex('4241 2043 0000'), 'string', order)).toBe('ABC');
    }
    // the symptom of the wrong choice
    expect(decodeValue(hex('4453 364d 3033'), 'string', 'ABCD')).toBe('DS6M03');
  });

  it('bytes 0x80–0xff are latin1', () => {
    expect(decodeValue(hex('b043'), 'string', 'ABCD')).toBe('°C');
    expect(decodeValue(hex('43b0'), 'string', 'BADC')).toBe('°C');
  });

  it('encodes with NUL padding, byte-swapped for BADC and DCBA', () => {
    expect(encodeValue('SDM630', 'string', 'ABCD', 3).toString('hex')).toBe('53444d363330');
    expect(encodeValue('SDM630', 'string', 'CDAB', 3).toString('hex')).toBe('53444d363330');
    expect(encodeValue('SDM630', 'string', 'BADC', 3).toString('hex')).toBe('4453364d3033');
    expect(encodeValue('SDM630', 'string', 'DCBA', 3).toString('hex')).toBe('4453364d3033');
    expect(encodeValue('ABC', 'string', 'ABCD', 3).toString('hex')).toBe('414243000000');
    expect(encodeValue('ABC', 'string', 'BADC', 3).toString('hex')).toBe('424100430000');
    expect(encodeValue('', 'string', 'ABCD', 1).toString('hex')).toBe('0000');
    expect(encodeValue('°C', 'string', 'ABCD', 1).toString('hex')).toBe('b043');
  });

  it('refuses a string longer than its registers or outside latin1 (before the fix: cut or mangled quietly)', () => {
    expect(() => encodeValue('SDM630X', 'string', 'ABCD', 3)).toThrow(
      /"SDM630X" is 7 characters, more than 3 registers hold \(6\)/,
    );
    expect(() => encodeValue('20 €', 'string', 'ABCD', 2)).toThrow(/outside latin1/);
    expect(() => encodeValue('😀', 'string', 'ABCD', 2)).toThrow(/outside latin1/);
  });
});

describe('encodeValue refuses what does not fit', () => {
  const outOfRange: [ModbusType, number, RegExp][] = [
    ['int16', 1.5, /1.5 does not fit int16/],
    ['int32', 2147483648, /2147483648 does not fit int32 \(-2147483648–2147483647\)/],
    ['int32', -2147483649, /does not fit int32/],
    ['int32', 0.5, /does not fit int32/],
    ['uint32', 4294967296, /4294967296 does not fit uint32 \(0–4294967295\)/],
    ['uint32', -1, /does not fit uint32/],
    ['int64', 1.5, /does not fit int64/],
    ['uint64', -1, /-1 does not fit uint64/],
    // float32 overflows to Infinity in writeFloatBE: refused (before the fix it was written as Infinity)
    ['float32', 1e39, /1e\+39 is beyond the float32 range/],
    ['float32', -1e39, /beyond the float32 range/],
    ['float32', Number.MAX_VALUE, /beyond the float32 range/],
  ];
  for (const [type, value, message] of outOfRange) {
    it(`${type} ${value}`, () => {
      for (const order of WORD_ORDERS) {
        expect(() => encodeValue(value, type, order)).toThrow(RangeError);
        expect(() => encodeValue(value, type, order)).toThrow(message);
      }
    });
  }

  it('the largest float32 still fits (and what rounds to it)', () => {
    expect(encodeValue(3.4028234663852886e38, 'float32').toString('hex')).toBe('7f7fffff');
    expect(encodeValue(3.40282356e38, 'float32').toString('hex')).toBe('7f7fffff');
    expect(encodeValue(1e300, 'float64').toString('hex')).toBe('7e37e43c8800759c');
  });

  it('non-finite numbers, for every numeric type and order', () => {
    for (const type of MODBUS_TYPES) {
      if (type === 'bool' || type === 'string') continue;
      for (const order of WORD_ORDERS) {
        expect(() => encodeValue(Number.NaN, type, order)).toThrow(
          `expected a finite number for ${type}, got NaN`,
        );
        expect(() => encodeValue(Number.POSITIVE_INFINITY, type, order)).toThrow(/got Infinity/);
        expect(() => encodeValue(Number.NEGATIVE_INFINITY, type, order)).toThrow(/got -Infinity/);
        expect(() => encodeValue(Number.NaN, type, order)).toThrow(RangeError);
      }
    }
  });

  it('a blank or non-numeric string is not a number (Number("") would be a write of 0)', () => {
    expect(() => encodeValue('', 'int16')).toThrow(/expected a finite number for int16, got ""/);
    expect(() => encodeValue('  ', 'float32')).toThrow(RangeError);
    expect(() => encodeValue('abc', 'uint32')).toThrow(/got "abc"/);
    // a numeric string or a boolean is still taken for what it says
    expect(encodeValue('42', 'int16').toString('hex')).toBe('002a');
    expect(encodeValue(true, 'uint16').toString('hex')).toBe('0001');
  });
});

describe('buffer length', () => {
  const need: [ModbusType, number][] = [
    ['bool', 2],
    ['int16', 2],
    ['uint16', 2],
    ['int32', 4],
    ['uint32', 4],
    ['float32', 4],
    ['int64', 8],
    ['uint64', 8],
    ['float64', 8],
  ];
  it('too short for the type: a RangeError saying what was needed', () => {
    for (const [type, bytes] of need)
      for (const order of WORD_ORDERS)
        for (let n = 0; n < bytes; n++)
          expect(() => decodeValue(Buffer.alloc(n), type, order)).toThrow(
            new RangeError(`${type} needs ${bytes} bytes (${bytes / 2} registers), got ${n}`),
          );
  });

  it('longer than the type: the bytes after it are ignored, in every order', () => {
    // before the fix, CDAB and DCBA permuted the whole buffer and read the wrong bytes
    expect(decodeValue(hex('0000 4366 dead beef'), 'float32', 'CDAB')).toBe(230);
    expect(decodeValue(hex('0000 6643 dead beef'), 'float32', 'DCBA')).toBe(230);
    expect(decodeValue(hex('6643 0000 dead'), 'float32', 'BADC')).toBe(230);
    expect(decodeValue(hex('4366 0000 ff'), 'float32', 'ABCD')).toBe(230);
    expect(decodeValue(hex('0100 0000 ffff ffff'), 'int32', 'DCBA')).toBe(1);
    expect(decodeValue(hex('0001 0000 ffff ffff'), 'uint32', 'CDAB')).toBe(1);
    expect(decodeValue(hex('0000 0000 0000 c004 1234'), 'float64', 'CDAB')).toBe(-2.5);
    expect(decodeValue(hex('fed4 0001'), 'int16', 'DCBA')).toBe(-300);
    expect(decodeValue(hex('0000 0001'), 'bool', 'ABCD')).toBe(false);
  });

  it('a string needs whole registers', () => {
    expect(() => decodeValue(hex('414243'), 'string', 'ABCD')).toThrow(
      new RangeError('string needs whole registers (an even number of bytes), got 3 bytes'),
    );
    // before the fix, BADC quietly lost the odd byte: 'ABC' read as 'BA'
    expect(() => decodeValue(hex('424143'), 'string', 'BADC')).toThrow(RangeError);
  });
});

describe('round trips', () => {
  /** Sample values of each type, in range. */
  const samples: Record<ModbusType, (number | boolean | string)[]> = {
    bool: [true, false],
    int16: [0, 1, -1, 32767, -32768, 12345, -12345],
    uint16: [0, 1, 65535, 32768, 40000],
    int32: [0, -1, 2147483647, -2147483648, 70000, -70000],
    uint32: [0, 4294967295, 70000, 2147483648],
    int64: [0, -1, 9007199254740991, -9007199254740991, 4294967296, -4294967297],
    uint64: [0, 9007199254740991, 4294967296, 123456789012345],
    float32: [
      0,
      -0,
      230,
      -1.5,
      Math.fround(0.1),
      Math.fround(-123.456),
      3.4028234663852886e38,
      1.401298464324817e-45,
    ],
    float64: [0, -0, 230, 0.1, -2.5, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300],
    string: ['SDM630', 'A', '', 'A B', 'Zähler'],
  };
  for (const type of MODBUS_TYPES) {
    it(`decodeValue(encodeValue(v)) === v: ${type} in every order`, () => {
      for (const order of WORD_ORDERS)
        for (const v of samples[type]) {
          expect(decodeValue(encodeValue(v, type, order, 4), type, order)).toBe(v);
        }
    });
  }

  it('encodeValue writes the number of bytes of the type, whatever the order', () => {
    const size: Record<ModbusType, number> = {
      bool: 2,
      int16: 2,
      uint16: 2,
      int32: 4,
      uint32: 4,
      float32: 4,
      int64: 8,
      uint64: 8,
      float64: 8,
      string: 10,
    };
    for (const type of MODBUS_TYPES)
      for (const order of WORD_ORDERS)
        expect(encodeValue(type === 'bool' ? true : 1, type, order, 5).length).toBe(size[type]);
  });
});

describe('registersToBytes and bytesToRegisters', () => {
  it('each register big-endian, in address order', () => {
    expect(registersToBytes([0x4366, 0x0000]).toString('hex')).toBe('43660000');
    expect(registersToBytes([0x0001, 0xff00, 0xabcd]).toString('hex')).toBe('0001ff00abcd');
    expect(registersToBytes([]).length).toBe(0);
    expect(bytesToRegisters(hex('4366 0000'))).toEqual([0x4366, 0x0000]);
    expect(bytesToRegisters(hex('0001 ff00 abcd'))).toEqual([1, 0xff00, 0xabcd]);
  });

  it('a register out of 0–65535 keeps its low 16 bits (a signed -1 from a client is 0xffff)', () => {
    expect(registersToBytes([-1, 0x1_0001]).toString('hex')).toBe('ffff0001');
  });

  it('an odd trailing byte is not a register', () => {
    expect(bytesToRegisters(hex('0001 02'))).toEqual([1]);
  });

  it('modbus-serial registers → bytes → value', () => {
    const orders: Record<WordOrder, number[]> = {
      ABCD: [0x4366, 0x0000],
      CDAB: [0x0000, 0x4366],
      BADC: [0x6643, 0x0000],
      DCBA: [0x0000, 0x6643],
    };
    for (const order of WORD_ORDERS)
      expect(decodeValue(registersToBytes(orders[order]), 'float32', order)).toBe(230);
  });
});

describe('float32 at its own precision', () => {
  it('is the shortest decimal that is the same float32, not its float64 expansion', () => {
    expect(decodeValue(encodeValue(0.95, 'float32'), 'float32')).toBe(0.949999988079071);
    expect(float32Decimal(decodeValue(encodeValue(0.95, 'float32'), 'float32') as number)).toBe(0.95);
    expect(float32Decimal(Math.fround(49.98))).toBe(49.98);
    expect(float32Decimal(Math.fround(0.1))).toBe(0.1);
    expect(float32Decimal(Math.fround(16_777_217))).toBe(16_777_216);
    expect(float32Decimal(1.401298464324817e-45)).toBe(1e-45);
    for (const v of [0, -0, Number.NaN, Number.POSITIVE_INFINITY]) expect(float32Decimal(v)).toBe(v);
    // every float32 goes back to itself
    for (let i = 0; i < 10_000; i++) {
      const f = Math.fround((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 20 - 10));
      expect(Math.fround(float32Decimal(f))).toBe(f);
    }
  });
});
