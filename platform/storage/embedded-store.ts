import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StorageSettings } from '../../core/config/site-schema.js';
import type { Reading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import {
  type Aggregate,
  chooseSource,
  type History,
  QUARTER_HOUR_MS,
  type Series,
  type SeriesQuery,
} from './history.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * History without InfluxDB: SQLite in `<dataDir>/history.db`, with the same rollups (1-minute mean, min,
 * max, last, sum, count; 15-minute last) and retention as the InfluxDB schema. Enough for a small site or
 * the demo on a bare machine; see the README for when to move to InfluxDB.
 *
 * Readings are buffered and written once a second in one transaction; bad (out-of-range) readings are kept
 * but left out of every aggregate, as in InfluxDB where they go to `<point>__bad`.
 */
export class EmbeddedStore implements History {
  private readonly db: Database.Database;
  private readonly pointIndex: Map<string, number>;
  private rows: [number, number, number | null, string | null, number][] = [];
  /** Oldest reading time written since the last rollup: where the next rollup starts. */
  private dirtyFrom = Number.POSITIVE_INFINITY;
  private readonly insert;
  readonly counters = { written: 0, rollups: 0 };

  constructor(
    dataDir: string,
    private readonly site: SiteModel,
    private readonly retention: StorageSettings['retention'],
    private readonly now: () => number,
  ) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dataDir, 'history.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS points (id INTEGER PRIMARY KEY, point_id TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS raw (
        point INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, text TEXT, bad INTEGER NOT NULL,
        PRIMARY KEY (point, ts)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rollup_1m (
        point INTEGER NOT NULL, ts INTEGER NOT NULL,
        mean REAL, min REAL, max REAL, last REAL, sum REAL, count INTEGER,
        PRIMARY KEY (point, ts)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rollup_15m (
        point INTEGER NOT NULL, ts INTEGER NOT NULL, last REAL,
        PRIMARY KEY (point, ts)) WITHOUT ROWID;
    `);
    const addPoint = this.db.prepare('INSERT OR IGNORE INTO points (point_id) VALUES (?)');
    for (const p of site.points) addPoint.run(p.id);
    this.pointIndex = new Map(
      (this.db.prepare('SELECT id, point_id FROM points').all() as { id: number; point_id: string }[]).map(
        (r) => [r.point_id, r.id],
      ),
    );
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO raw (point, ts, value, text, bad) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /** Queue a batch from the bus (numbers and booleans as numbers, strings as text). */
  add(batch: readonly Reading[]): void {
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const point = this.pointIndex.get(r.pointId);
      if (point === undefined) continue;
      const v = r.value;
      this.rows.push([
        point,
        r.ts,
        typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null,
        typeof v === 'string' ? v : null,
        r.quality === 'bad' ? 1 : 0,
      ]);
      if (r.ts < this.dirtyFrom) this.dirtyFrom = r.ts;
    }
  }

  /** Write what was queued, in one transaction. */
  flush(): void {
    if (!this.rows.length) return;
    const rows = this.rows;
    this.rows = [];
    this.db.transaction(() => {
      for (const r of rows) this.insert.run(r);
    })();
    this.counters.written += rows.length;
  }

  /** Roll up every minute touched since the last call (late readings included), then apply retention. */
  rollUp(): void {
    this.flush();
    if (this.dirtyFrom === Number.POSITIVE_INFINITY) return;
    const from = Math.floor(this.dirtyFrom / (15 * MINUTE)) * 15 * MINUTE;
    this.dirtyFrom = Number.POSITIVE_INFINITY;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO rollup_1m (point, ts, mean, min, max, last, sum, count)
           SELECT point, b, avg(value), min(value), max(value),
             (SELECT r.value FROM raw r WHERE r.point = g.point AND r.ts >= g.b AND r.ts < g.b + ${MINUTE}
                AND r.bad = 0 AND r.value IS NOT NULL ORDER BY r.ts DESC LIMIT 1),
             sum(value), count(value)
           FROM (SELECT point, ts - ts % ${MINUTE} AS b, value FROM raw
                 WHERE ts >= ? AND bad = 0 AND value IS NOT NULL) g
           GROUP BY point, b`,
        )
        .run(from);
      // SQLite takes the bare column `last` from the row where max(ts) is found.
      this.db
        .prepare(
          `INSERT OR REPLACE INTO rollup_15m (point, ts, last)
           SELECT point, ts - ts % ${QUARTER_HOUR_MS} AS b, last FROM
             (SELECT point, ts, last, max(ts) FROM rollup_1m WHERE ts >= ? GROUP BY point, ts - ts % ${QUARTER_HOUR_MS})`,
        )
        .run(from);
      const now = this.now();
      this.db.prepare('DELETE FROM raw WHERE ts < ?').run(now - this.retention.rawDays * DAY);
      this.db.prepare('DELETE FROM rollup_1m WHERE ts < ?').run(now - this.retention.minuteDays * DAY);
      this.db.prepare('DELETE FROM rollup_15m WHERE ts < ?').run(now - this.retention.quarterHourDays * DAY);
    })();
    this.counters.rollups++;
  }

  async series(q: SeriesQuery): Promise<{ source: 'raw' | '1m'; series: Series[] }> {
    this.flush();
    const source = chooseSource(q, this.now(), this.retention.rawDays);
    const step = source === '1m' ? Math.max(MINUTE, Math.round(q.stepMs / MINUTE) * MINUTE) : q.stepMs;
    const series = q.pointIds.map((pointId) => {
      const point = this.pointIndex.get(pointId)!;
      const isText = this.site.pointById.get(pointId)?.type === 'string';
      const sql = source === 'raw' ? rawQuery(q.agg, isText) : rollupQuery(q.agg);
      const rows = this.db.prepare(sql).raw().all(step, point, q.from, q.to) as [
        number,
        number | string | null,
      ][];
      return { pointId, values: rows.map(([b, v]) => [b, v] as [number, number | string | null]) };
    });
    return { source, series };
  }

  async counterLasts(pointId: string, from: number, to: number): Promise<[number, number][]> {
    this.rollUp();
    const point = this.pointIndex.get(pointId)!;
    return this.db
      .prepare(
        'SELECT ts, last FROM rollup_15m WHERE point = ? AND ts >= ? AND ts < ? AND last IS NOT NULL ORDER BY ts',
      )
      .raw()
      .all(point, Math.floor(from / QUARTER_HOUR_MS) * QUARTER_HOUR_MS, to) as [number, number][];
  }

  async counterLastsMany(
    pointIds: readonly string[],
    from: number,
    to: number,
  ): Promise<Map<string, [number, number][]>> {
    const out = new Map<string, [number, number][]>();
    for (const id of pointIds) out.set(id, await this.counterLasts(id, from, to));
    return out;
  }

  stats() {
    const count = (table: string) =>
      (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      mode: 'embedded',
      rawRows: count('raw'),
      minuteRows: count('rollup_1m'),
      ...this.counters,
      queued: this.rows.length,
    };
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}

