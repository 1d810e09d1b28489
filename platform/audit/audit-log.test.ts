import { chmodSync, existsSync, mkdtempSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/actor.js';
import { silentLogger } from '../../core/logger.js';
import { type Db, migrate, openDatabase } from '../db/database.js';
import { migrations } from '../db/migrations/index.js';
import { WriteBatch } from '../db/write-batch.js';
import { type AuditContent, rowHash } from './audit-chain.js';
import { AuditLog } from './audit-log.js';

const NO_KEY = Buffer.alloc(0);

const alice: Actor = { actor: 'alice', via: 'session', ip: '10.0.0.5' };
const T0 = 1_700_000_000_000;

/** The hash every row had before the chain was keyed (and what an attacker without the key can compute). */
const plainHash = (prev: string, r: Record<string, unknown>) =>
  rowHash('sha256', NO_KEY, prev, r as unknown as AuditContent);

/** What someone with the database file and a sqlite shell does: drop the triggers, edit, re-chain in SHA-256. */
function rewritePlain(
  db: Db,
  fromId: number,
  edit: (r: Record<string, unknown>) => void,
  markPlain: boolean,
) {
  db.exec('DROP TRIGGER IF EXISTS audit_no_update');
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[];
  let prev = 'genesis';
  for (const r of rows) {
    if ((r.id as number) >= fromId) {
      if (r.id === fromId) edit(r);
      const hash = plainHash(prev, r);
      db.prepare(
        `UPDATE audit_log SET actor = ?, detail = ?, prev_hash = ?, hash = ?${markPlain ? ", chain = 'sha256'" : ''} WHERE id = ?`,
      ).run(r.actor, r.detail, prev, hash, r.id);
      prev = hash;
    } else prev = r.hash as string;
  }
}

describe('the keyed audit chain', () => {
  let dir: string;
  let db: Db;
  let now: number;
  const open = () => {
    db = openDatabase(dir, silentLogger);
    return new AuditLog(db, () => now++);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-'));
    now = T0;
  });
  afterEach(() => {
    if (db?.open) db.close();
  });

  it('creates audit.key (mode 600) at first start and keys every row with it', () => {
    const audit = open();
    audit.record(alice, { action: 'login' });
    audit.record(alice, { action: 'setpoint.write', target: 'ahu-1/sp', before: 21, after: 22 });
    expect(statSync(join(dir, 'audit.key')).mode & 0o777).toBe(0o600);
    expect(db.prepare('SELECT DISTINCT chain FROM audit_log').pluck().all()).toEqual(['hmac-sha256']);
    expect(audit.verify()).toEqual({ ok: true, entries: 2, keyedFromId: 1 });
    // the same content hashed without the key is not what is stored
    const [row] = db.prepare('SELECT * FROM audit_log WHERE id = 1').all() as Record<string, unknown>[];
    expect(row!.hash).not.toBe(plainHash('genesis', row!));
  });

  it('a database from before keeps its plain rows verifiable; the keyed chain starts with a record of them', () => {
    // a hub.db at version 8 with plain SHA-256 rows, as the hub wrote them before
    const raw = new Database(join(dir, 'hub.db'));
    migrate(raw, migrations.slice(0, 8), silentLogger);
    let prev = 'genesis';
    for (const action of ['login', 'user.created', 'gate.command']) {
      const r = {
        ts: now++,
        actor: 'bob',
        via: 'session',
        token_id: null,
        ip: null,
        action,
        target: null,
        outcome: 'ok',
        before: null,
        after: null,
        detail: null,
      };
      const hash = plainHash(prev, r);
      raw
        .prepare(
          `INSERT INTO audit_log (ts, actor, via, token_id, ip, action, target, outcome, before, after, detail, prev_hash, hash)
         VALUES (@ts, @actor, @via, @token_id, @ip, @action, @target, @outcome, @before, @after, @detail, @prev, @hash)`,
        )
        .run({ ...r, prev, hash });
      prev = hash;
    }
    raw.close();

    let audit = open();
    audit.record(alice, { action: 'login' });
    expect(audit.verify()).toEqual({ ok: true, entries: 5, keyedFromId: 4 });
    expect(audit.query({ action: 'audit.keyed', limit: 1 })[0]).toMatchObject({
      id: 4,
      actor: 'system',
      after: { plainRows: 3, plainHead: prev },
    });
    // a second start finds the key: no second start record
    db.close();
    audit = open();
    expect(audit.query({ action: 'audit.keyed', limit: 5 })).toHaveLength(1);

    // the plain part rewritten (with its hashes recomputed) no longer leads to the keyed start record
    rewritePlain(
      db,
      2,
      (r) => {
        r.actor = 'mallory';
      },
      false,
    );
    expect(audit.verify()).toMatchObject({ ok: false, firstBadId: 4 });
  });

  it('a keyed row changed and the chain recomputed in plain SHA-256 is found, however the rows are marked', () => {
    const audit = open();
    for (let i = 0; i < 5; i++) audit.record(alice, { action: 'setpoint.write', detail: `#${i}` });
    rewritePlain(
      db,
      3,
      (r) => {
        r.detail = 'nothing happened';
      },
      false,
    );
    expect(audit.verify()).toMatchObject({
      ok: false,
      firstBadId: 3,
      reason: expect.stringMatching(/^altered/),
    });
    // marked as plain rows: a plain row after the keyed chain began
    rewritePlain(db, 3, () => undefined, true);
    expect(audit.verify()).toMatchObject({
      ok: false,
      firstBadId: 3,
      reason: expect.stringMatching(/plain SHA-256 row after/),
    });
    // the whole log rewritten as plain from the start: no keyed row at all
    rewritePlain(db, 1, () => undefined, true);
    expect(audit.verify()).toMatchObject({
      ok: false,
      firstBadId: 1,
      reason: expect.stringMatching(/no keyed row/),
    });
  });

  it('a checkpoint finds a truncated log and one that was truncated and written on; later rows are fine', () => {
    const audit = open();
    for (let i = 0; i < 4; i++) audit.record(alice, { action: 'login' });
    const cp = audit.checkpoint();
    expect(cp).toMatchObject({
      count: 4,
      headId: 4,
      at: expect.any(Number),
      sig: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    audit.record(alice, { action: 'logout' });
    expect(audit.verify(cp)).toMatchObject({ ok: true, entries: 5, checkpoint: { ok: true } });
    // altered checkpoints are not this hub's
    expect(audit.verify({ ...cp, count: 3 })).toMatchObject({
      ok: false,
      checkpoint: { ok: false, reason: expect.stringMatching(/not signed/) },
    });

    db.exec('DROP TRIGGER audit_no_delete');
    db.prepare('DELETE FROM audit_log WHERE id >= 3').run();
    // the chain alone cannot tell a shorter log from a younger one
    expect(audit.verify()).toMatchObject({ ok: true, entries: 2 });
    expect(audit.verify(cp)).toMatchObject({
      ok: false,
      firstBadId: 3,
      reason: expect.stringMatching(/^truncated/),
    });
    // the hub writes on: ids 3 and 4 come back with other rows
    audit.record(alice, { action: 'login' });
    audit.record(alice, { action: 'login' });
    expect(audit.verify(cp)).toMatchObject({
      ok: false,
      firstBadId: 3,
      reason: expect.stringMatching(/^rewritten/),
    });
  });

  it('refuses a key file others may read, and a keyed log whose key is gone', () => {
    open().record(alice, { action: 'login' });
    db.close();
    const file = join(dir, 'audit.key');
    chmodSync(file, 0o644);
    expect(open).toThrow(/audit\.key is open to group or others \(mode 644\): run chmod 600/);
    db.close();
    unlinkSync(file);
    expect(open).toThrow(/audit\.key is missing, but the audit log in hub\.db is keyed: restore audit\.key/);
    expect(existsSync(file)).toBe(false);
  });

  it('group commit: rows of the next 10 ms share a transaction, chained and verified as before, then committed', async () => {
    db = openDatabase(dir, silentLogger);
    const batch = new WriteBatch(db);
    const audit = new AuditLog(db, () => now++, { batch });
    const other = new Database(join(dir, 'hub.db'), { readonly: true });
    const othersCount = () => other.prepare('SELECT COUNT(*) FROM audit_log').pluck().get();
    for (let i = 0; i < 5; i++)
      audit.record(alice, { action: 'setpoint.write', target: `ahu-${i}/sp`, after: i });
    // this connection reads its own rows at once; another process only after the commit
    expect(audit.query({ limit: 10 })).toHaveLength(5);
    expect(db.inTransaction).toBe(true);
    expect(othersCount()).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(db.inTransaction).toBe(false);
    expect(othersCount()).toBe(5);
    // a second turn, and a transaction of somebody else's inside it (a savepoint), then an explicit commit
    audit.record(alice, { action: 'login' });
    db.transaction(() => audit.record(alice, { action: 'logout' }))();
    batch.commit();
    expect(othersCount()).toBe(7);
    expect(audit.verify()).toEqual({ ok: true, entries: 7, keyedFromId: 1 });
    other.close();
  });
});
