import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from './decode.js';
import {
  MODBUS_TABLES,
  MODBUS_TYPES,
  type ModbusSource,
  type ModbusTable,
  type ModbusType,
  WORD_ORDERS,
} from './modbus-schema.js';
import { fieldBytes, fieldBytesInto, type PlanOptions, planReads, type ReadRequest } from './plan.js';

/**
 * The read planner: hand-checked plans for the cases that matter (gaps, the 125-register and 2000-bit
 * limits, bits of one register, tables, overlaps, a real meter's map), then a property over random maps.
 */

type Field = { pointId: string; source: ModbusSource };

function field(
  pointId: string,
  table: ModbusTable,
  register: number,
  dataType: ModbusType = 'uint16',
  extra: Partial<ModbusSource> = {},
): Field {
  return { pointId, source: { table, register, dataType, order: 'ABCD', ...extra } };
}

/** A plan in short: [table, start, count, the pointIds in it]. */
function summary(plan: ReadRequest[]): [ModbusTable, number, number, string[]][] {
  return plan.map((r) => [r.table, r.start, r.count, r.fields.map((f) => f.pointId)]);
}

/** Just [table, start, count]. */
function shape(plan: ReadRequest[]): [ModbusTable, number, number][] {
  return plan.map((r) => [r.table, r.start, r.count]);
}

describe('planReads: coalescing', () => {
  it('no fields, no requests', () => {
    expect(planReads([], { maxGap: 10 })).toEqual([]);
  });

  it('adjacent registers are one request, with each field at its offset', () => {
    const plan = planReads(
      [field('a', 'holding', 100), field('b', 'holding', 101), field('c', 'holding', 102, 'float32')],
      { maxGap: 0 },
    );
    expect(plan).toEqual([
      {
        table: 'holding',
        start: 100,
        count: 4,
        fields: [
          { pointId: 'a', source: field('a', 'holding', 100).source, offset: 0 },
          { pointId: 'b', source: field('b', 'holding', 101).source, offset: 1 },
          { pointId: 'c', source: field('c', 'holding', 102, 'float32').source, offset: 2 },
        ],
      },
    ]);
  });

  for (const maxGap of [0, 1, 3, 10, 125]) {
    it(`maxGap ${maxGap}: a gap of ${maxGap} registers merges, ${maxGap + 1} splits`, () => {
      // a uint16 at 10 ends at 11; the next field at 11 + gap
      const merged = planReads([field('a', 'input', 10), field('b', 'input', 11 + maxGap)], { maxGap });
      const split = planReads([field('a', 'input', 10), field('b', 'input', 12 + maxGap)], { maxGap });
      if (maxGap + 2 <= 125) expect(summary(merged)).toEqual([['input', 10, maxGap + 2, ['a', 'b']]]);
      else expect(merged).toHaveLength(2); // 127 registers: over the limit whatever the gap
      expect(summary(split)).toEqual([
        ['input', 10, 1, ['a']],
        ['input', 12 + maxGap, 1, ['b']],
      ]);
    });
  }

  it('the gap is counted from the end of the longest field so far', () => {
    // a float64 at 0 ends at 4; a uint16 at 1 is inside it; the next at 4 + 2 is a gap of 2, not of 4
    const fields = [
      field('long', 'holding', 0, 'float64'),
      field('in', 'holding', 1),
      field('next', 'holding', 6),
    ];
    expect(shape(planReads(fields, { maxGap: 2 }))).toEqual([['holding', 0, 7]]);
    expect(shape(planReads(fields, { maxGap: 1 }))).toEqual([
      ['holding', 0, 4],
      ['holding', 6, 1],
    ]);
  });

  it('the 125-register limit: a request ends exactly at it', () => {
    // 62 float32 fields fill 0..123
    const floats = Array.from({ length: 62 }, (_, i) => field(`f${i}`, 'input', i * 2, 'float32'));
    // a uint16 at 124 ends at 125: exactly 125 registers, one request
    expect(shape(planReads([...floats, field('last', 'input', 124)], { maxGap: 0 }))).toEqual([
      ['input', 0, 125],
    ]);
    // a float32 at 124 would end at 126: it starts the next request
    const plan = planReads([...floats, field('last', 'input', 124, 'float32')], { maxGap: 0 });
    expect(summary(plan)).toEqual([
      ['input', 0, 124, floats.map((f) => f.pointId)],
      ['input', 124, 2, ['last']],
    ]);
    // with a large maxGap too
    expect(shape(planReads([...floats, field('last', 'input', 124, 'float32')], { maxGap: 125 }))).toEqual([
      ['input', 0, 124],
      ['input', 124, 2],
    ]);
  });

  it('a string of 125 registers is one request; a field over the limit is an Error', () => {
    expect(shape(planReads([field('s', 'holding', 0, 'string', { length: 125 })], { maxGap: 0 }))).toEqual([
      ['holding', 0, 125],
    ]);
    expect(() =>
      planReads([field('s', 'holding', 0, 'string', { length: 101 })], { maxGap: 0, maxRegisters: 100 }),
    ).toThrow('s: 101 registers from holding 0, more than one request reads (100)');
    expect(() => planReads([field('f', 'holding', 0, 'float64')], { maxGap: 0, maxRegisters: 3 })).toThrow(
      /f: 4 registers from holding 0, more than one request reads \(3\)/,
    );
  });

  it('a field past address 65535 is an Error; one that ends at it is fine', () => {
    expect(shape(planReads([field('a', 'holding', 65535)], { maxGap: 0 }))).toEqual([['holding', 65535, 1]]);
    expect(shape(planReads([field('a', 'holding', 65534, 'float32')], { maxGap: 0 }))).toEqual([
      ['holding', 65534, 2],
    ]);
    expect(() => planReads([field('a', 'holding', 65535, 'float32')], { maxGap: 0 })).toThrow(
      /a: 2 registers from holding 65535 run outside addresses 0–65535/,
    );
    expect(shape(planReads([field('c', 'coil', 65535, 'bool')], { maxGap: 0 }))).toEqual([
      ['coil', 65535, 1],
    ]);
  });

  it('maxRegisters lower than 125 (for a device that reads fewer)', () => {
    const fields = Array.from({ length: 10 }, (_, i) => field(`f${i}`, 'holding', i * 2, 'float32'));
    expect(shape(planReads(fields, { maxGap: 0, maxRegisters: 8 }))).toEqual([
      ['holding', 0, 8],
      ['holding', 8, 8],
      ['holding', 16, 4],
    ]);
  });

  it('bad options are a RangeError', () => {
    expect(() => planReads([], { maxGap: -1 })).toThrow(RangeError);
    expect(() => planReads([], { maxGap: 1.5 })).toThrow(RangeError);
    expect(() => planReads([], { maxGap: 0, maxRegisters: 126 })).toThrow(
      /maxRegisters must be an integer 1–125/,
    );
    expect(() => planReads([], { maxGap: 0, maxRegisters: 0 })).toThrow(RangeError);
    expect(() => planReads([], { maxGap: 0, maxBits: 2001 })).toThrow(/maxBits must be an integer 1–2000/);
  });
});

