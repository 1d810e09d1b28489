import type { Actor } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { AuthSettings } from '../../core/config/site-schema.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../../core/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { LoginGuard } from './login-guard.js';
import type { PasswordHasher } from './password-hasher.js';
import { actorOf, type Principal, publicToken, publicUser } from './principal.js';
import { lacking, type UserManager } from './privileges.js';
import type { Role } from './roles.js';
import { generatePassword } from './secrets.js';
import type { SessionStore } from './session-store.js';
import type { TokenStore } from './token-store.js';
import type { User, UserStore } from './user-store.js';

/** Actors the hub writes as itself (the audit log, automation): no user may take these names. */
export const RESERVED_USERNAMES: readonly string[] = [
  'system',
  'rules',
  'anonymous',
  'site-file',
  'upstream',
];

export interface NewUser {
  username: string;
  displayName?: string;
  roles: Role[];
  /** Omitted: the hub generates one and returns it once. */
  password?: string;
}

/**
 * Changes to accounts: users, their roles and passwords, lifting their login throttles, every change audited.
 * Nobody changes a user, or grants roles, beyond what they hold themselves (privileges.ts).
 */
export class AccountAdmin {
  private readonly users: UserStore;
  private readonly sessions: SessionStore;
  private readonly tokens: TokenStore;
  private readonly hasher: PasswordHasher;
  private readonly guard: LoginGuard;
  private readonly audit: AuditLog;
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly settings: AuthSettings;

  constructor(s: {
    users: UserStore;
    sessions: SessionStore;
    tokens: TokenStore;
    hasher: PasswordHasher;
    guard: LoginGuard;
    audit: AuditLog;
    bus: EventBus;
    clock: Clock;
    settings: AuthSettings;
  }) {
    this.users = s.users;
    this.sessions = s.sessions;
    this.tokens = s.tokens;
    this.hasher = s.hasher;
    this.guard = s.guard;
    this.audit = s.audit;
    this.bus = s.bus;
    this.clock = s.clock;
    this.settings = s.settings;
  }

  /** `by` must hold every permission the new user's roles give (see privileges.ts). */
  async createUser(by: UserManager, u: NewUser): Promise<{ user: User; generatedPassword?: string }> {
    // the names the hub acts under itself: the audit log and the rules' override interlock tell them apart
    if (RESERVED_USERNAMES.includes(u.username))
      throw conflict(`"${u.username}" is a name the hub uses for itself; choose another`);
    if (this.users.findByName(u.username)) throw conflict(`user "${u.username}" already exists`);
    this.requireHolds(by, u.roles, 'user.created', u.username, 'giving these roles');
    const password = u.password ?? generatePassword();
    if (u.password) this.requirePolicy(u.password, u.username, 'password');
    const user = this.users.create({
      username: u.username,
      displayName: u.displayName ?? u.username,
      roles: unique(u.roles),
      passwordHash: await this.hasher.hash(password),
      now: this.clock.now(),
    });
    this.audit.record(by, { action: 'user.created', target: user.username, after: publicUser(user) });
    return { user, generatedPassword: u.password ? undefined : password };
  }

