import { parseCookie } from 'cookie';
import type { Actor, Permission } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { AuthSettings } from '../../core/config/site-schema.js';
import { conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { permissionsOf, type Role } from './roles.js';
import {
  DEFAULT_SCRYPT,
  generatePassword,
  hashPassword,
  type ScryptCost,
  verifyPassword,
} from './secrets.js';
import { type Session, SessionStore } from './session-store.js';
import { type ApiToken, TokenStore } from './token-store.js';
import { type User, UserStore } from './user-store.js';

export const SESSION_COOKIE = 'hub_session';

/** Who is asking: a user through a dashboard session, or an integration through an API token. */
/** Actors the hub writes as itself (the audit log, automation): no user may take these names. */
export const RESERVED_USERNAMES: readonly string[] = ['system', 'rules', 'anonymous', 'site-file'];

export interface Principal {
  via: 'session' | 'token';
  user: User;
  /** What this request may do: the user's roles' permissions, narrowed to the token's scopes. */
  permissions: ReadonlySet<Permission>;
  session?: Session;
  token?: ApiToken;
}

export function actorOf(p: Principal | undefined, ip?: string): Actor {
  if (!p) return { actor: 'anonymous', via: 'anonymous', ip };
  return { actor: p.user.username, via: p.via, tokenId: p.token?.id, ip };
}

export type LoginResult =
  | { ok: true; cookieValue: string; session: Session; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; lockedUntil: number };

export interface NewUser {
  username: string;
  displayName?: string;
  roles: Role[];
  /** Omitted: the hub generates one and returns it once. */
  password?: string;
}

/**
 * Users, logins, sessions and API tokens, with every change written to the audit log. Framework-free: the
 * HTTP layer and the live gateway both resolve a Principal through authenticate().
 */
export class AuthService {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: TokenStore;
  /** Checked against when the username is unknown, so the answer takes as long either way. */
  private dummyHash?: Promise<string>;

  constructor(
    db: Db,
    private readonly settings: AuthSettings,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly scrypt: ScryptCost = DEFAULT_SCRYPT,
  ) {
    this.users = new UserStore(db);
    this.sessions = new SessionStore(
      db,
      settings.sessionIdleMinutes * 60_000,
      settings.sessionMaxHours * 3_600_000,
    );
    this.tokens = new TokenStore(db);
  }

  /**
   * First start: create the admin. The password comes from HUB_ADMIN_PASSWORD or is generated and returned
   * so the caller prints it once. Later starts do nothing.
   */
  async bootstrapAdmin(opts: {
    username?: string;
    password?: string;
  }): Promise<{ username: string; generatedPassword?: string } | undefined> {
    if (this.users.count() > 0) {
      if (opts.password) this.log.info('HUB_ADMIN_PASSWORD is ignored: the hub already has users');
      return undefined;
    }
    const username = opts.username ?? 'admin';
    const password = opts.password ?? generatePassword();
    if (opts.password) this.requirePolicy(opts.password, username, 'HUB_ADMIN_PASSWORD');
    const user = this.users.create({
      username,
      displayName: 'Administrator',
      roles: ['admin'],
      passwordHash: await hashPassword(password, this.scrypt),
      now: this.clock.now(),
    });
    this.audit.record(
      { actor: 'system', via: 'system' },
      {
        action: 'user.created',
        target: username,
        after: publicUser(user),
        detail: opts.password
          ? 'first start, password from HUB_ADMIN_PASSWORD'
          : 'first start, generated password',
      },
    );
    return { username, generatedPassword: opts.password ? undefined : password };
  }

  /** Check a password; lock the account after repeated failures. Every outcome is audited. */
  async login(
    username: string,
    password: string,
    client: { ip?: string; userAgent?: string },
  ): Promise<LoginResult> {
    const now = this.clock.now();
    const found = this.users.findForLogin(username);
    const who: Actor = {
      actor: found?.user.username ?? username.slice(0, 64),
      via: 'anonymous',
      ip: client.ip,
    };
    if (!found) {
      this.dummyHash ??= hashPassword(generatePassword(), this.scrypt);
      await verifyPassword(password, await this.dummyHash);
      this.audit.record(who, {
        action: 'login.failed',
        target: who.actor,
        outcome: 'denied',
        detail: 'unknown user',
      });
      return { ok: false, reason: 'invalid' };
    }
    const { user, passwordHash } = found;
    if (user.lockedUntil !== null && now < user.lockedUntil) {
      this.audit.record(who, {
        action: 'login.failed',
        target: user.username,
        outcome: 'denied',
        detail: 'account locked',
      });
      return { ok: false, reason: 'locked', lockedUntil: user.lockedUntil };
    }
    const good = await verifyPassword(password, passwordHash);
    if (!good || user.disabled) {
      const detail = user.disabled ? 'account disabled' : 'wrong password';
      this.audit.record(who, { action: 'login.failed', target: user.username, outcome: 'denied', detail });
      if (user.disabled) return { ok: false, reason: 'invalid' };
      const lockUntil = now + this.settings.lockoutMinutes * 60_000;
      const { locked, failures } = this.users.loginFailed(user.id, this.settings.lockoutAttempts, lockUntil);
      if (locked) {
        this.log.warn(
          { user: user.username, ip: client.ip, failures },
          'account locked after repeated failed logins',
        );
        this.audit.record(who, {
          action: 'account.locked',
          target: user.username,
          outcome: 'denied',
          after: { lockedUntil: lockUntil },
          detail: `${failures} failed logins in a row`,
        });
        return { ok: false, reason: 'locked', lockedUntil: lockUntil };
      }
      return { ok: false, reason: 'invalid' };
    }
    this.users.loginSucceeded(user.id, now);
    const { cookieValue, session } = this.sessions.create(user.id, now, client);
    this.audit.record({ ...who, via: 'session' }, { action: 'login.succeeded', target: user.username });
    return { ok: true, cookieValue, session, user: this.users.get(user.id)! };
  }

  logout(p: Principal, ip?: string): void {
    if (!p.session) return;
    this.sessions.delete(p.session.idHash);
    this.bus.emit('auth.revoked', { sessionId: p.session.idHash, reason: 'logged out' });
    this.audit.record(actorOf(p, ip), { action: 'logout', target: p.user.username });
  }

  /**
   * The principal behind a request's headers: a bearer token wins over the session cookie. Undefined when
   * neither is present or valid.
   */
  authenticate(headers: { cookie?: string; authorization?: string }): Principal | undefined {
    const now = this.clock.now();
    const auth = headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const token = m ? this.tokens.verify(m[1]!, now) : undefined;
      const user = token && this.users.get(token.userId);
      if (!token || !user || user.disabled) return undefined;
      const own = permissionsOf(user.roles);
      return { via: 'token', user, token, permissions: new Set(token.scopes.filter((s) => own.has(s))) };
    }
    const cookieValue = headers.cookie ? parseCookie(headers.cookie)[SESSION_COOKIE] : undefined;
    if (!cookieValue) return undefined;
    const session = this.sessions.lookup(cookieValue, now);
    const user = session && this.users.get(session.userId);
    if (!session || !user || user.disabled) return undefined;
    return { via: 'session', user, session, permissions: permissionsOf(user.roles) };
  }

  /**
   * Whether a principal resolved earlier still holds: its session neither expired nor ended, its token not
   * revoked or expired, its user not disabled. The live gateway asks this of its long-lived connections.
   */
  stillValid(p: Principal): boolean {
    const now = this.clock.now();
    const user = this.users.get(p.user.id);
    if (!user || user.disabled) return false;
    if (p.session) return this.sessions.isLive(p.session.idHash, now);
    if (p.token) {
      const t = this.tokens.get(p.token.id);
      return !!t && t.revokedAt === null && (t.expiresAt === null || now < t.expiresAt);
    }
    return false;
  }

  // ── Users ────────────────────────────────────────────────────────────────

  async createUser(by: Actor, u: NewUser): Promise<{ user: User; generatedPassword?: string }> {
    // the names the hub acts under itself: the audit log and the rules' override interlock tell them apart
    if (RESERVED_USERNAMES.includes(u.username))
      throw conflict(`"${u.username}" is a name the hub uses for itself; choose another`);
    if (this.users.findByName(u.username)) throw conflict(`user "${u.username}" already exists`);
    const password = u.password ?? generatePassword();
    if (u.password) this.requirePolicy(u.password, u.username, 'password');
    const user = this.users.create({
      username: u.username,
      displayName: u.displayName ?? u.username,
      roles: unique(u.roles),
      passwordHash: await hashPassword(password, this.scrypt),
      now: this.clock.now(),
    });
    this.audit.record(by, { action: 'user.created', target: user.username, after: publicUser(user) });
    return { user, generatedPassword: u.password ? undefined : password };
  }

  updateUser(
    by: Actor,
    id: number,
    changes: { displayName?: string; roles?: Role[]; disabled?: boolean },
  ): User {
    const before = this.requireUser(id);
    const losesAdmin =
      (changes.roles !== undefined && !changes.roles.includes('admin')) || changes.disabled === true;
    if (
      losesAdmin &&
      before.roles.includes('admin') &&
      !before.disabled &&
      this.users.otherActiveAdmins(id) === 0
    )
      throw conflict('this is the last enabled admin; make another admin first');
    this.users.update(id, { ...changes, roles: changes.roles && unique(changes.roles) });
    const after = this.users.get(id)!;
    if (changes.disabled === true && !before.disabled) {
      this.sessions.deleteForUser(id);
      this.bus.emit('auth.revoked', { userId: id, reason: 'user disabled' });
    } else if (changes.roles && JSON.stringify(after.roles) !== JSON.stringify(before.roles))
      this.bus.emit('auth.revoked', { userId: id, reason: 'roles changed', reconnect: true });
    this.audit.record(by, {
      action: 'user.updated',
      target: after.username,
      before: publicUser(before),
      after: publicUser(after),
    });
    return after;
  }

  deleteUser(by: Actor, id: number, self?: Principal): void {
    const user = this.requireUser(id);
    if (self?.user.id === id) throw conflict('you cannot delete yourself');
    if (user.roles.includes('admin') && !user.disabled && this.users.otherActiveAdmins(id) === 0)
      throw conflict('this is the last enabled admin; make another admin first');
    this.users.delete(id);
    this.bus.emit('auth.revoked', { userId: id, reason: 'user deleted' });
    this.audit.record(by, { action: 'user.deleted', target: user.username, before: publicUser(user) });
  }

  /** An admin sets a new password (or has one generated); the user's sessions end. */
  async resetPassword(by: Actor, id: number, password?: string): Promise<{ generatedPassword?: string }> {
    const user = this.requireUser(id);
    const next = password ?? generatePassword();
    if (password) this.requirePolicy(password, user.username, 'password');
    this.users.setPassword(id, await hashPassword(next, this.scrypt), this.clock.now());
    this.sessions.deleteForUser(id);
    this.bus.emit('auth.revoked', { userId: id, reason: 'password reset' });
    this.audit.record(by, { action: 'user.password-reset', target: user.username });
    return { generatedPassword: password ? undefined : next };
  }

  unlock(by: Actor, id: number): void {
    const user = this.requireUser(id);
    this.users.unlock(id);
    this.audit.record(by, {
      action: 'user.unlocked',
      target: user.username,
      before: { lockedUntil: user.lockedUntil },
    });
  }

  /** A user changes their own password; their other sessions end. */
  async changeOwnPassword(p: Principal, current: string, next: string, ip?: string): Promise<void> {
    if (p.via === 'token') throw forbidden('an API token cannot change a password; log in');
    const hash = this.users.passwordHash(p.user.id)!;
    if (!(await verifyPassword(current, hash))) {
      this.audit.record(actorOf(p, ip), {
        action: 'user.password-changed',
        target: p.user.username,
        outcome: 'denied',
        detail: 'wrong current password',
      });
      throw forbidden('the current password is wrong');
    }
    this.requirePolicy(next, p.user.username, 'newPassword');
    this.users.setPassword(p.user.id, await hashPassword(next, this.scrypt), this.clock.now());
    this.sessions.deleteForUser(p.user.id, p.session?.idHash);
    this.bus.emit('auth.revoked', {
      userId: p.user.id,
      exceptSessionId: p.session?.idHash,
      reason: 'password changed',
    });
    this.audit.record(actorOf(p, ip), { action: 'user.password-changed', target: p.user.username });
  }

  // ── API tokens ───────────────────────────────────────────────────────────

  createToken(p: Principal, t: { name: string; scopes?: Permission[]; expiresInDays?: number }, ip?: string) {
    if (p.via === 'token') throw forbidden('an API token cannot create tokens; log in');
    const own = permissionsOf(p.user.roles);
    const scopes = unique(t.scopes ?? [...own]);
    const beyond = scopes.filter((s) => !own.has(s));
    if (beyond.length) throw forbidden(`your roles do not grant ${beyond.join(', ')}`);
    const now = this.clock.now();
    const created = this.tokens.create({
      userId: p.user.id,
      name: t.name,
      scopes,
      expiresAt: t.expiresInDays ? now + t.expiresInDays * 86_400_000 : null,
      now,
    });
    this.audit.record(actorOf(p, ip), {
      action: 'token.created',
      target: created.info.id,
      after: publicToken(created.info, p.user.username),
    });
    return created;
  }

  /** Owners revoke their own tokens; users:manage revokes anyone's. */
  revokeToken(p: Principal, id: string, ip?: string): ApiToken {
    const token = this.tokens.get(id);
    if (!token || (token.userId !== p.user.id && !p.permissions.has('users:manage')))
      throw notFound('token', id);
    if (token.revokedAt === null) {
      this.tokens.revoke(id, this.clock.now());
      this.bus.emit('auth.revoked', { tokenId: id, reason: 'token revoked' });
      this.audit.record(actorOf(p, ip), { action: 'token.revoked', target: id, before: publicToken(token) });
    }
    return this.tokens.get(id)!;
  }

  // ── Helpers ──────────────────────────────────────────────────────────────

  passwordProblem(password: string, username: string): string | undefined {
    const min = this.settings.passwordMinLength;
    if (password.length < min) return `expected at least ${min} characters`;
    if (password.length > 256) return 'expected at most 256 characters';
    if (password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
    return undefined;
  }

  private requirePolicy(password: string, username: string, field: string): void {
    const problem = this.passwordProblem(password, username);
    if (problem) throw invalid(`${field}: ${problem}`);
  }

  private requireUser(id: number): User {
    const user = this.users.get(id);
    if (!user) throw notFound('user', id);
    return user;
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** A user as the API and the audit log show it: never the password hash. */
export function publicUser(u: User) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    disabled: u.disabled,
    lockedUntil: u.lockedUntil,
    lastLoginAt: u.lastLoginAt,
    createdAt: u.createdAt,
  };
}

export function publicToken(t: ApiToken, owner?: string) {
  return {
    id: t.id,
    name: t.name,
    owner,
    scopes: t.scopes,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}
