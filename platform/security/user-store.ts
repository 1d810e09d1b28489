import type { Db } from '../db/database.js';
import type { Role } from './roles.js';

export interface User {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  /** When an admin last lifted the account's login throttles (the hub, or the admin CLI beside it). */
  loginsResetAt: number | null;
  passwordChangedAt: number;
  createdAt: number;
  lastLoginAt: number | null;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  roles: string;
  password_hash: string;
  disabled: number;
  logins_reset_at: number | null;
  password_changed_at: number;
  created_at: number;
  last_login_at: number | null;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roles: JSON.parse(row.roles) as Role[],
    disabled: row.disabled === 1,
    loginsResetAt: row.logins_reset_at,
    passwordChangedAt: row.password_changed_at,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

/** The users table. Passwords arrive already hashed; this layer never sees a clear password. */
export class UserStore {
  private readonly byId;
  private readonly byName;
  constructor(private readonly db: Db) {
    this.byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.byName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
  }

  get(id: number): User | undefined {
    const row = this.byId.get(id);
    return row && toUser(row);
  }

  /** The user and their password hash, by username (case-insensitive). */
  findForLogin(username: string): { user: User; passwordHash: string } | undefined {
    const row = this.byName.get(username);
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  findByName(username: string): User | undefined {
    const row = this.byName.get(username);
    return row && toUser(row);
  }

  passwordHash(id: number): string | undefined {
    return this.byId.get(id)?.password_hash;
  }

  list(): User[] {
    return this.db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username').all().map(toUser);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  /** Enabled admins other than `exceptId`: the hub never lets the last one go. */
  otherActiveAdmins(exceptId: number): number {
    return this.list().filter((u) => u.id !== exceptId && !u.disabled && u.roles.includes('admin')).length;
  }

  create(u: {
    username: string;
    displayName: string;
    roles: Role[];
    passwordHash: string;
    now: number;
  }): User {
    const info = this.db
      .prepare(
        `INSERT INTO users (username, display_name, roles, password_hash, password_changed_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(u.username, u.displayName, JSON.stringify(u.roles), u.passwordHash, u.now, u.now);
    return this.get(Number(info.lastInsertRowid))!;
  }

  update(id: number, changes: { displayName?: string; roles?: Role[]; disabled?: boolean }): void {
    const u = this.get(id);
    if (!u) return;
    this.db
      .prepare('UPDATE users SET display_name = ?, roles = ?, disabled = ? WHERE id = ?')
      .run(
        changes.displayName ?? u.displayName,
        JSON.stringify(changes.roles ?? u.roles),
        (changes.disabled ?? u.disabled) ? 1 : 0,
        id,
      );
  }

  setPassword(id: number, passwordHash: string, now: number): void {
    this.db
      .prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?')
      .run(passwordHash, now, id);
  }

  /** The same password hashed again at new parameters, unless it changed meanwhile. */
  rehash(id: number, was: string, passwordHash: string): boolean {
    return (
      this.db
        .prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?')
        .run(passwordHash, id, was).changes === 1
    );
  }

  loginSucceeded(id: number, now: number): void {
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?').run(now, id);
  }

  /** An admin lifted the account's login throttles at `now`. */
  loginsReset(id: number, now: number): void {
    this.db.prepare('UPDATE users SET logins_reset_at = ? WHERE id = ?').run(now, id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }
}
