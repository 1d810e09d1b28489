import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { lineTs } from './line-protocol.js';

export interface OutboxOptions {
  dir: string;
  /** The spool's bound; past it the oldest lines are dropped (and counted). */
  maxBytes: number;
  /** A segment file is closed at this size; whole segments are deleted once sent. */
  segmentBytes?: number;
  log: Logger;
  /** A line's timestamp (ms) for the "oldest waiting" figure; default: line protocol's, at the end of the line. */
  tsOf?: (line: string) => number;
}

export interface OutboxStats {
  /** Lines and bytes waiting to be sent (on disk and in the write buffer). */
  lines: number;
  bytes: number;
  maxBytes: number;
  /** bytes / maxBytes. */
  fill: number;
  segments: number;
  /** Timestamp (ms) of the oldest line waiting, or null when empty. */
  oldestTs: number | null;
  appendedLines: number;
  appendedBytes: number;
  sentLines: number;
  droppedLines: number;
  /** The most bytes that were waiting at once since start. */
  peakBytes: number;
}

interface Segment {
  id: number;
  bytes: number;
  lines: number;
}

const READ_CHUNK = 1024 * 1024;
const name = (id: number) => `${String(id).padStart(10, '0')}.lp`;

/**
 * The durable spool between the bus and InfluxDB: line-protocol lines appended in order to segment files
 * in the data dir, read back in order, and removed only when the sender acknowledges them. The write
 * buffer is flushed (and fsynced) by the caller every second, so a hard crash loses at most that; the
 * read position is kept in a small cursor file. Past `maxBytes` the oldest segment is dropped, counted and
 * reported: never silently.
 */
export class Outbox {
  private readonly segments: Segment[] = [];
  private writeFd?: number;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private bufferLines = 0;
  /** Read position: bytes and lines already sent from the head segment. */
  private headOffset = 0;
  private headLinesSent = 0;
  private oldestCache: number | null | undefined;
  private readonly segmentBytes: number;
  private readonly cursorFile: string;
  private readonly tsOf: (line: string) => number;
  private readonly counters = {
    appendedLines: 0,
    appendedBytes: 0,
    sentLines: 0,
    droppedLines: 0,
    peakBytes: 0,
  };

  constructor(private readonly opts: OutboxOptions) {
    this.segmentBytes =
      opts.segmentBytes ?? Math.max(1024 * 1024, Math.min(64 * 1024 * 1024, opts.maxBytes / 16));
    this.cursorFile = join(opts.dir, 'cursor.json');
    this.tsOf = opts.tsOf ?? lineTs;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.recover();
  }

  /** Queue lines (in memory until the next flush). */
  append(lines: readonly string[]): void {
    if (!lines.length) return;
    const text = `${lines.join('\n')}\n`;
    this.buffer.push(text);
    const bytes = Buffer.byteLength(text);
    this.bufferBytes += bytes;
    this.bufferLines += lines.length;
    this.counters.appendedLines += lines.length;
    this.counters.appendedBytes += bytes;
    // "nothing waiting" (a peek of an empty spool) is no longer true
    if (this.oldestCache === null) this.oldestCache = undefined;
  }

  /** Bytes appended since the last flush. */
  get bufferedBytes(): number {
    return this.bufferBytes;
  }

  /** Write the buffer to the current segment and fsync it; then enforce the bound. */
  flush(): void {
    if (this.bufferBytes) {
      const tail = this.tailForWriting();
      const data = Buffer.from(this.buffer.join(''));
      writeSync(this.writeFd!, data);
      fsyncSync(this.writeFd!);
      tail.bytes += data.length;
      tail.lines += this.bufferLines;
      this.buffer = [];
      this.bufferBytes = 0;
      this.bufferLines = 0;
      if (tail.bytes >= this.segmentBytes) this.closeWriteSegment();
    }
    this.enforceBound();
    this.counters.peakBytes = Math.max(this.counters.peakBytes, this.pendingBytes());
  }

  /**
   * Up to `maxLines` lines from the head, in order, without consuming them: the caller sends them and then
   * acknowledges with ack(). Only flushed lines are visible.
   */
  peek(maxLines: number): { lines: string[]; bytes: number } {
    while (this.segments.length) {
      const head = this.segments[0]!;
      if (this.headOffset < head.bytes) {
        const found = this.readLines(head, maxLines);
        if (found.lines.length) {
          this.oldestCache = this.tsOf(found.lines[0]!);
          return found;
        }
      }
      // The head is used up: delete it unless it is still being written.
      if (this.segments.length === 1 && this.writeFd !== undefined) break;
      this.removeHead();
    }
    this.oldestCache = this.bufferLines ? undefined : null;
    return { lines: [], bytes: 0 };
  }

