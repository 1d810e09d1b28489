import type { InfluxDB } from 'influx';
import type { SparkplugType } from '../../core/sparkplug/sparkplug-codec.js';
import { chooseStep } from '../../platform/storage/history.js';
import { RAW_RP } from '../../platform/storage/influx-setup.js';

const ident = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
const literal = (s: string) => `'${s.replace(/['\\]/g, '\\$&')}'`;

/** Up to this range a trend is the raw values; beyond it, means per interval. */
export const RAW_RANGE_MS = 2 * 3_600_000;
/** Intervals of a longer range (at most). */
const MAX_BUCKETS = 1_000;
const MAX_RAW = 20_000;

export interface FleetSeries {
  values: [number, number][];
  intervalMs: number | null;
}

/** A point's history on the central hub: its own InfluxDB, the site's lines with their `site` tag. */
export class FleetHistory {
  constructor(private readonly influx: InfluxDB) {}

  async series(q: {
    site: string;
    asset: string;
    kind: string;
    point: string;
    type: SparkplugType;
    from: number;
    to: number;
  }): Promise<FleetSeries> {
    if (q.type === 'String' || q.type === 'Text' || q.type === 'UUID')
      return { values: [], intervalMs: null };
    const where = `WHERE "site" = ${literal(q.site)} AND "asset" = ${literal(q.asset)} AND time >= ${q.from}ms AND time < ${q.to}ms`;
    const from = `FROM ${ident(RAW_RP)}.${ident(q.kind)}`;
    // booleans have no mean: their changes, raw, as 1 and 0
    if (q.to - q.from <= RAW_RANGE_MS || q.type === 'Boolean') {
      const rows = await this.influx.query<{ time: { getTime(): number }; v: unknown }>(
        `SELECT ${ident(q.point)} AS v ${from} ${where} ORDER BY time DESC LIMIT ${MAX_RAW}`,
      );
      const values: [number, number][] = [];
      for (const r of rows) {
        const v = typeof r.v === 'boolean' ? (r.v ? 1 : 0) : r.v;
        if (typeof v === 'number') values.push([r.time.getTime(), v]);
      }
      return { values: values.reverse(), intervalMs: null };
    }
    const step = chooseStep(q.from, q.to, MAX_BUCKETS);
    const rows = await this.influx.query<{ time: { getTime(): number }; v: number | null }>(
      `SELECT mean(${ident(q.point)}) AS v ${from} ${where} GROUP BY time(${step}ms) fill(none)`,
    );
    return {
      values: rows.filter((r) => typeof r.v === 'number').map((r) => [r.time.getTime(), r.v as number]),
      intervalMs: step,
    };
  }
}
