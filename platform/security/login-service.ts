import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { AuthSettings } from '../../core/config/site-schema.js';
import type { Logger } from '../../core/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import { LoginGuard } from './login-guard.js';
import { LoginThrottle } from './login-throttle.js';
import { costOf, type PasswordHasher } from './password-hasher.js';
import type { Session, SessionStore } from './session-store.js';
import type { User, UserStore } from './user-store.js';

export type LoginResult =
  | { ok: true; cookieValue: string; session: Session; user: User }
  | { ok: false; reason: 'invalid' }
  /** Too many failures for this name from this address: not checked; come back after retryAfterMs. */
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

/** A name with no failure for a day starts afresh at its address. */
const THROTTLE_MEMORY_MS = 24 * 3_600_000;
/** Names × addresses the throttle remembers (a few hundred bytes each). */
const THROTTLE_KEYS = 10_000;

/** The login guard for the site file's settings: `lockoutAttempts` free failures, waits up to `lockoutMinutes`. */
export function loginGuardFor(settings: AuthSettings, hasher: PasswordHasher): LoginGuard {
  const throttle = new LoginThrottle({
    freeFailures: settings.lockoutAttempts,
    firstDelayMs: 1_000,
    maxDelayMs: settings.lockoutMinutes * 60_000,
    forgetAfterMs: THROTTLE_MEMORY_MS,
    maxKeys: THROTTLE_KEYS,
  });
  return new LoginGuard(hasher, throttle);
}

/** Logging in: the guarded password check, its audit trail, the hash upgrade, the new session. */
export class LoginService {
  constructor(
    private readonly s: {
      users: UserStore;
      sessions: SessionStore;
      guard: LoginGuard;
      hasher: PasswordHasher;
      audit: AuditLog;
      log: Logger;
      clock: Clock;
    },
  ) {}

  /**
   * Check a password under the throttle of (the name as typed, the client address): past the allowed
   * failures that pair waits, while the same account from elsewhere is unaffected. Unknown names and
   * disabled accounts take the same path and get the same answers. Every check is audited; an outdated
   * hash is made again at the current cost.
   */
  async login(
    username: string,
    password: string,
    client: { ip?: string; userAgent?: string },
  ): Promise<LoginResult> {
    const { users, sessions, guard, audit, log, clock } = this.s;
    const found = users.findForLogin(username);
    const check = await guard.check({
      name: username,
      ip: client.ip,
      password,
      storedHash: found && !found.user.disabled ? found.passwordHash : undefined,
      resetAt: found?.user.loginsResetAt,
      now: () => clock.now(),
    });
    // attempts refused unchecked are not audited: an attacker's hammering would flood the append-only log
    if (check.outcome === 'throttled')
      return { ok: false, reason: 'throttled', retryAfterMs: check.retryAfterMs };
    const target = found ? found.user.username : guard.unknownUserLabel(username);
    const who: Actor = { actor: found?.user.username ?? 'anonymous', via: 'anonymous', ip: client.ip };
    if (check.outcome === 'wrong') {
      const detail = !found ? 'unknown user' : found.user.disabled ? 'account disabled' : 'wrong password';
      audit.record(who, { action: 'login.failed', target, outcome: 'denied', detail });
      if (check.waitMs > 0) {
        const waitS = Math.ceil(check.waitMs / 1000);
        log.warn(
          { user: target, ip: client.ip, failures: check.failures, waitS },
          'logins throttled after repeated failures',
        );
        audit.record(who, {
          action: 'login.throttled',
          target,
          outcome: 'denied',
          after: { failures: check.failures, waitS },
          detail: `${check.failures} failed logins in a row from this address; the next is checked after ${waitS} s`,
        });
      }
      return { ok: false, reason: 'invalid' };
    }
    const { user, passwordHash } = found!;
    const upgraded = await this.upgradeHash(user, passwordHash, password);
    const now = clock.now();
    users.loginSucceeded(user.id, now);
    const { cookieValue, session } = sessions.create(user.id, now, client);
    audit.record(
      { ...who, via: 'session' },
      { action: 'login.succeeded', target: user.username, detail: upgraded },
    );
    return { ok: true, cookieValue, session, user: users.get(user.id)! };
  }

  /** A hash made at other parameters, made again now that the password is known; says what was done. */
  private async upgradeHash(user: User, stored: string, password: string): Promise<string | undefined> {
    const { users, hasher, log } = this.s;
    if (!hasher.isOutdated(stored)) return undefined;
    try {
      if (!users.rehash(user.id, stored, await hasher.hash(password))) return undefined;
    } catch (err) {
      log.warn({ user: user.username, err }, 'password hash not upgraded; the next login tries again');
      return undefined;
    }
    const was = costOf(stored);
    const { N, r, p } = hasher.cost;
    return `password hash upgraded from scrypt N=${was?.N},r=${was?.r},p=${was?.p} to N=${N},r=${r},p=${p}`;
  }
}
