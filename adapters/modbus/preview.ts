import { decodeValue, float32Decimal, registersToBytes } from './decode.js';
import { MODBUS_TYPES, registersOf, WORD_ORDERS } from './modbus-schema.js';

/**
 * Raw registers shown every way they could be meant: each numeric type in each word order, from the first
 * register, and the text. A user who sees 230.1 under float32 CDAB knows what to write in the site file.
 */
export function previewDecodings(registers: readonly number[]) {
  const bytes = registersToBytes(registers);
  const decoded: Record<string, Record<string, number | string>> = {};
  for (const type of MODBUS_TYPES) {
    if (type === 'bool') continue;
    const need = type === 'string' ? registers.length : registersOf(type);
    if (need > registers.length || need === 0) continue;
    const row: Record<string, number | string> = {};
    const orders = need === 1 ? (['ABCD'] as const) : WORD_ORDERS;
    for (const order of orders) {
      const raw = decodeValue(bytes.subarray(0, need * 2), type, order);
      const v = type === 'float32' && typeof raw === 'number' ? float32Decimal(raw) : raw;
      row[order] = typeof v === 'number' ? (Number.isFinite(v) ? v : String(v)) : printable(String(v));
    }
    decoded[type] = row;
  }
  return {
    registers: [...registers],
    hex: registers.map((r) => r.toString(16).padStart(4, '0')).join(' '),
    decoded,
  };
}

/** Control bytes shown as '·', so the text can be printed and sent safely. */
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || (c >= 0x7f && c < 0xa0) ? '·' : ch;
  }
  return out;
}
