import type { Db } from '../../platform/db/database.js';

export interface StoredRule {
  id: string;
  body: unknown;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

interface RuleRow {
  id: string;
  body: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

const toStored = (r: RuleRow): StoredRule => ({
  id: r.id,
  body: JSON.parse(r.body),
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** Rules managed through the API, kept in SQLite (`rules`) as given. Only the rule service writes here. */
export class RuleStore {
  constructor(private readonly db: Db) {}

  list(): StoredRule[] {
    return (this.db.prepare('SELECT * FROM rules ORDER BY id').all() as RuleRow[]).map(toStored);
  }

  get(id: string): StoredRule | undefined {
    const row = this.db.prepare('SELECT * FROM rules WHERE id = ?').get(id) as RuleRow | undefined;
    return row && toStored(row);
  }

  put(id: string, body: unknown, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO rules (id, body, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(id, JSON.stringify(body), now, by, now, by);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes > 0;
  }
}
