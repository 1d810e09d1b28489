import { registersToBytes } from './decode.js';
import { MODBUS_TABLES, type ModbusSource, type ModbusTable, registersOf } from './modbus-schema.js';

/**
 * The read planner: a device's points → as few read requests as the protocol allows (coalescing), and
 * each point's bytes back out of a request's answer.
 */

export interface PlannedField {
  pointId: string;
  source: ModbusSource;
  /** registers (or bits, for coil/discrete) from the request's start */
  offset: number;
}

export interface ReadRequest {
  table: ModbusTable;
  start: number;
  count: number;
  fields: PlannedField[];
}

export interface PlanOptions {
  /** Unused registers (bits, for coil/discrete) between two fields that may be read along to save a request. */
  maxGap: number;
  /** default 125 (FC3/FC4 limit) */
  maxRegisters?: number;
  /** default 2000 (FC1/FC2 limit) */
  maxBits?: number;
}

/** The protocol's limits per request: FC3/FC4 (holding, input) read 125 registers, FC1/FC2 2000 bits. */
export const MAX_REGISTERS = 125;
export const MAX_BITS = 2000;
/** Addresses run 0–65535. */
const ADDRESS_SPACE = 65536;

/** Coils and discrete inputs are addressed (and counted) in bits, holding and input registers in registers. */
export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}

/** Registers (bits, for coil/discrete) a field takes. */
export function fieldSize(source: ModbusSource): number {
  return isBitTable(source.table) ? 1 : registersOf(source.dataType, source.length);
}

