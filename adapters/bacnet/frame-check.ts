/** Shortest APDU header of each PDU type, confirmed request (0) to abort (7). */
const MIN_APDU = [4, 2, 3, 3, 4, 3, 3, 3];

/**
 * Why a datagram is no BACnet/IP frame the stack can take (undefined when it is one), checked down to the APDU
 * header. The library drops such frames without a word; this lets the hub count them per sender.
 */
export function frameProblem(b: Buffer): string | undefined {
  if (b.length < 4 || b[0] !== 0x81) return 'not BACnet/IP (BVLL type is not 0x81)';
  if (b.readUInt16BE(2) !== b.length) return `BVLL length ${b.readUInt16BE(2)} but ${b.length} octets came`;
  if (b[1]! > 0x0b) return `unknown BVLC function ${b[1]}`;
  // an NPDU follows only in forwarded (after the originator's address), distribute and original frames
  let at = b[1] === 0x04 ? 10 : b[1]! >= 0x09 ? 4 : b.length;
  if (at >= b.length) return b[1] === 0x04 || b[1]! >= 0x09 ? 'no NPDU' : undefined;
  const control = b[at + 1] ?? 0;
  if (b[at] !== 0x01) return `NPDU version ${b[at]} is not 1`;
  at += 2;
  if (control & 0x20) at += 3 + (b[at + 2] ?? 0); // destination network, address length, address
  if (control & 0x08) at += 3 + (b[at + 2] ?? 0); // source network, address length, address
  if (control & 0x20) at += 1; // hop count
  if (control & 0x80) return undefined; // a network-layer message, no APDU
  const min = MIN_APDU[(b[at] ?? 0xff) >> 4];
  if (min === undefined) return at >= b.length ? 'NPDU without an APDU' : `unknown PDU type ${b[at]! >> 4}`;
  return b.length - at < min ? `APDU of type ${b[at]! >> 4} cut short (${b.length - at} octets)` : undefined;
}
