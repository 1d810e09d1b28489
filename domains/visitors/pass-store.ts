import type { Db } from '../../platform/db/database.js';
import { whereOf } from '../../platform/db/where.js';
import type { PassRow, PassState } from './pass-types.js';

/**
 * The `visitors` and `passes` tables: rows in, rows out. Only PassService writes through it. Reads always
 * join the visitor's name and masked fields, never the hashes of their ID number or phone.
 */

const SELECT = `SELECT p.*, v.name AS visitor_name, v.company AS visitor_company,
  v.phone_masked AS phone_masked, v.id_masked AS id_masked
  FROM passes p JOIN visitors v ON v.id = p.visitor_id`;

/** What is erased of a visitor after the retention. */
const ERASED = 'erased';

export interface NewVisitorRow {
  name: string;
  phone_masked: string | null;
  phone_hash: string | null;
  id_masked: string | null;
  id_hash: string | null;
  company: string | null;
  created_at: number;
  purge_after: number;
}

export type NewPassRow = Pick<
  PassRow,
  | 'visitor_id'
  | 'host'
  | 'purpose'
  | 'state'
  | 'valid_from'
  | 'valid_until'
  | 'max_entries'
  | 'gates'
  | 'created_at'
  | 'created_by'
>;

/** Columns a state change sets. */
export type PassUpdate = Partial<
  Pick<
    PassRow,
    | 'state'
    | 'decided_at'
    | 'decided_by'
    | 'decision_comment'
    | 'revoked_at'
    | 'revoked_by'
    | 'code_hash'
    | 'code_sealed'
  >
>;

export interface PassQuery {
  state?: PassState;
  host?: string;
  /** Passes whose window overlaps [from, to). */
  from?: number;
  to?: number;
  /** Only passes this user hosts or registered. */
  involving?: string;
  beforeId?: number;
  limit: number;
}

export class PassStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      byId: db.prepare(`${SELECT} WHERE p.id = ?`),
      byCode: db.prepare(`${SELECT} WHERE p.code_hash = ?`),
      active: db.prepare(`${SELECT} WHERE p.state = 'approved' AND p.valid_until > ? ORDER BY p.id`),
      visitor: db.prepare(
        `INSERT INTO visitors (name, phone_masked, phone_hash, id_masked, id_hash, company, created_at, purge_after)
         VALUES (@name, @phone_masked, @phone_hash, @id_masked, @id_hash, @company, @created_at, @purge_after)`,
      ),
      pass: db.prepare(
        `INSERT INTO passes (visitor_id, host, purpose, state, valid_from, valid_until, max_entries, gates,
           created_at, created_by)
         VALUES (@visitor_id, @host, @purpose, @state, @valid_from, @valid_until, @max_entries, @gates,
           @created_at, @created_by)`,
      ),
      entryIn: db.prepare('UPDATE passes SET entries_used = entries_used + 1, inside = 1 WHERE id = ?'),
      entryOut: db.prepare('UPDATE passes SET inside = 0 WHERE id = ?'),
      // Not while one of the visitor's passes may still open a gate: erasing it would strand them inside.
      purgeable: db
        .prepare(
          `SELECT v.id FROM visitors v WHERE v.purge_after <= @now
             AND NOT (v.name = '${ERASED}' AND v.phone_masked IS NULL AND v.phone_hash IS NULL
                      AND v.id_masked IS NULL AND v.id_hash IS NULL AND v.company IS NULL)
             AND NOT EXISTS (SELECT 1 FROM passes p WHERE p.visitor_id = v.id
                             AND p.state IN ('requested', 'approved') AND p.valid_until > @now)`,
        )
        .pluck(),
      erase: db.prepare(
        `UPDATE visitors SET name = '${ERASED}', phone_masked = NULL, phone_hash = NULL, id_masked = NULL,
           id_hash = NULL, company = NULL WHERE id = ?`,
      ),
      // the code of an ended pass says nothing any more; freeing it keeps the code space clear
      eraseCodes: db.prepare(
        'UPDATE passes SET code_hash = NULL, code_sealed = NULL, decision_comment = NULL WHERE visitor_id = ?',
      ),
      // the notification delivery log (platform/notify) names visitors in its summaries and held messages:
      // it forgets them with the visitor, whatever its own 90 days say
      eraseDeliveries: db.prepare(
        `UPDATE notify_deliveries SET summary = '${ERASED}', pending = NULL,
             error = CASE WHEN state = 'held' THEN 'visitor record erased' ELSE error END,
             state = CASE WHEN state = 'held' THEN 'dropped' ELSE state END
           WHERE topic = 'visitor' AND subject_id IN (SELECT CAST(id AS TEXT) FROM passes WHERE visitor_id = ?)`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insertVisitor(v: NewVisitorRow): number {
    return Number(this.q.visitor.run(v).lastInsertRowid);
  }

  insertPass(p: NewPassRow): number {
    return Number(this.q.pass.run(p).lastInsertRowid);
  }

  get(id: number): PassRow | undefined {
    return this.q.byId.get(id) as PassRow | undefined;
  }

  byCodeHash(codeHash: string): PassRow | undefined {
    return this.q.byCode.get(codeHash) as PassRow | undefined;
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE when another pass holds the code (the caller draws again). */
  update(id: number, fields: PassUpdate): void {
    const cols = Object.keys(fields);
    if (!cols.length) return;
    this.db
      .prepare(`UPDATE passes SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`)
      .run({ ...fields, id });
  }

  list(q: PassQuery): PassRow[] {
    const { where, args } = whereOf([
      ['p.state = ?', q.state],
      ['p.host = ?', q.host],
      ['p.valid_until > ?', q.from],
      ['p.valid_from < ?', q.to],
      ['p.id < ?', q.beforeId],
    ]);
    const involving =
      q.involving === undefined ? '' : `${where ? ' AND' : 'WHERE'} (p.host = ? OR p.created_by = ?)`;
    const extra = q.involving === undefined ? [] : [q.involving, q.involving];
    return this.db
      .prepare(`${SELECT} ${where}${involving} ORDER BY p.id DESC LIMIT ?`)
      .all(...args, ...extra, q.limit) as PassRow[];
  }

  /** Approved passes whose window is not over: the gates' allow-list. */
  active(now: number): PassRow[] {
    return this.q.active.all(now) as PassRow[];
  }

  recordEntry(passId: number, direction: 'in' | 'out'): void {
    (direction === 'in' ? this.q.entryIn : this.q.entryOut).run(passId);
  }

  /**
   * Erase the personal fields of visitors past their retention; returns how many. SQLite leaves an updated
   * row's old bytes in the page's free space unless secure_delete is on: on for the purge, so erased means
   * gone from the file (once the WAL is checkpointed), not just from queries.
   */
  purge(now: number): number {
    const before = this.db.pragma('secure_delete', { simple: true }) as number;
    this.db.pragma('secure_delete = ON');
    try {
      return this.transaction(() => {
        const ids = this.q.purgeable.all({ now }) as number[];
        for (const id of ids) {
          this.q.erase.run(id);
          this.q.eraseCodes.run(id);
          this.q.eraseDeliveries.run(id);
        }
        return ids.length;
      });
    } finally {
      this.db.pragma(`secure_delete = ${before}`);
    }
  }
}