function rawQuery(agg: Aggregate, isText: boolean): string {
  const bucket = 'ts - ts % ?';
  const where = 'WHERE point = ? AND ts >= ? AND ts < ? AND bad = 0';
  if (agg === 'last' || isText)
    // SQLite takes the bare column from the row where max(ts) is found: the bucket's last value.
    return `SELECT b, v FROM (SELECT ${bucket} AS b, max(ts), ${isText ? 'text' : 'value'} AS v FROM raw ${where} GROUP BY b) ORDER BY b`;
  const fn = { mean: 'avg', min: 'min', max: 'max', sum: 'sum', count: 'count' }[agg];
  return `SELECT ${bucket} AS b, ${fn}(value) AS v FROM raw ${where} AND value IS NOT NULL GROUP BY b ORDER BY b`;
}

function rollupQuery(agg: Aggregate): string {
  const bucket = 'ts - ts % ?';
  const where = 'WHERE point = ? AND ts >= ? AND ts < ?';
  if (agg === 'last')
    return `SELECT b, v FROM (SELECT ${bucket} AS b, max(ts), last AS v FROM rollup_1m ${where} GROUP BY b) ORDER BY b`;
  const expr = {
    mean: 'sum(sum) / sum(count)',
    min: 'min(min)',
    max: 'max(max)',
    sum: 'sum(sum)',
    count: 'sum(count)',
  }[agg];
  return `SELECT ${bucket} AS b, ${expr} AS v FROM rollup_1m ${where} GROUP BY b ORDER BY b`;
}