describe('planReads: bits, tables, overlaps', () => {
  it('bits of the same register share it: one register read', () => {
    const bits = Array.from({ length: 16 }, (_, b) =>
      field(`alarm_${String(b).padStart(2, '0')}`, 'holding', 40, 'bool', { bit: b }),
    );
    const plan = planReads([...bits, field('status', 'holding', 40)], { maxGap: 0 });
    expect(shape(plan)).toEqual([['holding', 40, 1]]);
    expect(plan[0]!.fields).toHaveLength(17);
    expect(plan[0]!.fields.every((f) => f.offset === 0)).toBe(true);
    // 0x0a05: bits 0, 2, 9, 11
    const on = plan[0]!.fields.filter(
      (f) =>
        f.source.bit !== undefined &&
        decodeValue(fieldBytes([0x0a05], f), 'bool', 'ABCD', f.source.bit) === true,
    );
    expect(on.map((f) => f.pointId)).toEqual(['alarm_00', 'alarm_02', 'alarm_09', 'alarm_11']);
  });

  it('tables never merge, and come out coil, discrete, holding, input', () => {
    const fields = [
      field('i0', 'input', 0),
      field('h0', 'holding', 0),
      field('d0', 'discrete', 0, 'bool'),
      field('c0', 'coil', 0, 'bool'),
      field('i1', 'input', 1),
      field('h1', 'holding', 1),
      field('d1', 'discrete', 1, 'bool'),
      field('c1', 'coil', 1, 'bool'),
    ];
    expect(summary(planReads(fields, { maxGap: 10 }))).toEqual([
      ['coil', 0, 2, ['c0', 'c1']],
      ['discrete', 0, 2, ['d0', 'd1']],
      ['holding', 0, 2, ['h0', 'h1']],
      ['input', 0, 2, ['i0', 'i1']],
    ]);
  });

  it('coils: 1 bit each, up to 2000 bits a request', () => {
    const coils = Array.from({ length: 2000 }, (_, i) => field(`c${i}`, 'coil', i, 'bool'));
    expect(shape(planReads(coils, { maxGap: 0 }))).toEqual([['coil', 0, 2000]]);
    expect(shape(planReads([...coils, field('c2000', 'coil', 2000, 'bool')], { maxGap: 0 }))).toEqual([
      ['coil', 0, 2000],
      ['coil', 2000, 1],
    ]);
    // a coil's dataType never makes it more than one bit
    expect(shape(planReads([field('x', 'coil', 5, 'float64')], { maxGap: 0 }))).toEqual([['coil', 5, 1]]);
  });

  it('discrete inputs: gaps and the limit in bits', () => {
    const fields = [0, 11, 23, 24, 99].map((a) => field(`d${a}`, 'discrete', a, 'bool'));
    expect(shape(planReads(fields, { maxGap: 10 }))).toEqual([
      ['discrete', 0, 12],
      ['discrete', 23, 2],
      ['discrete', 99, 1],
    ]);
    // 0..24 would be 25 bits; 24..99 would be 76
    expect(shape(planReads(fields, { maxGap: 100, maxBits: 24 }))).toEqual([
      ['discrete', 0, 24],
      ['discrete', 24, 1],
      ['discrete', 99, 1],
    ]);
    expect(shape(planReads(fields, { maxGap: 100, maxBits: 100 }))).toEqual([['discrete', 0, 100]]);
  });

  it('overlapping fields: a uint32 and its two halves are one request', () => {
    const fields = [
      field('lo', 'holding', 11),
      field('both', 'holding', 10, 'uint32'),
      field('hi', 'holding', 10, 'int16'),
    ];
    const plan = planReads(fields, { maxGap: 0 });
    expect(summary(plan)).toEqual([['holding', 10, 2, ['both', 'hi', 'lo']]]);
    expect(plan[0]!.fields.map((f) => f.offset)).toEqual([0, 0, 1]);
    const answer = [0x0001, 0x1170]; // 70000
    const [both, hi, lo] = plan[0]!.fields;
    expect(decodeValue(fieldBytes(answer, both!), 'uint32')).toBe(70000);
    expect(decodeValue(fieldBytes(answer, hi!), 'int16')).toBe(1);
    expect(decodeValue(fieldBytes(answer, lo!), 'uint16')).toBe(0x1170);
  });

  it('overlapping fields at the limit: the request ends between fields, so requests never overlap', () => {
    // float32s fill 0..121; a float32 at 122 (to 123) fits, but a float64 at 123 overlaps it and runs to 126:
    // the first request ends at 122, not at 124 (which would leave the float64's next request at 123,
    // overlapping it); the float32 at 122 goes with the float64
    const floats = Array.from({ length: 61 }, (_, i) =>
      field(`f${String(i).padStart(2, '0')}`, 'input', i * 2, 'float32'),
    );
    const fields = [...floats, field('g', 'input', 122, 'float32'), field('d', 'input', 123, 'float64')];
    expect(summary(planReads(fields, { maxGap: 0 }))).toEqual([
      ['input', 0, 122, floats.map((f) => f.pointId)],
      ['input', 122, 5, ['g', 'd']],
    ]);
    // the same at one address: a float64 and a float32 at 122 both run past 124
    const same = [...floats, field('g', 'input', 122, 'float32'), field('d', 'input', 122, 'float64')];
    expect(summary(planReads(same, { maxGap: 0 }))).toEqual([
      ['input', 0, 122, floats.map((f) => f.pointId)],
      ['input', 122, 4, ['d', 'g']],
    ]);
  });

  it('a chain of overlapping fields longer than a request: cut at the limit, the two requests overlap', () => {
    // float32 at 0, 1, 2, 3, 4 overlap each other all the way: 6 registers, no place between them to cut
    const fields = [0, 1, 2, 3, 4].map((a) => field(`f${a}`, 'holding', a, 'float32'));
    expect(summary(planReads(fields, { maxGap: 0, maxRegisters: 5 }))).toEqual([
      ['holding', 0, 5, ['f0', 'f1', 'f2', 'f3']],
      ['holding', 4, 2, ['f4']],
    ]);
  });

  it('unsorted input gives the same plan (deterministic)', () => {
    const fields = [
      field('b', 'holding', 5),
      field('a', 'holding', 5),
      field('z', 'coil', 3, 'bool'),
      field('y', 'holding', 0, 'float32'),
      field('x', 'input', 2),
      field('w', 'holding', 5, 'uint32'),
    ];
    const plan = planReads(fields, { maxGap: 3 });
    expect(summary(plan)).toEqual([
      ['coil', 3, 1, ['z']],
      ['holding', 0, 7, ['y', 'w', 'a', 'b']], // at one address: the longer field first, then by pointId
      ['input', 2, 1, ['x']],
    ]);
    expect(planReads([...fields].reverse(), { maxGap: 3 })).toEqual(plan);
    expect(
      planReads([fields[3]!, fields[0]!, fields[5]!, fields[2]!, fields[1]!, fields[4]!], { maxGap: 3 }),
    ).toEqual(plan);
  });
});

