import type { Logger } from '../../core/logger.js';
import type { PointValue, Quality, Reading } from '../../core/model/reading.js';
import { Outbox, type OutboxStats } from '../../platform/storage/outbox.js';

/** A reading waiting in the spool. */
export interface SpooledReading {
  ts: number;
  pointId: string;
  value: PointValue;
  quality: Quality;
}

const Q_CODE: Record<Quality, string> = { good: 'g', uncertain: 'u', bad: 'b' };
const Q_OF: Record<string, Quality> = { g: 'good', u: 'uncertain', b: 'bad' };

/** One reading a line: `<ts>\t<point id>\t<g|u|b>\t<JSON value>` (point ids never hold tabs or newlines). */
function encode(r: Reading): string {
  return `${r.ts}\t${r.pointId}\t${Q_CODE[r.quality]}\t${JSON.stringify(r.value)}`;
}

function decode(line: string): SpooledReading | undefined {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  const c = line.indexOf('\t', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  try {
    const value = JSON.parse(line.slice(c + 1)) as PointValue;
    const quality = Q_OF[line.slice(b + 1, c)];
    const ts = Number(line.slice(0, a));
    if (!quality || !Number.isFinite(ts) || value === null || typeof value === 'object') return undefined;
    return { ts, pointId: line.slice(a + 1, b), quality, value };
  } catch {
    return undefined;
  }
}

/**
 * The store-and-forward spool: readings that could not go upstream, in the storage outbox's design (segment
 * files in `<dataDir>/upstream-spool`, fsynced on flush, read back in order, deleted only when acknowledged,
 * bounded with the oldest dropped and counted).
 */
export class EdgeSpool {
  private readonly outbox: Outbox;
  private malformed = 0;

  constructor(opts: { dir: string; maxBytes: number; log: Logger }) {
    this.outbox = new Outbox({
      ...opts,
      tsOf: (line) => Number(line.slice(0, line.indexOf('\t'))),
    });
  }

  add(readings: readonly Reading[]): void {
    if (readings.length) this.outbox.append(readings.map(encode));
  }

  /** To disk (fsynced), and the bound enforced. */
  flush(): void {
    this.outbox.flush();
  }

  /** Up to `max` of the oldest readings (flushed ones only), not yet removed: ack() once they were delivered. */
  peek(max: number): { readings: SpooledReading[]; lines: number; bytes: number } {
    const { lines, bytes } = this.outbox.peek(max);
    const readings: SpooledReading[] = [];
    for (const line of lines) {
      const r = decode(line);
      if (r) readings.push(r);
      else this.malformed++;
    }
    return { readings, lines: lines.length, bytes };
  }

  ack(lines: number, bytes: number): void {
    this.outbox.ack(lines, bytes);
  }

  stats(): OutboxStats & { malformed: number } {
    return { ...this.outbox.stats(), malformed: this.malformed };
  }

  close(): void {
    this.outbox.close();
  }
}
