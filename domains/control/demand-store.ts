import type { Db } from '../../platform/db/database.js';
import type { ShedState } from './demand-shedder.js';

/** Each demand-limit plan's sheds in SQLite (migration 014): a restart keeps them. */
export class DemandStore {
  constructor(private readonly db: Db) {}

  get(planId: string): ShedState | undefined {
    const row = this.db.prepare('SELECT state FROM control_demand_state WHERE plan_id = ?').get(planId) as
      | { state: string }
      | undefined;
    return row ? (JSON.parse(row.state) as ShedState) : undefined;
  }

  put(planId: string, state: ShedState, now: number): void {
    this.db
      .prepare(
        `INSERT INTO control_demand_state (plan_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(plan_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(planId, JSON.stringify(state), now);
  }
}
