import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Db } from '../db/database.js';

/**
 * The audit chain's key: 32 random bytes as 64 hex digits in `<dataDir>/audit.key` (mode 600), beside the
 * `hub.db` whose audit log it keys. Whoever can write the database but not read this file cannot rewrite
 * history and recompute the chain. Back it up with hub.db: without it the chain cannot be verified.
 */
export const AUDIT_KEY_FILE = 'audit.key';

/** The key file of a database, or undefined for an in-memory one (tests: its key lives as long as it does). */
export function auditKeyFileOf(db: Db): string | undefined {
  return db.memory || db.name === '' ? undefined : join(dirname(db.name), AUDIT_KEY_FILE);
}

/** The key in `file`, or undefined if there is none; refused if others may read or write it. */
export function readAuditKey(file: string): Buffer | undefined {
  let text: string;
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077)
      throw new Error(
        `${file} is open to group or others (mode ${mode.toString(8)}): run chmod 600 ${file} — and ask who may have read it (with the key, the audit log can be rewritten undetected)`,
      );
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new Error(
      `${file} is not an audit key (64 hex digits): restore it from the backup made with hub.db — without it the audit chain cannot be verified`,
    );
  return Buffer.from(text, 'hex');
}

/**
 * Write a new key to `file` (mode 600): whole under a temporary name, then linked into place, so nobody reads
 * half a key and only one of two processes starting at once wins. Returns false if another process won.
 */
export function writeAuditKey(file: string, key: Buffer): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600); // the umask may have narrowed it further; never wider
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}
