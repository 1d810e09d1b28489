import type { Db } from '../../platform/db/database.js';

/** The automation measures whose savings the energy reports attribute. */
export const MEASURES = ['schedule', 'dcv', 'demand-limit'] as const;
export type Measure = (typeof MEASURES)[number];

/** One measure acting on one point over [from, to) (to null: acting now). */
export interface ActivityInterval {
  measure: Measure;
  /** The writer: `schedule:office-ahus`, `occupancy:b1-f2`, `demand-limit:b1`. */
  source: string;
  pointId: string;
  from: number;
  to: number | null;
}

/**
 * Which automation measure acted when (table control_activity, migration 015): one interval per point and
 * writer, kept by the hub as the priority arrays change and written in bulk by the demo's history.
 */
export class ActivityStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO control_activity (measure, source, point_id, from_ts, to_ts) VALUES (?, ?, ?, ?, ?)',
      ),
      close: db.prepare('UPDATE control_activity SET to_ts = ? WHERE point_id = ? AND to_ts IS NULL'),
      closeAll: db.prepare('UPDATE control_activity SET to_ts = max(from_ts, ?) WHERE to_ts IS NULL'),
      overlapping: db.prepare(
        `SELECT measure, source, point_id, from_ts, to_ts FROM control_activity
         WHERE from_ts < ? AND (to_ts IS NULL OR to_ts > ?) ORDER BY from_ts`,
      ),
      first: db.prepare('SELECT min(from_ts) AS t FROM control_activity'),
    };
  }

  /** The point's open interval ends at `ts`, and (measure given) a new one begins. */
  switch(pointId: string, ts: number, next?: { measure: Measure; source: string }): void {
    this.db.transaction(() => {
      this.stmts.close.run(ts, pointId);
      if (next) this.stmts.insert.run(next.measure, next.source, pointId, ts, null);
    })();
  }

  /** Every open interval ends at `ts` (the hub stops, or starts after being stopped). */
  closeAll(ts: number): void {
    this.stmts.closeAll.run(ts);
  }

  /** Finished intervals in bulk (the demo's history). */
  addAll(rows: readonly ActivityInterval[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.insert.run(r.measure, r.source, r.pointId, r.from, r.to);
    })();
  }

  /** Intervals overlapping [from, to). */
  between(from: number, to: number): ActivityInterval[] {
    return (
      this.stmts.overlapping.all(to, from) as {
        measure: Measure;
        source: string;
        point_id: string;
        from_ts: number;
        to_ts: number | null;
      }[]
    ).map((r) => ({
      measure: r.measure,
      source: r.source,
      pointId: r.point_id,
      from: r.from_ts,
      to: r.to_ts,
    }));
  }

  /** When automation first acted (undefined: never). */
  firstActivity(): number | undefined {
    return (this.stmts.first.get() as { t: number | null }).t ?? undefined;
  }
}

/**
 * The measure a priority-array writer's command counts for, or undefined when it saves nothing: a schedule
 * holding equipment off (false or 0; a schedule switching it on is the service, not a saving), an occupancy
 * plan (DCV, lighting off, setback), the demand limiter's sheds.
 */
export function measureOf(source: string | null, value: unknown): Measure | undefined {
  if (!source) return undefined;
  if (source.startsWith('schedule:')) return value === false || value === 0 ? 'schedule' : undefined;
  if (source.startsWith('occupancy:')) return 'dcv';
  if (source.startsWith('demand-limit:')) return 'demand-limit';
  return undefined;
}
