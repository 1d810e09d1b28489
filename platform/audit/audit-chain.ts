import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../core/actor.js';

/** An `audit_log` row as SQLite holds it. */
export interface AuditRow {
  id: number;
  ts: number;
  actor: string;
  via: Actor['via'];
  token_id: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  before: string | null;
  after: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
  /** How `hash` was made: `sha256` (rows from before the key), `hmac-sha256` (keyed with audit.key). */
  chain: ChainKind;
}

export type ChainKind = 'sha256' | 'hmac-sha256';
export type AuditContent = Omit<AuditRow, 'id' | 'prev_hash' | 'hash' | 'chain'>;

export const GENESIS = 'genesis';
/** The first keyed row of a log that had plain rows: it says how many there were and where they ended. */
export const KEYED_START_ACTION = 'audit.keyed';

function canonical(prev: string, r: AuditContent): string {
  return JSON.stringify([
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
}

/** The hash of a row that follows `prev`: HMAC-SHA256 with the key, or plain SHA-256 (rows from before it). */
export function rowHash(kind: ChainKind, key: Buffer, prev: string, r: AuditContent): string {
  return kind === 'hmac-sha256'
    ? createHmac('sha256', key).update(canonical(prev, r)).digest('hex')
    : createHash('sha256').update(canonical(prev, r)).digest('hex');
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** The first row that does not follow: altered, inserted, or after a removed one. */
  firstBadId?: number;
  reason?: string;
  /** Where the keyed chain begins (the rows before it are plain SHA-256, from before the key). */
  keyedFromId?: number;
}

/**
 * Walk the chain from the first row. Rows may begin with plain SHA-256 ones (written before the hub had a
 * key); the first keyed row after them must be the hub's own start record (`audit.keyed`, which counts them),
 * and no plain row may follow a keyed one. So rewriting history with plain SHA-256 is found, wherever it
 * starts, and so is any change without the key.
 */
export function walkChain(rows: Iterable<AuditRow>, key: Buffer): ChainCheck {
  let prev = GENESIS;
  let entries = 0;
  let plain = 0;
  let firstId: number | undefined;
  let keyedFromId: number | undefined;
  const bad = (id: number, reason: string): ChainCheck => ({ ok: false, entries, firstBadId: id, reason });
  for (const r of rows) {
    entries++;
    firstId ??= r.id;
    if (r.prev_hash !== prev)
      return bad(r.id, 'does not follow the row before it (a row removed, added or changed)');
    if (r.chain === 'sha256') {
      if (keyedFromId !== undefined)
        return bad(r.id, 'a plain SHA-256 row after the keyed chain began: history was rewritten');
      if (rowHash('sha256', key, prev, r) !== r.hash) return bad(r.id, 'altered');
      plain++;
    } else if (r.chain === 'hmac-sha256') {
      if (keyedFromId === undefined && plain > 0 && !isKeyedStart(r, plain))
        return bad(
          r.id,
          `the keyed chain begins without the hub's ${KEYED_START_ACTION} record: the rows before it were rewritten`,
        );
      if (rowHash('hmac-sha256', key, prev, r) !== r.hash)
        return bad(r.id, 'altered (or keyed with another audit.key)');
      keyedFromId ??= r.id;
    } else return bad(r.id, `unknown chain "${String(r.chain)}"`);
    prev = r.hash;
  }
  // the hub keys its log the moment it has a key: plain rows alone were written by someone else
  if (firstId !== undefined && keyedFromId === undefined)
    return bad(firstId, 'no keyed row at all: the log was rewritten with plain SHA-256');
  return { ok: true, entries, keyedFromId };
}

function isKeyedStart(r: AuditRow, plainRows: number): boolean {
  if (r.action !== KEYED_START_ACTION || r.actor !== 'system' || r.after === null) return false;
  try {
    return (JSON.parse(r.after) as { plainRows?: unknown }).plainRows === plainRows;
  } catch {
    return false;
  }
}

/** A signed statement of the log's head: keep it off the hub's machine, check it later. */
export interface AuditCheckpoint {
  /** Rows in the log up to and including the head. */
  count: number;
  /** The newest row's id (0: an empty log). */
  headId: number;
  headHash: string;
  /** When it was taken (ms since the epoch). */
  at: number;
  /** HMAC-SHA256 with audit.key over the fields above (hex). */
  sig: string;
}

export function signCheckpoint(key: Buffer, c: Omit<AuditCheckpoint, 'sig'>): AuditCheckpoint {
  return { ...c, sig: checkpointSig(key, c) };
}

export function checkpointSigned(key: Buffer, c: AuditCheckpoint): boolean {
  const expected = Buffer.from(checkpointSig(key, c), 'hex');
  const given = Buffer.from(c.sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function checkpointSig(key: Buffer, c: Omit<AuditCheckpoint, 'sig'>): string {
  const text = `checkpoint:${JSON.stringify([c.count, c.headId, c.headHash, c.at])}`;
  return createHmac('sha256', key).update(text).digest('hex');
}