  updateUser(
    by: UserManager,
    id: number,
    changes: { displayName?: string; roles?: Role[]; disabled?: boolean },
  ): User {
    const before = this.requireUser(id);
    this.requireHolds(by, before.roles, 'user.updated', before.username, `changing "${before.username}"`);
    if (changes.roles)
      this.requireHolds(by, changes.roles, 'user.updated', before.username, 'giving these roles');
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

  deleteUser(by: UserManager, id: number, self?: Principal): void {
    const user = this.requireUser(id);
    if (self?.user.id === id) throw conflict('you cannot delete yourself');
    this.requireHolds(by, user.roles, 'user.deleted', user.username, `removing "${user.username}"`);
    if (user.roles.includes('admin') && !user.disabled && this.users.otherActiveAdmins(id) === 0)
      throw conflict('this is the last enabled admin; make another admin first');
    this.users.delete(id);
    this.bus.emit('auth.revoked', { userId: id, reason: 'user deleted' });
    this.audit.record(by, { action: 'user.deleted', target: user.username, before: publicUser(user) });
  }

  /**
   * An admin sets a new password (or has one generated). The user's sessions end and their API tokens are
   * revoked: whoever made the reset necessary may hold one.
   */
  async resetPassword(
    by: UserManager,
    id: number,
    password?: string,
  ): Promise<{ generatedPassword?: string; revokedTokens: string[] }> {
    const user = this.requireUser(id);
    this.requireHolds(
      by,
      user.roles,
      'user.password-reset',
      user.username,
      `resetting the password of "${user.username}"`,
    );
    const next = password ?? generatePassword();
    if (password) this.requirePolicy(password, user.username, 'password');
    this.users.setPassword(id, await this.hasher.hash(next), this.clock.now());
    this.sessions.deleteForUser(id);
    const revokedTokens = this.revokeTokensOf(by, user, 'password reset');
    this.bus.emit('auth.revoked', { userId: id, reason: 'password reset' });
    this.audit.record(by, {
      action: 'user.password-reset',
      target: user.username,
      after: { revokedTokens },
      detail: `sessions ended, ${revokedTokens.length} API token(s) revoked`,
    });
    return { generatedPassword: password ? undefined : next, revokedTokens };
  }

  /** Lift the account's login throttles, here and in a hub running beside the admin CLI. */
  unlock(by: UserManager, id: number): void {
    const user = this.requireUser(id);
    this.requireHolds(by, user.roles, 'user.unlocked', user.username, `unlocking "${user.username}"`);
    this.users.loginsReset(id, this.clock.now());
    const addresses = this.guard.forgetAccount(user.username);
    this.audit.record(by, { action: 'user.unlocked', target: user.username, before: { addresses } });
  }

  /**
   * A user changes their own password; their other sessions end, and with `revokeTokens` their API tokens
   * too. A wrong current password counts against the same throttle as a failed login.
   */
  async changeOwnPassword(
    p: Principal,
    change: { current: string; next: string; revokeTokens?: boolean },
    ip?: string,
  ): Promise<{ revokedTokens: string[] }> {
    if (p.via === 'token') throw forbidden('an API token cannot change a password; log in');
    const who = actorOf(p, ip);
    const check = await this.guard.check({
      name: p.user.username,
      ip,
      password: change.current,
      storedHash: this.users.passwordHash(p.user.id),
      now: () => this.clock.now(),
    });
    if (check.outcome === 'throttled') {
      const retryAfterS = Math.ceil(check.retryAfterMs / 1000);
      throw new DomainError('too-many', `too many wrong passwords; try again in ${retryAfterS} s`, {
        retryAfterS,
      });
    }
    if (check.outcome === 'wrong') {
      this.audit.record(who, {
        action: 'user.password-changed',
        target: p.user.username,
        outcome: 'denied',
        detail: 'wrong current password',
      });
      throw forbidden('the current password is wrong');
    }
    this.requirePolicy(change.next, p.user.username, 'newPassword');
    this.users.setPassword(p.user.id, await this.hasher.hash(change.next), this.clock.now());
    this.sessions.deleteForUser(p.user.id, p.session?.idHash);
    const revokedTokens = change.revokeTokens ? this.revokeTokensOf(who, p.user, 'password changed') : [];
    this.bus.emit('auth.revoked', {
      userId: p.user.id,
      exceptSessionId: p.session?.idHash,
      reason: 'password changed',
    });
    const kept = this.tokens.list(p.user.id).filter((t) => t.revokedAt === null).length;
    this.audit.record(who, {
      action: 'user.password-changed',
      target: p.user.username,
      after: { revokedTokens },
      detail: change.revokeTokens
        ? `other sessions ended, ${revokedTokens.length} API token(s) revoked`
        : `other sessions ended, ${kept} API token(s) kept`,
    });
    return { revokedTokens };
  }

  /** Revoke every live token of a user, each audited; their ids. */
  private revokeTokensOf(by: Actor, user: User, why: string): string[] {
    const revoked = this.tokens.revokeForUser(user.id, this.clock.now());
    for (const t of revoked) {
      this.bus.emit('auth.revoked', { tokenId: t.id, reason: why });
      this.audit.record(by, {
        action: 'token.revoked',
        target: t.id,
        before: publicToken(t, user.username),
        detail: why,
      });
    }
    return revoked.map((t) => t.id);
  }

  passwordProblem(password: string, username: string): string | undefined {
    const min = this.settings.passwordMinLength;
    if (password.length < min) return `expected at least ${min} characters`;
    if (password.length > 256) return 'expected at most 256 characters';
    if (password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
    return undefined;
  }

  requirePolicy(password: string, username: string, field: string): void {
    const problem = this.passwordProblem(password, username);
    if (problem) throw invalid(`${field}: ${problem}`);
  }

  /** Refuse, and audit, when `by` lacks a permission that `roles` give. */
  private requireHolds(
    by: UserManager,
    roles: readonly Role[],
    action: string,
    target: string,
    what: string,
  ) {
    const missing = lacking(by, roles);
    if (!missing.length) return;
    const detail = `${what} needs ${missing.join(', ')}, which ${by.via === 'token' ? 'this token does' : 'you do'} not hold`;
    this.audit.record(by, { action, target, outcome: 'denied', detail });
    throw forbidden(detail, { missing });
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
