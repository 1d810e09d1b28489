import type { Db } from '../../platform/db/database.js';

export interface StoredItem {
  id: string;
  body: unknown;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

interface Row {
  id: string;
  body: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

const toStored = (r: Row): StoredItem => ({
  id: r.id,
  body: JSON.parse(r.body),
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** Schedules, calendars or scenes made through the API, kept in SQLite as given (one table each). */
export class ControlItemStore {
  constructor(
    private readonly db: Db,
    private readonly table: 'control_schedules' | 'control_calendars' | 'control_scenes',
  ) {}

  list(): StoredItem[] {
    return (this.db.prepare(`SELECT * FROM ${this.table} ORDER BY id`).all() as Row[]).map(toStored);
  }

  get(id: string): StoredItem | undefined {
    const row = this.db.prepare(`SELECT * FROM ${this.table} WHERE id = ?`).get(id) as Row | undefined;
    return row && toStored(row);
  }

  put(id: string, body: unknown, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO ${this.table} (id, body, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(id, JSON.stringify(body), now, by, now, by);
  }

  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM ${this.table} WHERE id = ?`).run(id).changes > 0;
  }
}