  /** Complete lines from the head segment at the read position; reads more if one line is very long. */
  private readLines(head: Segment, maxLines: number): { lines: string[]; bytes: number } {
    const fd = openSync(join(this.opts.dir, name(head.id)), 'r');
    try {
      for (let chunk = READ_CHUNK; ; chunk *= 2) {
        const size = Math.min(chunk, head.bytes - this.headOffset);
        const buf = Buffer.allocUnsafe(size);
        const n = readSync(fd, buf, 0, size, this.headOffset);
        const lines: string[] = [];
        let at = 0;
        while (lines.length < maxLines) {
          const nl = buf.indexOf(10, at);
          if (nl < 0 || nl >= n) break;
          lines.push(buf.toString('utf8', at, nl));
          at = nl + 1;
        }
        if (lines.length || size === head.bytes - this.headOffset) return { lines, bytes: at };
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The sender wrote these (from the last peek): forget them. */
  ack(lines: number, bytes: number): void {
    this.headOffset += bytes;
    this.headLinesSent += lines;
    this.counters.sentLines += lines;
    this.oldestCache = undefined;
    const head = this.segments[0];
    if (head && this.headOffset >= head.bytes && !(this.segments.length === 1 && this.writeFd !== undefined))
      this.removeHead();
    this.saveCursor();
  }

  /** How full the spool is and what it dropped: cheap (no disk read), for the check after every flush. */
  bound(): { fill: number; droppedLines: number } {
    return { fill: this.pendingBytes() / this.opts.maxBytes, droppedLines: this.counters.droppedLines };
  }

  stats(): OutboxStats {
    const bytes = this.pendingBytes();
    return {
      lines: this.pendingLines(),
      bytes,
      maxBytes: this.opts.maxBytes,
      fill: bytes / this.opts.maxBytes,
      segments: this.segments.length,
      oldestTs: this.oldestTs(),
      ...this.counters,
    };
  }

  close(): void {
    this.flush();
    this.closeWriteSegment();
    this.saveCursor();
  }

  private pendingBytes(): number {
    let bytes = this.bufferBytes - this.headOffset;
    for (const s of this.segments) bytes += s.bytes;
    return bytes;
  }

  private pendingLines(): number {
    let lines = this.bufferLines - this.headLinesSent;
    for (const s of this.segments) lines += s.lines;
    return lines;
  }

  private oldestTs(): number | null {
    if (this.oldestCache !== undefined) return this.oldestCache;
    if (this.pendingLines() - this.bufferLines > 0) {
      const { lines } = this.peek(1);
      if (lines.length) return this.tsOf(lines[0]!);
    }
    if (this.bufferLines) {
      const first = this.buffer[0]!;
      return this.tsOf(first.slice(0, first.indexOf('\n')));
    }
    return null;
  }

  /** Past the bound: drop whole segments from the head, oldest first, and say so. */
  private enforceBound() {
    while (this.pendingBytes() > this.opts.maxBytes && this.segments.length > 1) {
      const head = this.segments[0]!;
      const lost = head.lines - this.headLinesSent;
      this.counters.droppedLines += lost;
      this.opts.log.error(
        { droppedLines: lost, totalDropped: this.counters.droppedLines, maxBytes: this.opts.maxBytes },
        'outbox full: dropped its oldest lines (InfluxDB has been unreachable too long; see storage in health)',
      );
      this.removeHead();
    }
  }

  private tailForWriting(): Segment {
    let tail = this.segments.at(-1);
    if (!tail || this.writeFd === undefined) {
      tail = { id: (tail?.id ?? 0) + 1, bytes: 0, lines: 0 };
      this.segments.push(tail);
      this.writeFd = openSync(join(this.opts.dir, name(tail.id)), 'a', 0o600);
    }
    return tail;
  }

  private closeWriteSegment() {
    if (this.writeFd === undefined) return;
    closeSync(this.writeFd);
    this.writeFd = undefined;
  }

  private removeHead() {
    const head = this.segments.shift();
    if (!head) return;
    if (this.segments.length === 0) this.closeWriteSegment();
    unlinkSync(join(this.opts.dir, name(head.id)));
    this.headOffset = 0;
    this.headLinesSent = 0;
    this.oldestCache = undefined;
    this.saveCursor();
  }

  private saveCursor() {
    const head = this.segments[0];
    const tmp = `${this.cursorFile}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ segment: head?.id ?? 0, offset: this.headOffset, lines: this.headLinesSent }),
    );
    renameSync(tmp, this.cursorFile);
  }

  /** Rebuild the state from the files: segments, their line counts, a torn last line, the cursor. */
  private recover() {
    const ids = readdirSync(this.opts.dir)
      .filter((f) => /^\d{10}\.lp$/.test(f))
      .map((f) => Number(f.slice(0, 10)))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const file = join(this.opts.dir, name(id));
      let bytes = statSync(file).size;
      const data = readFileSync(file);
      // A crash in the middle of a write leaves a last line without its newline: it is cut off.
      const lastNl = data.lastIndexOf(10);
      if (lastNl + 1 !== bytes) {
        this.opts.log.warn({ segment: name(id), bytes: bytes - lastNl - 1 }, 'outbox: cut a torn last line');
        truncateSync(file, lastNl + 1);
        bytes = lastNl + 1;
      }
      let lines = 0;
      for (let at = data.indexOf(10); at >= 0 && at < bytes; at = data.indexOf(10, at + 1)) lines++;
      if (bytes === 0) unlinkSync(file);
      else this.segments.push({ id, bytes, lines });
    }
    try {
      const c = JSON.parse(readFileSync(this.cursorFile, 'utf8')) as {
        segment: number;
        offset: number;
        lines: number;
      };
      while (this.segments.length && this.segments[0]!.id < c.segment) this.removeHead();
      if (this.segments[0]?.id === c.segment) {
        this.headOffset = c.offset;
        this.headLinesSent = c.lines;
      }
    } catch {
      // no cursor yet: everything on disk is unsent
    }
    const { lines, bytes } = { lines: this.pendingLines(), bytes: this.pendingBytes() };
    if (lines) this.opts.log.info({ lines, bytes }, 'outbox: resuming with unsent lines from disk');
  }
}
