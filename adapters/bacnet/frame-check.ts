/** Shortest APDU of each PDU type (confirmed request … abort), header only. */
const MIN_APDU = [4, 2, 3, 3, 4, 3, 3, 3];

/**
 * Why a datagram is not a BACnet/IP frame the stack can take (undefined when it is), checked down to the APDU
 * header. The library drops such frames without a word; this lets the hub count them per sender.
 */
export function frameProblem(b: Buffer): string | undefined {
  if (b.length < 4 || b[0] !== 0x81) return 'not BACnet/IP (BVLL type is not 0x81)';
  if (b.readUInt16BE(2) !== b.length) return `BVLL length ${b.readUInt16BE(2)} but ${b.length} bytes came`;
  const fn = b[1]!;
  if (fn > 0x0b) return `unknown BVLC function 0x${fn.toString(16)}`;
  // only these carry an NPDU: forwarded (with the originator's address), distribute, original uni/broadcast
  let at = fn === 0x04 ? 10 : fn >= 0x09 ? 4 : -1;
  if (at < 0) return undefined;
  if (b[at] !== 0x01) return `NPDU version ${b[at]} is not 1`;
  const control = b[at + 1] ?? 0;
  at += 2;
  if (control & 0x20) at += 3 + (b[at + 2] ?? 0); // destination network, length, address
  if (control & 0x08) at += 3 + (b[at + 2] ?? 0); // source network, length, address
  if (control & 0x20) at += 1; // hop count
  if (control & 0x80) return at <= b.length ? undefined : 'network message cut short';
  if (at >= b.length) return 'NPDU without an APDU';
  const type = b[at]! >> 4;
  const min = MIN_APDU[type];
  if (min === undefined) return `unknown PDU type ${type}`;
  return b.length - at < min ? `APDU of type ${type} cut short (${b.length - at} bytes)` : undefined;
}
