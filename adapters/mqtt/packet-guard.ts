import type { Socket } from 'node:net';

/** A packet the guard kept from the broker. `topic` is read from a PUBLISH's first bytes. */
export interface OversizePacket {
  type: number;
  bytes: number;
  topic?: string;
}

const PUBLISH = 3;
const TOPIC_HEAD_BYTES = 2 + 512;

/**
 * Follows MQTT packet boundaries through a byte stream and removes every PUBLISH larger than `maxBytes`
 * before the broker's parser sees it: MQTT allows 256 MB packets, and the parser would hold all of one in
 * memory before the hub could look at its size. The device stays connected and its next messages go
 * through; the dropped packet is reported (with its topic) so it is counted. Any other packet type over the
 * limit closes the connection.
 */
export class PacketSizeGuard {
  /** An incomplete fixed header, held back until its length is known. */
  private held?: Buffer;
  /** Body bytes of the current packet still to pass on. */
  private pass = 0;
  /** Body bytes of the current oversize PUBLISH still to drop, and its first bytes (for the topic). */
  private skip = 0;
  private skipped?: { type: number; bytes: number; head: Buffer[]; headLength: number; reported: boolean };

  constructor(
    private readonly maxBytes: number,
    private readonly onOversize: (packet: OversizePacket) => void,
  ) {}

  /** The bytes to hand to the parser, or 'close' for a connection that must end. */
  filter(chunk: Buffer): Buffer | 'close' {
    const buf = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = undefined;
    const out: Buffer[] = [];
    let start = 0; // first byte of the run being passed on
    let i = 0;
    while (i < buf.length) {
      if (this.pass > 0) {
        const n = Math.min(this.pass, buf.length - i);
        i += n;
        this.pass -= n;
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        this.keepHead(buf.subarray(i, i + n));
        i += n;
        this.skip -= n;
        start = i;
        if (this.skip === 0) this.report();
        continue;
      }
      const header = readFixedHeader(buf, i);
      if (header === 'incomplete') {
        this.held = Buffer.from(buf.subarray(i));
        break;
      }
      if (header.length <= this.maxBytes) {
        i += header.headerBytes;
        this.pass = header.length;
        continue;
      }
      if (header.type !== PUBLISH) {
        this.onOversize({ type: header.type, bytes: header.length });
        return 'close';
      }
      if (i > start) out.push(buf.subarray(start, i));
      i += header.headerBytes;
      start = i;
      this.skip = header.length;
      this.skipped = { type: header.type, bytes: header.length, head: [], headLength: 0, reported: false };
    }
    if (i > start) out.push(buf.subarray(start, i));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private keepHead(bytes: Buffer) {
    const s = this.skipped!;
    if (s.reported || s.headLength >= TOPIC_HEAD_BYTES) return;
    const part = bytes.subarray(0, TOPIC_HEAD_BYTES - s.headLength);
    s.head.push(Buffer.from(part));
    s.headLength += part.length;
    const head = Buffer.concat(s.head);
    if (head.length >= 2 && head.length >= 2 + head.readUInt16BE(0)) this.report();
  }

  private report() {
    const s = this.skipped;
    if (!s || s.reported) return;
    s.reported = true;
    const head = Buffer.concat(s.head);
    const topicLength = head.length >= 2 ? head.readUInt16BE(0) : -1;
    const topic =
      topicLength >= 0 && head.length >= 2 + topicLength
        ? head.subarray(2, 2 + topicLength).toString('utf8')
        : undefined;
    this.onOversize({ type: s.type, bytes: s.bytes, topic });
  }
}

/** Packet type and remaining length at `at`; 'incomplete' when the header runs past the buffer. */
function readFixedHeader(
  buf: Buffer,
  at: number,
): { type: number; length: number; headerBytes: number } | 'incomplete' {
  let length = 0;
  let multiplier = 1;
  for (let k = 1; k <= 4; k++) {
    if (at + k >= buf.length) return 'incomplete';
    const byte = buf[at + k]!;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    // A fifth length byte is a protocol error: the parser reports it; the guard only stops counting.
    if (!(byte & 0x80) || k === 4) return { type: buf[at]! >> 4, length, headerBytes: 1 + k };
  }
  return 'incomplete';
}

/**
 * Put the guard between a socket and the broker: aedes pulls bytes with read(), so the guard filters what
 * read() returns.
 */
export function guardPacketSize(
  socket: Socket,
  maxBytes: number,
  onOversize: (packet: OversizePacket) => void,
): void {
  const guard = new PacketSizeGuard(maxBytes, onOversize);
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const buf = read(size) as Buffer | null;
    if (!buf) return buf;
    const passed = guard.filter(buf);
    if (passed === 'close') {
      socket.destroy();
      return null;
    }
    return passed.length ? passed : null;
  };
}
