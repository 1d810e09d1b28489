import type { Logger } from 'pino';
import { intervalStart, nextInterval } from '../../core/time/zoned-time.js';
import type { Db } from '../../platform/db/database.js';
import type { History } from '../../platform/storage/history.js';
import { counterStep } from './counter-intervals.js';
import { SLOT_MS, type SlotCalendar, type SlotSeries } from './slot-calendar.js';

/** A counter the ledger keeps: its point, and where its register wraps (in the point's unit). */
export interface LedgerPoint {
  pointId: string;
  rolloverAt?: number;
}

export interface LedgerOptions {
  db: Db;
  /** The History API, or undefined while storage is off. */
  history: () => History | undefined;
  points: readonly LedgerPoint[];
  timeZone: string;
  now: () => number;
  /** The time before which storage holds everything it will ever hold (the outbox's oldest unsent reading). */
  settledBefore: () => number;
  log: Logger;
}

/** A day is final (never worked out again) once this long past its end, with storage settled past it. */
export const SETTLE_MS = 30 * 60_000;
/** Days worked out per history query: 500 meters' day is 48,000 rows, which the InfluxDB client parses
 * into objects; two days at a time keep a cold build's memory down without many more queries. */
const RUN_DAYS = 2;
const DAY_MS = 86_400_000;

interface Carry {
  ts: number;
  value: number;
}

/**
 * The energy ledger: each counter's consumption per 15-minute slot, one SQLite row per point and local day,
 * worked out from the History API (InfluxDB or the embedded store), the one source of truth. Reports read
 * the ledger, so a monthly report over 500 meters reads ~15,000 rows instead of ~1.5 million readings;
 * `ensure` brings the days a report needs up to date first (today and unsettled days are worked out again).
 *
 * Each slot holds what the counter counted up to its last reading in the slot, from the reading before
 * (rollovers and meter replacements by counterStep), in the point's unit; a slot without a reading is NaN
 * and the next value spans the gap. The last reading is carried from day to day.
 */
export class EnergyLedger {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stmts;
  /** The last update that worked something out (a report's no-op check does not count). */
  private lastRefresh: { at: number; days: number; ms: number } | undefined;
  private failures = 0;
  private lastError: string | undefined;

  constructor(private readonly o: LedgerOptions) {
    const { db } = o;
    this.stmts = {
      finals: db.prepare(
        'SELECT day_start, count(*) AS n FROM energy_days WHERE day_start >= ? AND day_start < ? AND final = 1 GROUP BY day_start',
      ),
      carry: db.prepare('SELECT point_id, last_ts, last_value FROM energy_days WHERE day_start = ?'),
      upsert: db.prepare(
        `INSERT INTO energy_days (point_id, day_start, slots, spans, last_ts, last_value, final, computed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (point_id, day_start) DO UPDATE SET slots = excluded.slots, spans = excluded.spans,
           last_ts = excluded.last_ts, last_value = excluded.last_value, final = excluded.final,
           computed_at = excluded.computed_at`,
      ),
      read: db.prepare(
        'SELECT point_id, day_start, slots, spans FROM energy_days WHERE day_start >= ? AND day_start < ?',
      ),
      unsettle: db.prepare('UPDATE energy_days SET final = 0 WHERE day_start >= ? AND day_start < ?'),
      count: db.prepare(
        'SELECT count(*) AS rows, sum(final) AS final, min(day_start) AS first FROM energy_days',
      ),
    };
  }

