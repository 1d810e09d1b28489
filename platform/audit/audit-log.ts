import { createHash } from 'node:crypto';
import type { Actor, AuditInput, AuditTrail } from '../../core/actor.js';
import type { Db } from '../db/database.js';
import { whereOf } from '../db/where.js';

export interface AuditEntry extends Actor, AuditInput {
  id: number;
  ts: number;
  outcome: 'ok' | 'denied' | 'failed';
  hash: string;
}

interface AuditRow {
  id: number;
  ts: number;
  actor: string;
  via: Actor['via'];
  token_id: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  outcome: AuditEntry['outcome'];
  before: string | null;
  after: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditEntry['outcome'];
  /** Entries with an id below this (for paging backwards). */
  beforeId?: number;
  limit: number;
}

const GENESIS = 'genesis';

function rowHash(prev: string, r: Omit<AuditRow, 'id' | 'prev_hash' | 'hash'>): string {
  const canonical = JSON.stringify([
    prev,
    r.ts,
    r.actor,
    r.via,
    r.token_id,
    r.ip,
    r.action,
    r.target,
    r.outcome,
    r.before,
    r.after,
    r.detail,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    ts: r.ts,
    actor: r.actor,
    via: r.via,
    tokenId: r.token_id ?? undefined,
    ip: r.ip ?? undefined,
    action: r.action,
    target: r.target ?? undefined,
    outcome: r.outcome,
    before: r.before === null ? undefined : JSON.parse(r.before),
    after: r.after === null ? undefined : JSON.parse(r.after),
    detail: r.detail ?? undefined,
    hash: r.hash,
  };
}

/**
 * The append-only audit log. SQLite triggers refuse UPDATE and DELETE; each row also carries a SHA-256
 * chained to the previous one, so an edit made around the hub (with the sqlite3 shell, say) is found by
 * verify().
 */
export class AuditLog implements AuditTrail {
  private readonly append: (row: Omit<AuditRow, 'id' | 'prev_hash' | 'hash'>) => void;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    const last = db.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').pluck();
    const insert = db.prepare(
      `INSERT INTO audit_log (ts, actor, via, token_id, ip, action, target, outcome, before, after, detail, prev_hash, hash)
       VALUES (@ts, @actor, @via, @token_id, @ip, @action, @target, @outcome, @before, @after, @detail, @prev_hash, @hash)`,
    );
    // The previous hash is read inside the write transaction: the admin CLI may append from another process.
    const tx = db.transaction((row: Omit<AuditRow, 'id' | 'prev_hash' | 'hash'>) => {
      const prev = (last.get() as string | undefined) ?? GENESIS;
      insert.run({ ...row, prev_hash: prev, hash: rowHash(prev, row) });
    });
    this.append = (row) => tx.immediate(row);
  }

  record(who: Actor, what: AuditInput): void {
    const row = {
      ts: this.now(),
      actor: who.actor,
      via: who.via,
      token_id: who.tokenId ?? null,
      ip: who.ip ?? null,
      action: what.action,
      target: what.target ?? null,
      outcome: what.outcome ?? 'ok',
      before: what.before === undefined ? null : JSON.stringify(what.before),
      after: what.after === undefined ? null : JSON.stringify(what.after),
      detail: what.detail ?? null,
    };
    this.append(row);
  }

  query(q: AuditQuery): AuditEntry[] {
    // "ticket." matches every ticket action; "login.failed" just that one.
    const prefix = q.action?.endsWith('.');
    const { where, args } = whereOf([
      ['ts >= ?', q.from],
      ['ts < ?', q.to],
      ['actor = ?', q.actor],
      ['target = ?', q.target],
      ['outcome = ?', q.outcome],
      ['id < ?', q.beforeId],
      ["action LIKE ? ESCAPE '\\'", prefix ? `${q.action!.replace(/[%_\\]/g, '\\$&')}%` : undefined],
      ['action = ?', prefix ? undefined : q.action],
    ]);
    const sql = `SELECT * FROM audit_log ${where} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as AuditRow[]).map(toEntry);
  }

  /** Walk the chain from the first row; the first row whose hash does not follow is reported. */
  verify(): { ok: boolean; entries: number; firstBadId?: number } {
    let prev = GENESIS;
    let entries = 0;
    for (const r of this.db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as Iterable<AuditRow>) {
      entries++;
      if (r.prev_hash !== prev || rowHash(prev, r) !== r.hash)
        return { ok: false, entries, firstBadId: r.id };
      prev = r.hash;
    }
    return { ok: true, entries };
  }
}
