import type { Reading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';

/**
 * The InfluxDB schema: one measurement per asset kind; tags asset, site, zone; one field per point, named
 * as the point (its unit is in the name: `supply_temp_c`). A reading whose quality is bad (out of range)
 * goes to `<point>__bad` instead, so trends and aggregates keep only plausible values and nothing is lost.
 * Numbers are always floats (never `i`), so a point never changes field type between two readings.
 */
export const BAD_SUFFIX = '__bad';

export class LineEncoder {
  /** Per point index: the line's measurement and tags, and the escaped field key. */
  private readonly prefixOf: string[];
  private readonly assetOf: string[];
  private readonly fieldOf: string[];
  private readonly badFieldOf: string[];
  private readonly indexOf: Map<string, number>;

  constructor(site: SiteModel) {
    const prefixByAsset = new Map<string, string>();
    for (const a of site.assets)
      prefixByAsset.set(
        a.id,
        `${escapeMeasurement(a.kind)},asset=${escapeTag(a.id)},site=${escapeTag(site.site.id)},zone=${escapeTag(a.zone)}`,
      );
    this.prefixOf = site.points.map((p) => prefixByAsset.get(p.assetId)!);
    this.assetOf = site.points.map((p) => p.assetId);
    this.fieldOf = site.points.map((p) => escapeTag(p.name));
    this.badFieldOf = site.points.map((p) => escapeTag(p.name + BAD_SUFFIX));
    this.indexOf = new Map(site.points.map((p) => [p.id, p.index]));
  }

  /**
   * One line per asset and timestamp, carrying all its fields: `kind,asset=a,site=s,zone=z f1=1,f2=2 ts`.
   * Lines come out in the order their first reading arrived; a point read twice at one timestamp keeps
   * the later value.
   */
  encode(batch: readonly Reading[], out: string[]): number {
    const lines = new Map<string, { prefix: string; fields: Map<number, string>; ts: number }>();
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const idx = this.indexOf.get(r.pointId);
      if (idx === undefined) continue;
      const key = `${this.assetOf[idx]}\u0000${r.ts}`;
      let line = lines.get(key);
      if (!line) {
        line = { prefix: this.prefixOf[idx]!, fields: new Map(), ts: r.ts };
        lines.set(key, line);
      }
      const field = r.quality === 'bad' ? this.badFieldOf[idx]! : this.fieldOf[idx]!;
      line.fields.set(r.quality === 'bad' ? -1 - idx : idx, `${field}=${fieldValue(r.value)}`);
    }
    for (const line of lines.values())
      out.push(`${line.prefix} ${[...line.fields.values()].join(',')} ${line.ts}`);
    return lines.size;
  }
}

export function fieldValue(v: Reading['value']): string {
  // A number without the `i` suffix is a float to InfluxDB, integral or not (and 1e+21 parses).
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `"${v.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;
}

export function escapeMeasurement(s: string): string {
  return s.replace(/[, ]/g, '\\$&');
}

export function escapeTag(s: string): string {
  return s.replace(/[,= ]/g, '\\$&');
}

/** The timestamp (ms) at the end of a line, for the outbox's "oldest point" figure. */
export function lineTs(line: string): number {
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}
