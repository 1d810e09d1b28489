import type { Db } from '../../platform/db/database.js';

/** The entry statistics' reads beyond the gate store's: whose passes they are, and today's passes. */
export class VisitorStatsStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      hosts: db.prepare('SELECT id, host FROM passes WHERE id IN (SELECT value FROM json_each(?))'),
      // passes whose window overlaps [from, to) and that are or may become good: what the desk expects
      expected: db.prepare(
        `SELECT id FROM passes WHERE valid_until > ? AND valid_from < ? AND state IN ('approved', 'requested')
         ORDER BY valid_from, id LIMIT ?`,
      ),
      passagesOf: db.prepare(
        `SELECT pass_id, direction, ts FROM gate_passages
         WHERE pass_id IN (SELECT value FROM json_each(?)) AND ts >= ? AND ts < ? ORDER BY ts`,
      ),
    };
  }

  /** Pass id → host username. */
  hosts(passIds: readonly number[]): Map<number, string> {
    const rows = this.q.hosts.all(JSON.stringify(passIds)) as { id: number; host: string }[];
    return new Map(rows.map((r) => [r.id, r.host]));
  }

  expected(from: number, to: number, limit: number): number[] {
    return (this.q.expected.all(from, to, limit) as { id: number }[]).map((r) => r.id);
  }

  passagesOf(
    passIds: readonly number[],
    from: number,
    to: number,
  ): { pass_id: number; direction: string; ts: number }[] {
    return this.q.passagesOf.all(JSON.stringify(passIds), from, to) as never;
  }
}
