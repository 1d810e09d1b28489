/**
 * BACnet/IP frames the simulator makes by hand, where @bacnet-js/client has no call for them: an I-Am with a
 * chosen max APDU (the library's always says 1482), an Abort, a Reject, and broken frames for fault tests.
 */

const ORIGINAL_UNICAST = 0x0a;
const ORIGINAL_BROADCAST = 0x0b;

/** BVLL header and an NPDU without routing around an APDU. */
function frame(apdu: number[], broadcast = false): Buffer {
  const length = 6 + apdu.length;
  return Buffer.from([
    0x81,
    broadcast ? ORIGINAL_BROADCAST : ORIGINAL_UNICAST,
    length >> 8,
    length & 0xff,
    1,
    0,
    ...apdu,
  ]);
}

/** An application-tagged unsigned integer (tag 2) or enumeration (tag 9) in as few octets as it takes. */
function tagged(tag: number, n: number): number[] {
  const bytes =
    n < 0x100
      ? [n]
      : n < 0x10000
        ? [n >> 8, n & 0xff]
        : [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return [(tag << 4) | bytes.length, ...bytes];
}

export function iAmFrame(
  deviceId: number,
  maxApdu: number,
  segmentation: number,
  vendorId: number,
  broadcast: boolean,
): Buffer {
  const id = ((8 << 22) | deviceId) >>> 0; // object type device, instance
  return frame(
    [
      0x10, // unconfirmed request
      0x00, // I-Am
      0xc4, // application tag 12 (object identifier), 4 octets
      id >>> 24,
      (id >> 16) & 0xff,
      (id >> 8) & 0xff,
      id & 0xff,
      ...tagged(2, maxApdu),
      ...tagged(9, segmentation),
      ...tagged(2, vendorId),
    ],
    broadcast,
  );
}

/** Abort from the server side (PDU type 7, the server bit set). */
export function abortFrame(invokeId: number, reason: number): Buffer {
  return frame([0x71, invokeId, reason]);
}

export function rejectFrame(invokeId: number, reason: number): Buffer {
  return frame([0x60, invokeId, reason]);
}

export type MalformedKind = 'not-bacnet' | 'bad-length' | 'bad-pdu-type' | 'truncated';

export function malformedFrame(kind: MalformedKind): Buffer {
  switch (kind) {
    case 'not-bacnet':
      return Buffer.from('GET / HTTP/1.1\r\n\r\n');
    case 'bad-length': {
      const f = frame([0x10, 0x08]); // a Who-Is whose BVLL length lies
      f.writeUInt16BE(f.length + 7, 2);
      return f;
    }
    case 'bad-pdu-type':
      return frame([0xf0, 0x01, 0x02, 0x03]);
    case 'truncated':
      return frame([0x00]); // a confirmed request that stops after its first octet
  }
}
