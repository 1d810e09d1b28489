import type { Db } from '../db/database.js';
import { randomSecret, sha256 } from './secrets.js';

export interface Session {
  idHash: string;
  userId: number;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

interface SessionRow {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** Refresh last_seen_at at most this often, so a busy dashboard does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Dashboard sessions. The cookie holds a random id; the table holds only its SHA-256, so a copy of the
 * database does not let anyone log in. Each session has its own CSRF token.
 */
export class SessionStore {
  private readonly byHash;
  constructor(
    private readonly db: Db,
    private readonly idleMs: number,
    private readonly maxMs: number,
  ) {
    this.byHash = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?');
  }

  create(userId: number, now: number, client: { ip?: string; userAgent?: string }) {
    const cookieValue = randomSecret(32);
    const session: Session = {
      idHash: sha256(cookieValue),
      userId,
      csrfToken: randomSecret(24),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.maxMs,
    };
    this.db
      .prepare(
        `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        session.idHash,
        userId,
        session.csrfToken,
        now,
        now,
        session.expiresAt,
        client.ip ?? null,
        client.userAgent?.slice(0, 200) ?? null,
      );
    return { cookieValue, session };
  }

  /** The live session behind a cookie value, or undefined when unknown, idle too long or expired. */
  lookup(cookieValue: string, now: number): Session | undefined {
    const hash = sha256(cookieValue);
    const row = this.byHash.get(hash);
    if (!row) return undefined;
    if (now >= row.expires_at || now - row.last_seen_at >= this.idleMs) {
      this.delete(hash);
      return undefined;
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS)
      this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, hash);
    return {
      idHash: row.id_hash,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
    };
  }

  /** The session still exists and is neither idle too long nor expired (a live socket does not refresh it). */
  isLive(idHash: string, now: number): boolean {
    const row = this.byHash.get(idHash);
    return !!row && now < row.expires_at && now - row.last_seen_at < this.idleMs;
  }

  delete(idHash: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  /** End every session of a user (password change, disable, delete), optionally sparing one. */
  deleteForUser(userId: number, exceptHash?: string): number {
    return this.db
      .prepare('DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?')
      .run(userId, exceptHash ?? null).changes;
  }

  purgeExpired(now: number): number {
    return this.db
      .prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?')
      .run(now, now - this.idleMs).changes;
  }
}
