import type { EventBus, EventMap } from '../../core/bus.js';
import type { Db } from '../db/database.js';

export type CounterEvent = Omit<EventMap['counter.jumped'], 'pointId'> & { pointId: string };

/** Counter rollovers and resets, kept in the state database as they happen (`counter.jumped`). */
export class CounterEventLog {
  private readonly insert;

  constructor(
    private readonly db: Db,
    bus: EventBus,
  ) {
    this.insert = db.prepare(
      'INSERT INTO counter_events (point_id, ts, kind, from_value, to_value) VALUES (?, ?, ?, ?, ?)',
    );
    bus.on('counter.jumped', (e) => this.insert.run(e.pointId, e.ts, e.kind, e.from, e.to));
  }

  list(pointId: string, from: number, to: number, limit = 1000): CounterEvent[] {
    return (
      this.db
        .prepare(
          `SELECT point_id, ts, kind, from_value, to_value FROM counter_events
           WHERE point_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?`,
        )
        .all(pointId, from, to, limit) as {
        point_id: string;
        ts: number;
        kind: 'rollover' | 'reset';
        from_value: number;
        to_value: number;
      }[]
    ).map((r) => ({ pointId: r.point_id, ts: r.ts, kind: r.kind, from: r.from_value, to: r.to_value }));
  }
}
