import type { Permission } from '../../core/actor.js';
import type { Db } from '../db/database.js';
import { randomSecret, safeEqual, sha256 } from './secrets.js';

export interface ApiToken {
  id: string;
  userId: number;
  name: string;
  scopes: Permission[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface TokenRow {
  id: string;
  user_id: number;
  name: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const PREFIX = 'fh';
const TOUCH_EVERY_MS = 60_000;

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Permission[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * API tokens for integrations: `fh_<id>_<secret>`, shown once. The id is public (it names the token in
 * lists and the audit log); only the secret's SHA-256 is stored.
 */
export class TokenStore {
  private readonly byId;
  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?');
  }

  create(t: { userId: number; name: string; scopes: Permission[]; expiresAt: number | null; now: number }) {
    const id = randomSecret(9);
    const secret = randomSecret(24);
    this.db
      .prepare(
        `INSERT INTO api_tokens (id, user_id, name, secret_hash, scopes, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, t.userId, t.name, sha256(secret), JSON.stringify(t.scopes), t.now, t.expiresAt);
    return { token: `${PREFIX}_${id}_${secret}`, info: this.get(id)! };
  }

  get(id: string): ApiToken | undefined {
    const row = this.byId.get(id);
    return row && toToken(row);
  }

  /** The token a bearer value names, if its secret matches and it is neither revoked nor expired. */
  verify(bearer: string, now: number): ApiToken | undefined {
    const m = /^fh_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{32})$/.exec(bearer);
    if (!m) return undefined;
    const row = this.byId.get(m[1]!);
    if (!row || !safeEqual(sha256(m[2]!), row.secret_hash)) return undefined;
    if (row.revoked_at !== null || (row.expires_at !== null && now >= row.expires_at)) return undefined;
    if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS)
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, row.id);
    return toToken(row);
  }

  list(userId?: number): ApiToken[] {
    const rows =
      userId === undefined
        ? this.db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at').all()
        : this.db
            .prepare<[number], TokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at')
            .all(userId);
    return rows.map(toToken);
  }

  revoke(id: string, now: number): void {
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id);
  }

  /** Revoke every live token of a user; the ones revoked now. */
  revokeForUser(userId: number, now: number): ApiToken[] {
    const live = this.list(userId).filter((t) => t.revokedAt === null);
    const revoke = this.db.prepare(
      'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.db.transaction(() => {
      for (const t of live) revoke.run(now, t.id);
    })();
    return live;
  }
}
