import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { Outbox } from './outbox.js';

const line = (i: number) => `m,asset=a v=${i} ${1_000_000 + i}`;
const lines = (from: number, n: number) => Array.from({ length: n }, (_, k) => line(from + k));
const dir = () => mkdtempSync(join(tmpdir(), 'outbox-'));

/** Take everything out, in batches, acknowledging each. */
function drain(o: Outbox, batch = 7): string[] {
  const got: string[] = [];
  for (;;) {
    const { lines: l, bytes } = o.peek(batch);
    if (!l.length) return got;
    got.push(...l);
    o.ack(l.length, bytes);
  }
}

describe('outbox', () => {
  it('gives lines back in order, only once acknowledged, across segment files', () => {
    const o = new Outbox({ dir: dir(), maxBytes: 64 * 1024 * 1024, segmentBytes: 1000, log: silentLogger });
    o.append(lines(0, 50));
    expect(o.peek(10).lines).toEqual([]); // not flushed yet
    o.flush();
    o.append(lines(50, 50));
    o.flush();
    expect(o.stats()).toMatchObject({ lines: 100, appendedLines: 100, sentLines: 0, oldestTs: 1_000_000 });
    expect(o.stats().segments).toBe(2); // a segment is closed at the first flush past its size
    const first = o.peek(5);
    expect(first.lines).toEqual(lines(0, 5));
    expect(o.peek(5).lines).toEqual(lines(0, 5)); // peeking again without ack: the same lines
    o.ack(first.lines.length, first.bytes);
    expect(drain(o)).toEqual(lines(5, 95));
    expect(o.stats()).toMatchObject({ lines: 0, bytes: 0, sentLines: 100, oldestTs: null });
    // lines appended after an empty peek are waiting again: their oldest time shows (it once stayed null)
    o.append(lines(200, 3));
    o.flush();
    expect(o.stats()).toMatchObject({ lines: 3, oldestTs: 1_000_200 });
  });

  it('a new outbox on the same directory resumes where the last one stopped, and loses nothing flushed', () => {
    const d = dir();
    const a = new Outbox({ dir: d, maxBytes: 64 * 1024 * 1024, segmentBytes: 500, log: silentLogger });
    a.append(lines(0, 40));
    a.flush();
    const b1 = a.peek(15);
    a.ack(b1.lines.length, b1.bytes);
    a.append(lines(40, 10)); // appended but never flushed: a crash loses these
    // no close(): as if the process were killed
    const b = new Outbox({ dir: d, maxBytes: 64 * 1024 * 1024, segmentBytes: 500, log: silentLogger });
    expect(b.stats()).toMatchObject({ lines: 25, oldestTs: 1_000_015 });
    b.append(lines(100, 5));
    b.close();
    const c = new Outbox({ dir: d, maxBytes: 64 * 1024 * 1024, segmentBytes: 500, log: silentLogger });
    expect(drain(c)).toEqual([...lines(15, 25), ...lines(100, 5)]);
  });

  it('cuts a line torn by a crash in the middle of a write', () => {
    const d = dir();
    const a = new Outbox({ dir: d, maxBytes: 64 * 1024 * 1024, log: silentLogger });
    a.append(lines(0, 3));
    a.flush();
    const seg = readdirSync(d).find((f) => f.endsWith('.lp'))!;
    appendFileSync(join(d, seg), 'm,asset=a v=3 100'); // no newline: the write was cut
    const b = new Outbox({ dir: d, maxBytes: 64 * 1024 * 1024, log: silentLogger });
    expect(drain(b)).toEqual(lines(0, 3));
  });

  it('past its bound it drops the oldest segments, counts them, and keeps the newest', () => {
    const o = new Outbox({ dir: dir(), maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, log: silentLogger });
    for (let k = 0; k < 60; k++) {
      o.append(lines(k * 1000, 1000)); // ~25 KB each
      o.flush();
    }
    const s = o.stats();
    expect(s.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(s.droppedLines).toBeGreaterThan(0);
    expect(s.lines + s.droppedLines).toBe(60_000);
    const rest = drain(o, 5000);
    expect(rest.at(-1)).toBe(line(59_999));
    expect(rest.length).toBe(60_000 - s.droppedLines);
    // what remains is one unbroken run of the newest lines
    expect(rest[0]).toBe(line(s.droppedLines));
  });

  it('returns a very long line whole', () => {
    const o = new Outbox({ dir: dir(), maxBytes: 64 * 1024 * 1024, log: silentLogger });
    const long = `m,asset=a s="${'x'.repeat(3 * 1024 * 1024)}" 5`;
    o.append([long, line(1)]);
    o.flush();
    expect(drain(o)).toEqual([long, line(1)]);
  });
});