describe('an SDM630-like map: 40 float32 input registers over 0x0000–0x0157', () => {
  // Eastron SDM630 input registers (0-based addresses), all float32 ABCD
  const MAP: [string, number][] = [
    ['voltage_l1', 0x00],
    ['voltage_l2', 0x02],
    ['voltage_l3', 0x04],
    ['current_l1', 0x06],
    ['current_l2', 0x08],
    ['current_l3', 0x0a],
    ['power_l1', 0x0c],
    ['power_l2', 0x0e],
    ['power_l3', 0x10],
    ['va_l1', 0x12],
    ['va_l2', 0x14],
    ['va_l3', 0x16],
    ['var_l1', 0x18],
    ['var_l2', 0x1a],
    ['var_l3', 0x1c],
    ['pf_l1', 0x1e],
    ['pf_l2', 0x20],
    ['pf_l3', 0x22],
    ['voltage_ln_avg', 0x2a],
    ['current_avg', 0x2e],
    ['current_sum', 0x30],
    ['power_total', 0x34],
    ['va_total', 0x38],
    ['var_total', 0x3c],
    ['pf_total', 0x3e],
    ['frequency', 0x46],
    ['import_kwh', 0x48],
    ['export_kwh', 0x4a],
    ['import_kvarh', 0x4c],
    ['export_kvarh', 0x4e],
    ['power_demand', 0x54],
    ['power_demand_max', 0x56],
    ['voltage_l1_l2', 0xc8],
    ['voltage_l2_l3', 0xca],
    ['voltage_l3_l1', 0xcc],
    ['voltage_ll_avg', 0xce],
    ['current_n', 0xe0],
    ['thd_voltage_l1', 0xea],
    ['thd_voltage_l2', 0xec],
    ['total_kwh', 0x156],
  ];
  const fields = MAP.map(([name, register]) => field(name, 'input', register, 'float32'));

  it('has 40 fields', () => {
    expect(fields).toHaveLength(40);
  });

  it('maxGap 0: only back-to-back registers merge, 12 requests', () => {
    // runs: 0x00–0x23 | 0x2a | 0x2e–0x31 | 0x34 | 0x38 | 0x3c–0x3f | 0x46–0x4f | 0x54–0x57 | 0xc8–0xcf |
    //       0xe0 | 0xea–0xed | 0x156
    expect(shape(planReads(fields, { maxGap: 0 }))).toEqual([
      ['input', 0x00, 36],
      ['input', 0x2a, 2],
      ['input', 0x2e, 4],
      ['input', 0x34, 2],
      ['input', 0x38, 2],
      ['input', 0x3c, 4],
      ['input', 0x46, 10],
      ['input', 0x54, 4],
      ['input', 0xc8, 8],
      ['input', 0xe0, 2],
      ['input', 0xea, 4],
      ['input', 0x156, 2],
    ]);
  });

  it('maxGap 10: 4 requests', () => {
    // 0x00–0x57 (gaps of 6, 2, 2, 2, 2, 6, 4: 88 registers); then 112 to 0xc8; 0xc8–0xcf; then 16 to
    // 0xe0; 0xe0–0xed (a gap of 8); then 104 to 0x156
    const plan = planReads(fields, { maxGap: 10 });
    expect(shape(plan)).toEqual([
      ['input', 0x00, 88],
      ['input', 0xc8, 8],
      ['input', 0xe0, 14],
      ['input', 0x156, 2],
    ]);
    expect(plan.map((r) => r.fields.length)).toEqual([32, 4, 3, 1]);
  });

  it('maxGap 60: 3 requests (the gaps of 112 and 104 stay)', () => {
    expect(shape(planReads(fields, { maxGap: 60 }))).toEqual([
      ['input', 0x00, 88],
      ['input', 0xc8, 38],
      ['input', 0x156, 2],
    ]);
  });

  it('maxGap 125: still 3, now because of the 125-register limit (0x00–0xcf would be 208)', () => {
    expect(shape(planReads(fields, { maxGap: 125 }))).toEqual([
      ['input', 0x00, 88],
      ['input', 0xc8, 38],
      ['input', 0x156, 2],
    ]);
  });

  it('fieldBytes takes each value out of its request’s answer', () => {
    // the meter's memory: each point's float32 at its address
    const memory = new Map<number, number>();
    const expected = new Map<string, number>();
    MAP.forEach(([name, register], i) => {
      const value = Math.fround(230 + i * 1.25);
      expected.set(name, value);
      const bytes = encodeValue(value, 'float32', 'ABCD');
      memory.set(register, bytes.readUInt16BE(0));
      memory.set(register + 1, bytes.readUInt16BE(2));
    });
    for (const maxGap of [0, 10, 60]) {
      for (const request of planReads(fields, { maxGap })) {
        const answer = Array.from(
          { length: request.count },
          (_, i) => memory.get(request.start + i) ?? 0xdead,
        );
        for (const f of request.fields)
          expect(decodeValue(fieldBytes(answer, f), f.source.dataType, f.source.order)).toBe(
            expected.get(f.pointId),
          );
      }
    }
  });
});

