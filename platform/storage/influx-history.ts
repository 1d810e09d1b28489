import type { InfluxDB } from 'influx';
import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { type Aggregate, chooseSource, type History, type Series, type SeriesQuery } from './history.js';
import { MINUTE_RP, QUARTER_RP, RAW_RP } from './influx-setup.js';

const ident = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
const literal = (s: string) => `'${s.replace(/['\\]/g, '\\$&')}'`;

/** The History API over InfluxDB: raw data while it is kept and the step is fine, else the 1-minute rollup. */
export class InfluxHistory implements History {
  constructor(
    private readonly influx: InfluxDB,
    private readonly site: SiteModel,
    private readonly now: () => number,
  ) {}

  async series(q: SeriesQuery): Promise<{ source: 'raw' | '1m'; series: Series[] }> {
    const source = chooseSource(q, this.now(), this.site.storage.retention.rawDays);
    const step = source === '1m' ? Math.max(60_000, Math.round(q.stepMs / 60_000) * 60_000) : q.stepMs;
    const series = await Promise.all(
      q.pointIds.map(async (pointId) => {
        const { measurement, field, asset } = this.address(pointId);
        const select = source === 'raw' ? `${q.agg}(${ident(field)})` : rollupOf(q.agg, field);
        const rp = source === 'raw' ? RAW_RP : MINUTE_RP;
        const rows = await this.influx.query<{ time: { getTime(): number }; v: PointValue | null }>(
          `SELECT ${select} AS v FROM ${ident(rp)}.${ident(measurement)} WHERE "asset" = ${literal(asset)} AND time >= ${q.from}ms AND time < ${q.to}ms GROUP BY time(${step}ms) fill(none)`,
        );
        return { pointId, values: rows.map((r) => [r.time.getTime(), r.v] as [number, PointValue | null]) };
      }),
    );
    return { source, series };
  }

  async counterLasts(pointId: string, from: number, to: number): Promise<[number, number][]> {
    const { measurement, field, asset } = this.address(pointId);
    const where = `WHERE "asset" = ${literal(asset)}`;
    // Raw data while it is kept (exact, and never waiting for a rollup); the 15-minute rollup before that.
    const rawFrom = Math.max(from, this.now() - (this.site.storage.retention.rawDays - 1) * 86_400_000);
    const [old, recent] = await Promise.all([
      from < rawFrom
        ? this.influx.query<{ time: Date; v: number }>(
            `SELECT last(${ident(`last_${field}`)}) AS v FROM ${ident(QUARTER_RP)}.${ident(measurement)} ${where} AND time >= ${from}ms AND time < ${rawFrom}ms GROUP BY time(15m) fill(none)`,
          )
        : [],
      rawFrom < to
        ? this.influx.query<{ time: Date; v: number }>(
            `SELECT last(${ident(field)}) AS v FROM ${ident(RAW_RP)}.${ident(measurement)} ${where} AND time >= ${rawFrom}ms AND time < ${to}ms GROUP BY time(15m) fill(none)`,
          )
        : [],
    ]);
    const byTs = new Map<number, number>();
    for (const r of [...old, ...recent]) if (typeof r.v === 'number') byTs.set(r.time.getTime(), r.v);
    return [...byTs.entries()].sort((a, b) => a[0] - b[0]);
  }

  async counterLastsMany(
    pointIds: readonly string[],
    from: number,
    to: number,
  ): Promise<Map<string, [number, number][]>> {
    // One query per measurement and field, grouped by asset: a report over 500 meters is a few queries.
    const groups = new Map<string, { measurement: string; field: string; byAsset: Map<string, string> }>();
    for (const id of pointIds) {
      const { measurement, field, asset } = this.address(id);
      const key = `${measurement}\u0000${field}`;
      const g = groups.get(key) ?? { measurement, field, byAsset: new Map<string, string>() };
      groups.set(key, g);
      g.byAsset.set(asset, id);
    }
    const out = new Map<string, [number, number][]>(pointIds.map((id) => [id, []]));
    const rawFrom = Math.max(from, this.now() - (this.site.storage.retention.rawDays - 1) * 86_400_000);
    await Promise.all(
      [...groups.values()].map(async ({ measurement, field, byAsset }) => {
        const assets = [...byAsset.keys()].map((a) => a.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|');
        const where = `WHERE "asset" =~ /^(?:${assets})$/`;
        const query = (rp: string, f: string, a: number, b: number) =>
          this.influx.query<{ time: Date; v: number; asset: string }>(
            `SELECT last(${ident(f)}) AS v FROM ${ident(rp)}.${ident(measurement)} ${where} AND time >= ${a}ms AND time < ${b}ms GROUP BY time(15m), "asset" fill(none)`,
          );
        const [old, recent] = await Promise.all([
          from < rawFrom ? query(QUARTER_RP, `last_${field}`, from, rawFrom) : [],
          rawFrom < to ? query(RAW_RP, field, rawFrom, to) : [],
        ]);
        for (const r of [...old, ...recent]) {
          const id = byAsset.get(r.asset);
          if (id !== undefined && typeof r.v === 'number') out.get(id)!.push([r.time.getTime(), r.v]);
        }
      }),
    );
    for (const lasts of out.values()) lasts.sort((a, b) => a[0] - b[0]);
    return out;
  }

  private address(pointId: string) {
    const point = this.site.pointById.get(pointId)!;
    return {
      measurement: this.site.assetById.get(point.assetId)!.kind,
      field: point.name,
      asset: point.assetId,
    };
  }
}

/** The same aggregate over the 1-minute rollup: exact for min, max, last, sum and count; mean is weighted. */
function rollupOf(agg: Aggregate, field: string): string {
  switch (agg) {
    case 'mean':
      return `sum(${ident(`sum_${field}`)}) / sum(${ident(`count_${field}`)})`;
    case 'count':
      return `sum(${ident(`count_${field}`)})`;
    default:
      return `${agg}(${ident(`${agg}_${field}`)})`;
  }
}
