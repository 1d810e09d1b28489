import { randomBytes } from 'node:crypto';
import { type Actor, type AuditInput, type AuditTrail, SYSTEM } from '../../core/actor.js';
import type { Db } from '../db/database.js';
import { whereOf } from '../db/where.js';
import type { WriteBatch } from '../db/write-batch.js';
import {
  type AuditCheckpoint,
  type AuditContent,
  type AuditRow,
  type ChainCheck,
  checkpointSigned,
  GENESIS,
  KEYED_START_ACTION,
  rowHash,
  signCheckpoint,
  walkChain,
} from './audit-chain.js';
import { auditKeyFileOf, readAuditKey, writeAuditKey } from './audit-key.js';

export type { AuditCheckpoint } from './audit-chain.js';

export interface AuditEntry extends Actor, AuditInput {
  id: number;
  ts: number;
  outcome: 'ok' | 'denied' | 'failed';
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

/** The chain's verdict, and a checkpoint's when one was given. */
export interface AuditVerdict extends ChainCheck {
  checkpoint?: { ok: boolean; count: number; headId: number; reason?: string };
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

class LostKeyRace extends Error {}

/**
 * The append-only audit log. SQLite triggers refuse UPDATE and DELETE; each row also carries an HMAC-SHA256
 * (keyed with `<dataDir>/audit.key`, audit-key.ts) chained to the previous one, so an edit made around the hub
 * is found by verify() even by someone who can write the database and recompute hashes, and a signed
 * checkpoint taken earlier finds a truncated or replaced history. Rows written before the hub had a key stay
 * plain SHA-256 and are checked as such (audit-chain.ts).
 */
export class AuditLog implements AuditTrail {
  private readonly append: (row: AuditContent) => void;
  /** Set once by openKey(), before anything is written. */
  private key: Buffer = Buffer.alloc(0);

  /**
   * `batch`: the hub's group commit (write-batch.ts): rows recorded in one turn of the event loop share a
   * transaction. The chain is the same: each row still reads the previous hash on this connection, which sees
   * the rows not committed yet.
   */
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    opts: { batch?: WriteBatch } = {},
  ) {
    const last = db.prepare<[], Pick<AuditRow, 'hash'>>(
      'SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    const insert = db.prepare(
      `INSERT INTO audit_log (ts, actor, via, token_id, ip, action, target, outcome, before, after, detail, prev_hash, hash, chain)
       VALUES (@ts, @actor, @via, @token_id, @ip, @action, @target, @outcome, @before, @after, @detail, @prev_hash, @hash, 'hmac-sha256')`,
    );
    // The previous hash is read inside the write transaction: the admin CLI may append from another process.
    const write = (row: AuditContent) => {
      const prev = last.get()?.hash ?? GENESIS;
      insert.run({ ...row, prev_hash: prev, hash: rowHash('hmac-sha256', this.key, prev, row) });
    };
    this.key = this.openKey(write);
    const tx = db.transaction(write);
    const batch = opts.batch;
    this.append = batch ? (row) => batch.run(() => write(row)) : (row) => tx.immediate(row);
  }

  record(who: Actor, what: AuditInput): void {
    this.append(this.content(who, what));
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

  /**
   * Walk the chain from the first row; the first row whose hash does not follow is reported. With a
   * checkpoint, also check that the log still holds its head, with the same hash, after as many rows.
   */
  verify(checkpoint?: AuditCheckpoint): AuditVerdict {
    const chain = walkChain(
      this.db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as Iterable<AuditRow>,
      this.key,
    );
    if (!checkpoint) return chain;
    const cp = this.checkCheckpoint(checkpoint);
    const out: AuditVerdict = {
      ...chain,
      ok: chain.ok && cp.ok,
      checkpoint: { ok: cp.ok, count: checkpoint.count, headId: checkpoint.headId, reason: cp.reason },
    };
    // a broken chain names its row exactly; an intact one that lost the checkpoint's head, as near as it can
    if (chain.ok && !cp.ok) {
      out.firstBadId = cp.firstBadId;
      out.reason = cp.reason;
    }
    return out;
  }