describe('fieldBytes', () => {
  it('registers: the field’s registers, big-endian, in address order', () => {
    const f = { pointId: 'v', source: field('v', 'holding', 12, 'float32').source, offset: 2 };
    expect(fieldBytes([1, 2, 0x4366, 0x0000, 5], f).toString('hex')).toBe('43660000');
    const s = { pointId: 's', source: field('s', 'holding', 0, 'string', { length: 3 }).source, offset: 0 };
    expect(fieldBytes([0x5344, 0x4d36, 0x3330], s).toString('hex')).toBe('53444d363330');
  });

  it('coil/discrete: one bit as a register holding 0 or 1 (at source.bit, if set)', () => {
    const c = (offset: number, extra: Partial<ModbusSource> = {}) => ({
      pointId: 'c',
      source: field('c', 'coil', 100 + offset, 'bool', extra).source,
      offset,
    });
    const answer = [0, 1, 0, 1];
    expect(fieldBytes(answer, c(0)).toString('hex')).toBe('0000');
    expect(fieldBytes(answer, c(1)).toString('hex')).toBe('0001');
    expect(fieldBytes(answer, c(3, { bit: 3 })).toString('hex')).toBe('0008');
    expect(decodeValue(fieldBytes(answer, c(3, { bit: 3 })), 'bool', 'ABCD', 3)).toBe(true);
    expect(decodeValue(fieldBytes(answer, c(1)), 'bool')).toBe(true);
    expect(decodeValue(fieldBytes(answer, c(2)), 'bool')).toBe(false);
  });

  it('an answer too short for the field is a RangeError', () => {
    const f = { pointId: 'v', source: field('v', 'holding', 12, 'float32').source, offset: 2 };
    expect(() => fieldBytes([1, 2, 3], f)).toThrow(
      new RangeError('v: needs registers 2–3 of the answer, which has 3'),
    );
    const c = { pointId: 'c', source: field('c', 'coil', 1, 'bool').source, offset: 1 };
    expect(() => fieldBytes([1], c)).toThrow(/c: needs bits 1–1 of the answer, which has 1/);
  });

  it('fieldBytesInto gives the same bytes and errors in a reused buffer', () => {
    const scratch = Buffer.alloc(256, 0xff);
    const answer = [0x5344, 0x4d36, 0x3330, 0x4366, 0x0000, 0x1ffff, 0, 1];
    const cases = [
      { pointId: 'v', source: field('v', 'holding', 12, 'float32').source, offset: 3 },
      { pointId: 's', source: field('s', 'holding', 0, 'string', { length: 3 }).source, offset: 0 },
      { pointId: 'u', source: field('u', 'holding', 5, 'uint16').source, offset: 5 },
      { pointId: 'd', source: field('d', 'holding', 4, 'float64').source, offset: 4 },
      { pointId: 'c', source: field('c', 'coil', 7, 'bool').source, offset: 7 },
      { pointId: 'b', source: field('b', 'coil', 7, 'bool', { bit: 3 }).source, offset: 7 },
      { pointId: 'x', source: field('x', 'holding', 6, 'float32').source, offset: 7 },
    ];
    for (const f of cases) {
      let expected: Buffer | Error;
      try {
        expected = fieldBytes(answer, f);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) expect(() => fieldBytesInto(answer, f, scratch)).toThrow(expected);
      else expect(fieldBytesInto(answer, f, scratch).toString('hex')).toBe(expected.toString('hex'));
    }
  });
});