  /** Bring every day touching [from, to) up to date (one at a time: calls queue behind each other). */
  ensure(from: number, to: number): Promise<number> {
    const run = this.queue.then(() => this.update(from, to));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Work these days out again at the next ensure (data imported or replayed into history late). */
  unsettle(from: number, to: number): number {
    return this.stmts.unsettle.run(from, to).changes;
  }

  /** The stored slots of `pointIds` over the calendar (NaN where the ledger has nothing). */
  read(cal: SlotCalendar, pointIds: readonly string[]): Map<string, SlotSeries> {
    const out = new Map<string, SlotSeries>();
    for (const id of pointIds)
      out.set(id, { values: new Float64Array(cal.n).fill(Number.NaN), spans: new Uint8Array(cal.n) });
    const firstSlot = new Map(cal.days.map((d) => [cal.from + d.firstSlot * SLOT_MS, d]));
    for (const row of this.stmts.read.iterate(cal.from, cal.to) as Iterable<{
      point_id: string;
      day_start: number;
      slots: Buffer;
      spans: Buffer;
    }>) {
      const series = out.get(row.point_id);
      const day = firstSlot.get(row.day_start);
      if (!series || !day) continue;
      const n = Math.min(day.slots, row.spans.length);
      // a byte copy: SQLite's buffers need not be 8-byte aligned for a Float64Array view
      new Uint8Array(series.values.buffer, day.firstSlot * 8, n * 8).set(row.slots.subarray(0, n * 8));
      series.spans.set(row.spans.subarray(0, n), day.firstSlot);
    }
    return out;
  }

  stats() {
    const c = this.stmts.count.get() as { rows: number; final: number | null; first: number | null };
    return {
      points: this.o.points.length,
      rows: c.rows,
      finalRows: c.final ?? 0,
      firstDay: c.first,
      lastRefresh: this.lastRefresh,
      failures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async update(from: number, to: number): Promise<number> {
    const history = this.o.history();
    if (!history || !this.o.points.length || to <= from) return 0;
    const { timeZone: tz } = this.o;
    const started = Date.now();
    const now = this.o.now();
    const end = Math.min(to, now);
    // The days that need work: any point without a final row.
    const days: number[] = [];
    for (let d = intervalStart(from, '1d', tz); d < end; d = nextInterval(d, '1d', tz)) days.push(d);
    if (!days.length) return 0;
    const finalCount = new Map<number, number>();
    for (const r of this.stmts.finals.iterate(days[0]!, end) as Iterable<{ day_start: number; n: number }>)
      finalCount.set(r.day_start, r.n);
    const todo = days.filter((d) => (finalCount.get(d) ?? 0) < this.o.points.length);
    // Consecutive days go in runs of RUN_DAYS per query.
    let done = 0;
    for (let i = 0; i < todo.length; ) {
      const run = [todo[i]!];
      while (
        run.length < RUN_DAYS &&
        i + run.length < todo.length &&
        todo[i + run.length] === nextInterval(run[run.length - 1]!, '1d', tz)
      )
        run.push(todo[i + run.length]!);
      i += run.length;
      try {
        await this.computeRun(history, run, now);
        done += run.length;
      } catch (err) {
        this.failures++;
        this.lastError = (err as Error).message;
        this.o.log.warn({ err, day: new Date(run[0]!).toISOString() }, 'energy ledger: history query failed');
        throw err;
      }
    }
    if (done) this.lastRefresh = { at: now, days: done, ms: Date.now() - started };
    return done;
  }

  private async computeRun(history: History, run: number[], now: number): Promise<void> {
    const tz = this.o.timeZone;
    const runStart = run[0]!;
    const runEnd = nextInterval(run[run.length - 1]!, '1d', tz);
    const carried = new Map<string, Carry>();
    for (const r of this.stmts.carry.iterate(intervalStart(runStart - 1, '1d', tz)) as Iterable<{
      point_id: string;
      last_ts: number | null;
      last_value: number | null;
    }>)
      if (r.last_ts !== null && r.last_value !== null && r.last_ts < runStart)
        carried.set(r.point_id, { ts: r.last_ts, value: r.last_value });
    // Without the day before in the ledger, a day of history before the run gives the starting reading.
    const lookback = this.o.points.every((p) => carried.has(p.pointId)) ? 0 : DAY_MS;
    const lasts = await history.counterLastsMany(
      this.o.points.map((p) => p.pointId),
      runStart - lookback,
      Math.min(runEnd, now + 1),
    );
    const settled = this.o.settledBefore();
    this.o.db.transaction(() => {
      for (const p of this.o.points) {
        const readings = lasts.get(p.pointId) ?? [];
        let k = 0;
        let prev = carried.get(p.pointId);
        for (; k < readings.length && readings[k]![0] < runStart; k++)
          if (!carried.has(p.pointId)) prev = { ts: readings[k]![0], value: readings[k]![1] };
        for (const dayStart of run) {
          const dayEnd = nextInterval(dayStart, '1d', tz);
          const n = Math.round((dayEnd - dayStart) / SLOT_MS);
          const values = new Float64Array(n).fill(Number.NaN);
          const spans = new Uint8Array(n);
          for (; k < readings.length && readings[k]![0] < dayEnd; k++) {
            const [ts, value] = readings[k]!;
            if (prev !== undefined && ts > prev.ts) {
              const slot = Math.floor((ts - dayStart) / SLOT_MS);
              values[slot] = counterStep(prev.value, value, p.rolloverAt).delta;
              spans[slot] = Math.min(255, Math.floor(ts / SLOT_MS) - Math.floor(prev.ts / SLOT_MS));
            }
            if (prev === undefined || ts > prev.ts) prev = { ts, value };
          }
          const final = now >= dayEnd + SETTLE_MS && settled >= dayEnd ? 1 : 0;
          this.stmts.upsert.run(
            p.pointId,
            dayStart,
            Buffer.from(values.buffer),
            Buffer.from(spans.buffer),
            prev?.ts ?? null,
            prev?.value ?? null,
            final,
            now,
          );
        }
      }
    })();
  }
}