  /** The log's head now, signed with the key: `{ count, headId, headHash, at, sig }`. */
  checkpoint(): AuditCheckpoint {
    return this.db.transaction(() => {
      const head = this.db
        .prepare<[], { id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')
        .get();
      const count = this.db.prepare<[], number>('SELECT COUNT(*) FROM audit_log').pluck().get()!;
      return signCheckpoint(this.key, {
        count,
        headId: head?.id ?? 0,
        headHash: head?.hash ?? GENESIS,
        at: this.now(),
      });
    })();
  }

  private checkCheckpoint(c: AuditCheckpoint): { ok: boolean; firstBadId?: number; reason?: string } {
    if (!checkpointSigned(this.key, c))
      return {
        ok: false,
        reason:
          "the checkpoint is not signed with this hub's audit.key (altered, from another hub, or the key was replaced)",
      };
    const one = <T>(sql: string, ...args: unknown[]) =>
      this.db
        .prepare(sql)
        .pluck()
        .get(...args) as T;
    const head = this.db
      .prepare<[number], Pick<AuditRow, 'hash'>>('SELECT hash FROM audit_log WHERE id = ?')
      .get(c.headId);
    const upToHead = one<number>('SELECT COUNT(*) FROM audit_log WHERE id <= ?', c.headId);
    const headHash = c.headId === 0 ? GENESIS : head?.hash;
    if (headHash === c.headHash && upToHead === c.count) return { ok: true };
    // rows at or before the head written after the checkpoint was taken cannot have been in it
    const later = one<number | null>(
      'SELECT MIN(id) FROM audit_log WHERE id <= ? AND ts > ?',
      c.headId,
      c.at,
    );
    const lastKept = one<number | null>('SELECT MAX(id) FROM audit_log WHERE id <= ?', c.headId);
    const truncated = head === undefined || upToHead < c.count;
    return {
      ok: false,
      firstBadId: later ?? (head === undefined ? (lastKept ?? 0) + 1 : c.headId),
      reason: truncated
        ? `truncated: ${upToHead} rows up to the checkpoint's head ${c.headId}, the checkpoint counted ${c.count}`
        : `rewritten: row ${c.headId} is not the checkpoint's head any more (its hash or the rows before it changed)`,
    };
  }

  /**
   * The key beside the database, created on the first start of a hub that keys its log. A log that already
   * has plain SHA-256 rows then gets the start record of its keyed chain, in the same transaction, so no
   * other process appends a keyed row before it. A keyed log whose key is gone is refused: a new key would
   * make every row look altered, and hide a rewrite.
   */
  private openKey(write: (row: AuditContent) => void): Buffer {
    const file = auditKeyFileOf(this.db);
    if (!file) return randomBytes(32);
    const existing = readAuditKey(file);
    if (existing) return existing;
    try {
      return this.db
        .transaction(() => {
          const keyed = this.db.prepare("SELECT 1 FROM audit_log WHERE chain != 'sha256' LIMIT 1").get();
          if (keyed)
            throw new Error(
              `${file} is missing, but the audit log in hub.db is keyed: restore audit.key from the backup made with hub.db (without it the chain cannot be verified)`,
            );
          const key = randomBytes(32);
          const plainRows = this.db.prepare<[], number>('SELECT COUNT(*) FROM audit_log').pluck().get()!;
          if (plainRows > 0) {
            const plainHead = this.db
              .prepare<[], string>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1')
              .pluck()
              .get();
            this.key = key; // write() signs with it
            write(
              this.content(SYSTEM, {
                action: KEYED_START_ACTION,
                after: { plainRows, plainHead },
                detail: `the chain is keyed (HMAC-SHA256 with ${file}) from here; the ${plainRows} rows before stay plain SHA-256`,
              }),
            );
          }
          if (!writeAuditKey(file, key)) throw new LostKeyRace();
          return key;
        })
        .immediate();
    } catch (err) {
      if (!(err instanceof LostKeyRace)) throw err;
      // another process created it (and the start record) first
      const key = readAuditKey(file);
      if (!key) throw new Error(`${file} could not be created`);
      return key;
    }
  }

  private content(who: Actor, what: AuditInput): AuditContent {
    return {
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
  }
}