describe('planReads property (2,500 runs)', () => {
  /** Registers (bits) a field takes, written out here rather than taken from the planner. */
  const SIZE: Record<ModbusType, number> = {
    bool: 1,
    int16: 1,
    uint16: 1,
    int32: 2,
    uint32: 2,
    float32: 2,
    int64: 4,
    uint64: 4,
    float64: 4,
    string: 0, // its length
  };
  const sizeOf = (s: ModbusSource) =>
    s.table === 'coil' || s.table === 'discrete'
      ? 1
      : s.dataType === 'string'
        ? (s.length ?? 1)
        : SIZE[s.dataType];

  const sourceArb: fc.Arbitrary<ModbusSource> = fc
    .record({
      table: fc.constantFrom(...MODBUS_TABLES),
      register: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }) },
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }) },
        { weight: 1, arbitrary: fc.integer({ min: 65400, max: 65535 }) },
      ),
      dataType: fc.constantFrom(...MODBUS_TYPES),
      order: fc.constantFrom(...WORD_ORDERS),
      bit: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      length: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 130 }) },
      ),
    })
    .map(({ length, ...s }) => (s.dataType === 'string' ? { ...s, length } : s));

  const optsArb: fc.Arbitrary<PlanOptions> = fc.record(
    {
      maxGap: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 130 })),
      maxRegisters: fc.oneof(fc.integer({ min: 4, max: 12 }), fc.integer({ min: 1, max: 125 })),
      maxBits: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2000 })),
    },
    { requiredKeys: ['maxGap'] },
  );

  /** Fewest disjoint requests for one table's fields, by exhaustive search over where to cut (an oracle). */
  function fewest(list: { start: number; end: number }[], limit: number, maxGap: number): number {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    const n = sorted.length;
    const maxEndBefore: number[] = [Number.NEGATIVE_INFINITY]; // max end of sorted[0..k-1]
    for (const f of sorted) maxEndBefore.push(Math.max(maxEndBefore.at(-1)!, f.end));
    const clean = (k: number) => k === 0 || k === n || maxEndBefore[k]! <= sorted[k]!.start; // cut before k
    const best: number[] = [0];
    for (let j = 1; j <= n; j++) {
      best[j] = Number.POSITIVE_INFINITY;
      if (!clean(j)) continue;
      for (let i = j - 1; i >= 0; i--) {
        // fields i..j-1 in one request
        let end = Number.NEGATIVE_INFINITY;
        let ok = true;
        for (let k = i; k < j && ok; k++) {
          if (k > i && sorted[k]!.start - end > maxGap) ok = false;
          end = Math.max(end, sorted[k]!.end);
        }
        if (ok && end - sorted[i]!.start <= limit && clean(i)) best[j] = Math.min(best[j]!, best[i]! + 1);
      }
    }
    return best[n]!;
  }

  /** Whether overlapping fields chain on over more than `limit` registers (then requests may overlap). */
  function chainTooLong(list: { start: number; end: number }[], limit: number): boolean {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    let start = Number.NEGATIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (const f of sorted) {
      if (f.start >= end) start = f.start;
      end = Math.max(end, f.end);
      if (end - start > limit) return true;
    }
    return false;
  }

  // Up to 40 fields packed into a few hundred addresses of 4 tables, small and large limits and gaps: about
  // 15% of the cases have a field over the limit (an Error), most of the rest merge fields, ~1.5% hit the
  // overlapping-chain fallback.
  it('covers every field exactly once, within the limits, without overlap, in as few requests as possible', () => {
    fc.assert(
      fc.property(fc.array(sourceArb, { maxLength: 40, size: 'medium' }), optsArb, (sources, opts) => {
        const fields = sources.map((source, i) => ({ pointId: `p${i}`, source }));
        const maxRegisters = opts.maxRegisters ?? 125;
        const maxBits = opts.maxBits ?? 2000;
        const limitOf = (t: ModbusTable) => (t === 'coil' || t === 'discrete' ? maxBits : maxRegisters);
        const impossible = fields.some(
          (f) => sizeOf(f.source) > limitOf(f.source.table) || f.source.register + sizeOf(f.source) > 65536,
        );
        if (impossible) {
          expect(() => planReads(fields, opts)).toThrow(Error);
          return;
        }
        const plan = planReads(fields, opts);
        // collected, then asserted once: an expect() per field per run would make this slow
        const problems: string[] = [];
        const check = (ok: boolean, what: () => string) => {
          if (!ok) problems.push(what());
        };

        // every field in exactly one request, of its table, wholly inside it
        const seen = new Map<string, number>();
        for (const [ri, r] of plan.entries()) {
          const at = `request ${ri} (${r.table} ${r.start}+${r.count})`;
          check(r.count >= 1 && r.count <= limitOf(r.table), () => `${at}: count over the limit`);
          check(r.start >= 0 && r.start + r.count <= 65536, () => `${at}: outside 0–65535`);
          let first = Number.POSITIVE_INFINITY;
          let last = Number.NEGATIVE_INFINITY;
          const covered: [number, number][] = [];
          for (const f of r.fields) {
            const size = sizeOf(f.source);
            seen.set(f.pointId, (seen.get(f.pointId) ?? 0) + 1);
            check(f.source.table === r.table, () => `${at}: ${f.pointId} is of table ${f.source.table}`);
            check(f.offset === f.source.register - r.start, () => `${at}: ${f.pointId} offset ${f.offset}`);
            check(f.offset >= 0 && f.offset + size <= r.count, () => `${at}: ${f.pointId} not inside`);
            first = Math.min(first, f.offset);
            last = Math.max(last, f.offset + size);
            covered.push([f.offset, f.offset + size]);
          }
          // no registers wasted at either end, and no hole inside longer than maxGap
          check(first === 0 && last === r.count, () => `${at}: reads ${first}..${last} of its fields`);
          covered.sort((a, b) => a[0] - b[0]);
          let end = 0;
          for (const [s, e] of covered) {
            check(s - end <= opts.maxGap, () => `${at}: a hole of ${s - end} at ${end}`);
            end = Math.max(end, e);
          }
        }
        check(seen.size === fields.length, () => `${fields.length - seen.size} fields not planned`);
        check(
          [...seen.values()].every((n) => n === 1),
          () => 'a field in two requests',
        );
        check(plan.length <= fields.length, () => 'more requests than fields');

        // tables in order, starts ascending; requests of one table do not overlap (unless overlapping
        // fields chain on past the limit, where no plan can avoid it); as few requests as possible
        const order = plan.map((r) => MODBUS_TABLES.indexOf(r.table));
        check(
          order.every((t, k) => k === 0 || t >= order[k - 1]!),
          () => 'tables out of order',
        );
        for (const table of MODBUS_TABLES) {
          const requests = plan.filter((r) => r.table === table);
          const spans = fields
            .filter((f) => f.source.table === table)
            .map((f) => ({ start: f.source.register, end: f.source.register + sizeOf(f.source) }));
          for (let k = 1; k < requests.length; k++)
            check(requests[k]!.start > requests[k - 1]!.start, () => `${table}: starts not ascending`);
          if (chainTooLong(spans, limitOf(table))) continue;
          for (let k = 1; k < requests.length; k++)
            check(
              requests[k]!.start >= requests[k - 1]!.start + requests[k - 1]!.count,
              () => `${table}: requests ${k - 1} and ${k} overlap`,
            );
          const least = fewest(spans, limitOf(table), opts.maxGap);
          check(requests.length === least, () => `${table}: ${requests.length} requests, ${least} would do`);
        }
        expect(problems).toEqual([]);

        // the input order does not matter
        expect(planReads([...fields].reverse(), opts)).toEqual(plan);
      }),
      { numRuns: 2_500 },
    );
  });
});
