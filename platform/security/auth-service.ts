import { parseCookie } from 'cookie';
import type { Permission } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { AuthSettings } from '../../core/config/site-schema.js';
import { forbidden, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { AccountAdmin } from './account-admin.js';
import type { LoginGuard } from './login-guard.js';
import { type LoginResult, LoginService, loginGuardFor } from './login-service.js';
import { DEFAULT_SCRYPT, PasswordHasher, type ScryptCost } from './password-hasher.js';
import { actorOf, type Principal, publicToken, publicUser } from './principal.js';
import { permissionsOf } from './roles.js';
import { generatePassword } from './secrets.js';
import { SessionStore } from './session-store.js';
import { type ApiToken, TokenStore } from './token-store.js';
import { UserStore } from './user-store.js';

export { type NewUser, RESERVED_USERNAMES } from './account-admin.js';
export { actorOf, managerOf, type Principal, publicToken, publicUser } from './principal.js';
export type { LoginResult };

export const SESSION_COOKIE = 'hub_session';

/**
 * Users, logins, sessions and API tokens, with every change written to the audit log. Framework-free: the
 * HTTP layer and the live gateway both resolve a Principal through authenticate().
 */
export class AuthService {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: TokenStore;
  readonly hasher: PasswordHasher;
  /** The login throttle and the password check behind it. */
  readonly guard: LoginGuard;
  private readonly logins: LoginService;
  private readonly accounts: AccountAdmin;

  constructor(
    db: Db,
    settings: AuthSettings,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly bus: EventBus,
    private readonly log: Logger,
    scrypt: ScryptCost = DEFAULT_SCRYPT,
  ) {
    this.hasher = new PasswordHasher(scrypt);
    this.guard = loginGuardFor(settings, this.hasher);
    this.users = new UserStore(db);
    this.sessions = new SessionStore(
      db,
      settings.sessionIdleMinutes * 60_000,
      settings.sessionMaxHours * 3_600_000,
    );
    this.tokens = new TokenStore(db);
    const { users, sessions, tokens, guard, hasher } = this;
    this.logins = new LoginService({ users, sessions, guard, hasher, audit, log, clock });
    this.accounts = new AccountAdmin({ users, sessions, tokens, hasher, guard, audit, bus, clock, settings });
  }

  // Changes to accounts, audited and limited to what the acting credential holds: see AccountAdmin.
  readonly createUser: AccountAdmin['createUser'] = (by, u) => this.accounts.createUser(by, u);
  readonly updateUser: AccountAdmin['updateUser'] = (by, id, c) => this.accounts.updateUser(by, id, c);
  readonly deleteUser: AccountAdmin['deleteUser'] = (by, id, self) => this.accounts.deleteUser(by, id, self);
  readonly resetPassword: AccountAdmin['resetPassword'] = (by, id, pw) =>
    this.accounts.resetPassword(by, id, pw);
  readonly unlock: AccountAdmin['unlock'] = (by, id) => this.accounts.unlock(by, id);
  readonly changeOwnPassword: AccountAdmin['changeOwnPassword'] = (p, c, ip) =>
    this.accounts.changeOwnPassword(p, c, ip);
  readonly passwordProblem: AccountAdmin['passwordProblem'] = (pw, name) =>
    this.accounts.passwordProblem(pw, name);

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
    if (opts.password) this.accounts.requirePolicy(opts.password, username, 'HUB_ADMIN_PASSWORD');
    const user = this.users.create({
      username,
      displayName: 'Administrator',
      roles: ['admin'],
      passwordHash: await this.hasher.hash(password),
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

  /** Check a password (throttled per name and address, audited) and open a session: see LoginService. */
  login(
    username: string,
    password: string,
    client: { ip?: string; userAgent?: string },
  ): Promise<LoginResult> {
    return this.logins.login(username, password, client);
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
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
