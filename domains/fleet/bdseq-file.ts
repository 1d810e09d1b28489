import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The edge node's birth/death sequence (Sparkplug bdSeq): +1 (mod 256) per MQTT session, kept in the data dir
 * so a restarted hub does not reuse the number of the session whose NDEATH the broker may still hold.
 */
export class BdSeqFile {
  private readonly file: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'upstream-bdseq.json');
  }

  /** The last bdSeq used, or undefined before the first session. */
  last(): number | undefined {
    try {
      const v = (JSON.parse(readFileSync(this.file, 'utf8')) as { bdSeq?: unknown }).bdSeq;
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256 ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** The next session's bdSeq, written to disk before it is used. */
  next(): number {
    const last = this.last();
    const bdSeq = last === undefined ? 0 : (last + 1) % 256;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ bdSeq }));
    renameSync(tmp, this.file);
    return bdSeq;
  }
}
