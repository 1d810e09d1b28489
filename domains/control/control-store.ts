import type { Statement } from 'better-sqlite3';
import type { PointValue } from '../../core/model/reading.js';
import type { Db } from '../../platform/db/database.js';
import type { WriteBatch } from '../../platform/db/write-batch.js';
import type { PointControlState, Slot } from './control-types.js';

export type LastWrite = NonNullable<PointControlState['lastWrite']>;

interface SlotRow {
  point_id: string;
  level: number;
  value: string;
  source: string;
  actor: string;
  reason: string | null;
  since: number;
  expires_at: number | null;
}

interface WriteRow {
  point_id: string;
  value: string | null;
  level: number | null;
  ts: number;
  ok: number;
  error: string | null;
}

/** The priority arrays in SQLite (migration 012): one row per non-null level, one per point's last write. */
export class ControlStore {
  // prepared once: a burst of schedule edges stores two rows per write
  private readonly putSlot: Statement;
  private readonly deleteSlot: Statement;
  private readonly putWrite: Statement;

  /** `batch`: the hub's group commit (platform/db/write-batch.ts); without it each write is its own transaction. */
  constructor(
    private readonly db: Db,
    private readonly batch?: WriteBatch,
  ) {
    this.putSlot = db.prepare(
      `INSERT INTO control_slots (point_id, level, value, source, actor, reason, since, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(point_id, level) DO UPDATE SET value = excluded.value, source = excluded.source,
         actor = excluded.actor, reason = excluded.reason, since = excluded.since, expires_at = excluded.expires_at`,
    );
    this.deleteSlot = db.prepare('DELETE FROM control_slots WHERE point_id = ? AND level = ?');
    this.putWrite = db.prepare(
      `INSERT INTO control_last_writes (point_id, value, level, ts, ok, error) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(point_id) DO UPDATE SET value = excluded.value, level = excluded.level, ts = excluded.ts,
         ok = excluded.ok, error = excluded.error`,
    );
  }

  /** Every stored slot by point, each point's levels highest priority first. */
  slots(): Map<string, Slot[]> {
    const out = new Map<string, Slot[]>();
    const rows = this.db.prepare('SELECT * FROM control_slots ORDER BY point_id, level').all() as SlotRow[];
    for (const r of rows) {
      const slot: Slot = {
        level: r.level,
        value: JSON.parse(r.value) as PointValue,
        source: r.source,
        actor: r.actor,
        since: r.since,
        ...(r.reason !== null ? { reason: r.reason } : {}),
        ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
      };
      const list = out.get(r.point_id);
      if (list) list.push(slot);
      else out.set(r.point_id, [slot]);
    }
    return out;
  }

  lastWrites(): Map<string, LastWrite> {
    const rows = this.db.prepare('SELECT * FROM control_last_writes').all() as WriteRow[];
    return new Map(
      rows.map((r) => [
        r.point_id,
        {
          value: r.value === null ? null : (JSON.parse(r.value) as PointValue),
          level: r.level,
          ts: r.ts,
          ok: r.ok === 1,
          ...(r.error !== null ? { error: r.error } : {}),
        },
      ]),
    );
  }

  put(pointId: string, s: Slot): void {
    this.write(() =>
      this.putSlot.run(
        pointId,
        s.level,
        JSON.stringify(s.value),
        s.source,
        s.actor,
        s.reason ?? null,
        s.since,
        s.expiresAt ?? null,
      ),
    );
  }

  delete(pointId: string, level: number): void {
    this.write(() => this.deleteSlot.run(pointId, level));
  }

  putLastWrite(pointId: string, w: LastWrite): void {
    this.write(() =>
      this.putWrite.run(
        pointId,
        w.value === null ? null : JSON.stringify(w.value),
        w.level,
        w.ts,
        w.ok ? 1 : 0,
        w.error ?? null,
      ),
    );
  }

  private write(fn: () => unknown): void {
    if (this.batch) this.batch.run(fn);
    else fn();
  }
}
