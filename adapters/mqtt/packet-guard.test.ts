import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OversizePacket, PacketSizeGuard } from './packet-guard.js';

/** An MQTT packet: type nibble, remaining length as a varint, body. PUBLISH bodies start with their topic. */
function packet(type: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([(type << 4) | (type === 3 ? 0 : type === 8 ? 2 : 0), ...len]), body]);
}

function publish(topic: string, payloadBytes: number): Buffer {
  const t = Buffer.from(topic);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(t.length);
  return packet(3, Buffer.concat([head, t, Buffer.alloc(payloadBytes, 0x61)]));
}

/** Feed `stream` to a guard in the given chunk sizes; return what it passed and reported. */
function run(stream: Buffer, cuts: number[], max: number) {
  const reports: OversizePacket[] = [];
  const guard = new PacketSizeGuard(max, (p) => reports.push(p));
  const out: Buffer[] = [];
  let at = 0;
  let closed = false;
  for (const cut of [...cuts, stream.length]) {
    const end = Math.min(stream.length, Math.max(at, cut));
    const r = guard.filter(stream.subarray(at, end));
    if (r === 'close') {
      closed = true;
      break;
    }
    out.push(r);
    at = end;
  }
  return { passed: Buffer.concat(out), reports, closed };
}

const MAX = 300;

describe('packet size guard', () => {
  it('drops exactly the oversize PUBLISH packets, however the stream is cut into chunks', () => {
    const packetArb = fc.oneof(
      fc.record({
        kind: fc.constant('publish' as const),
        topic: fc.stringMatching(/^[a-z/]{1,40}$/),
        size: fc.nat(700),
      }),
      fc.record({ kind: fc.constant('ping' as const) }),
      fc.record({ kind: fc.constant('subscribe' as const), size: fc.nat(200) }),
    );
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 20 }),
        fc.array(fc.nat(20_000), { maxLength: 30 }),
        (specs, cuts) => {
          const packets = specs.map((s) =>
            s.kind === 'publish'
              ? { buf: publish(s.topic, s.size), topic: s.topic, type: 3 }
              : s.kind === 'ping'
                ? { buf: packet(12, Buffer.alloc(0)), type: 12 }
                : { buf: packet(8, Buffer.alloc(s.size, 1)), type: 8 },
          );
          const stream = Buffer.concat(packets.map((p) => p.buf));
          const { passed, reports, closed } = run(
            stream,
            [...cuts].sort((a, b) => a - b),
            MAX,
          );
          // the first oversize non-PUBLISH closes the connection; everything before it is judged normally
          const firstFatal = packets.findIndex((p) => p.type !== 3 && p.buf.length - 2 > MAX);
          const judged = firstFatal < 0 ? packets : packets.slice(0, firstFatal);
          const bodyLength = (b: Buffer) =>
            b.length - (b.length - 1 > 129 ? (b.length - 2 > 16_385 ? 4 : 3) : 2);
          const kept = judged.filter((p) => bodyLength(p.buf) <= MAX);
          const dropped = judged.filter((p) => bodyLength(p.buf) > MAX && p.type === 3);
          expect(closed).toBe(firstFatal >= 0);
          if (!closed) expect(passed.equals(Buffer.concat(kept.map((p) => p.buf)))).toBe(true);
          expect(reports.filter((r) => r.type === 3).map((r) => r.topic)).toEqual(
            dropped.map((p) => p.topic),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('catches a huge packet at its header, before its body arrives', () => {
    const reports: OversizePacket[] = [];
    const guard = new PacketSizeGuard(65_536, (p) => reports.push(p));
    // a PUBLISH that announces 200 MB: only the header and topic have arrived
    const header = Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64, 0x00, 0x05, ...Buffer.from('a/b/c')]);
    expect(guard.filter(header).length).toBe(0);
    expect(reports).toEqual([{ type: 3, bytes: 100 * 128 ** 3, topic: 'a/b/c' }]);
    // a CONNECT that large ends the connection
    const connect = new PacketSizeGuard(65_536, () => undefined);
    expect(connect.filter(Buffer.from([0x10, 0xff, 0xff, 0x7f]))).toBe('close');
  });
});