function checkLimit(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer 1–${max}, got ${value}`);
  return value;
}

/**
 * As few requests as possible: per table, fields sorted by address, merged while the gap to the next field
 * is ≤ maxGap and the request stays within the protocol limit. Fields may overlap or share a register
 * (bits). A field larger than the limit (or running past address 65535) is an Error.
 *
 * Requests of one table never overlap: fields that overlap go into one request, and a request ends only
 * between fields (the last such place before the gap or the limit is hit, which keeps the count minimal).
 * The one exception is a chain of overlapping fields longer than a request can read: it is cut at the limit
 * and two requests overlap, rather than the device being refused.
 *
 * Output: by table (coil, discrete, holding, input), then by start; a request's fields by offset (a longer
 * field first), then by pointId. The same fields in any order give the same plan.
 */
export function planReads(
  fields: readonly { pointId: string; source: ModbusSource }[],
  opts: PlanOptions,
): ReadRequest[] {
  if (!Number.isInteger(opts.maxGap) || opts.maxGap < 0)
    throw new RangeError(`maxGap must be a whole number ≥ 0, got ${opts.maxGap}`);
  const maxRegisters = checkLimit('maxRegisters', opts.maxRegisters ?? MAX_REGISTERS, MAX_REGISTERS);
  const maxBits = checkLimit('maxBits', opts.maxBits ?? MAX_BITS, MAX_BITS);

  const byTable = new Map<ModbusTable, { pointId: string; source: ModbusSource; size: number }[]>();
  for (const f of fields) {
    const { table, register } = f.source;
    const bits = isBitTable(table);
    const limit = bits ? maxBits : maxRegisters;
    const size = fieldSize(f.source);
    const unit = bits ? 'bits' : 'registers';
    if (size > limit)
      throw new Error(
        `${f.pointId}: ${size} ${unit} from ${table} ${register}, more than one request reads (${limit})`,
      );
    if (!Number.isInteger(register) || register < 0 || register + size > ADDRESS_SPACE)
      throw new Error(
        `${f.pointId}: ${size} ${unit} from ${table} ${register} run outside addresses 0–65535`,
      );
    let list = byTable.get(table);
    if (!list) {
      list = [];
      byTable.set(table, list);
    }
    list.push({ pointId: f.pointId, source: f.source, size });
  }

  const out: ReadRequest[] = [];
  for (const table of MODBUS_TABLES) {
    const list = byTable.get(table);
    if (!list) continue;
    const limit = isBitTable(table) ? maxBits : maxRegisters;
    // by address; a longer field first at the same address; pointId last, so the input order never matters
    list.sort(
      (a, b) =>
        a.source.register - b.source.register ||
        b.size - a.size ||
        (a.pointId < b.pointId ? -1 : a.pointId > b.pointId ? 1 : 0),
    );
    // Walk the fields by address; a request ends at the last field after which no field of it runs on
    // (a clean cut, so requests never overlap) before the next field would break the gap or the limit.
    let i = 0;
    while (i < list.length) {
      const first = list[i]!;
      const start = first.source.register;
      let end = start + first.size; // one past the last register (bit) of fields i..j
      let cut = -1; // the last j of a clean cut so far
      let cutEnd = end;
      let j = i;
      for (;;) {
        const next = list[j + 1];
        if (!next || next.source.register >= end) {
          cut = j;
          cutEnd = end;
        }
        if (!next) break;
        const nextEnd = Math.max(end, next.source.register + next.size);
        if (next.source.register - end > opts.maxGap || nextEnd - start > limit) break;
        end = nextEnd;
        j++;
      }
      // No clean cut: overlapping fields run on past the limit. Cut where the limit is (those two requests
      // overlap, reading a few registers twice) rather than refuse the device.
      if (cut < 0) {
        cut = j;
        cutEnd = end;
      }
      const request: ReadRequest = { table, start, count: cutEnd - start, fields: [] };
      for (let k = i; k <= cut; k++) {
        const f = list[k]!;
        request.fields.push({ pointId: f.pointId, source: f.source, offset: f.source.register - start });
      }
      out.push(request);
      i = cut + 1;
    }
  }
  return out;
}

/**
 * The bytes (wire order) of one field out of a request's registers, for decodeValue. For coil/discrete,
 * `registers` holds one bit per entry (0/1 or what the client gives; non-zero is on), and the field's
 * bytes are one register holding it (at `source.bit`, if one is set), so decodeValue(…, 'bool') reads it.
 * Throws a RangeError when the answer is too short for the field.
 */
export function fieldBytes(registers: readonly number[], field: PlannedField): Buffer {
  const size = fieldSize(field.source);
  if (field.offset < 0 || field.offset + size > registers.length)
    throw new RangeError(
      `${field.pointId}: needs ${isBitTable(field.source.table) ? 'bits' : 'registers'} ${field.offset}–${field.offset + size - 1} of the answer, which has ${registers.length}`,
    );
  if (isBitTable(field.source.table)) {
    const on = Boolean(registers[field.offset]);
    return registersToBytes([on ? 1 << (field.source.bit ?? 0) : 0]);
  }
  return registersToBytes(registers.slice(field.offset, field.offset + size));
}

/**
 * fieldBytes written into `scratch` (at least 250 bytes, reused from one field to the next): the same bytes and
 * errors, as a view of `scratch` that holds until the next call. The driver decodes every field of every
 * answer this way (tens of thousands a second) instead of taking a Buffer from the shared pool for each.
 */
export function fieldBytesInto(registers: readonly number[], field: PlannedField, scratch: Buffer): Buffer {
  const size = fieldSize(field.source);
  if (field.offset < 0 || field.offset + size > registers.length)
    throw new RangeError(
      `${field.pointId}: needs ${isBitTable(field.source.table) ? 'bits' : 'registers'} ${field.offset}–${field.offset + size - 1} of the answer, which has ${registers.length}`,
    );
  if (isBitTable(field.source.table)) {
    const on = Boolean(registers[field.offset]);
    scratch.writeUInt16BE((on ? 1 << (field.source.bit ?? 0) : 0) & 0xffff, 0);
    return scratch.subarray(0, 2);
  }
  for (let i = 0; i < size; i++) scratch.writeUInt16BE(registers[field.offset + i]! & 0xffff, i * 2);
  return scratch.subarray(0, size * 2);
}
