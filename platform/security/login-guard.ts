import { createHmac, randomBytes } from 'node:crypto';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';

export type GuardedCheck =
  | { outcome: 'ok' }
  | { outcome: 'wrong'; failures: number; waitMs: number }
  | { outcome: 'throttled'; retryAfterMs: number };

/**
 * A password checked the way a login must be: the throttle of (the name as typed, the client address) first,
 * the attempt reserved before the hash runs; an unknown name against a dummy hash of the same cost, counted
 * by the same throttle, so that neither the answers nor their timing tell which names exist.
 */
export class LoginGuard {
  /** Per process: the unknown-name marker lets one run of the hub correlate attempts, and nothing more. */
  private readonly markerKey = randomBytes(32);
  /** Same shape and cost as a real hash; no password matches its random key. */
  private readonly dummyHash: string;

  constructor(
    readonly hasher: PasswordHasher,
    readonly throttle: LoginThrottle,
  ) {
    const { N, r, p } = hasher.cost;
    const random = (bytes: number) => randomBytes(bytes).toString('base64url');
    this.dummyHash = `scrypt$${N}$${r}$${p}$${random(16)}$${random(32)}`;
  }

  /**
   * Check `password` against `storedHash` (undefined: no such user, or none that may log in). `resetAt`: when
   * an admin last lifted the account's throttles, possibly from another process (the admin CLI).
   */
  async check(o: {
    name: string;
    ip: string | undefined;
    password: string;
    storedHash: string | undefined;
    resetAt?: number | null;
    now: () => number;
  }): Promise<GuardedCheck> {
    const key = throttleKey(o.name, o.ip);
    if (o.resetAt != null) this.throttle.forgetIfSince(key, o.resetAt);
    const reserved = this.throttle.reserve(key, o.now());
    if (!reserved.ok) return { outcome: 'throttled', retryAfterMs: reserved.retryAfterMs };
    let good: boolean;
    try {
      good = await this.hasher.verify(o.password, o.storedHash ?? this.dummyHash);
    } catch (err) {
      this.throttle.release(key); // not checked (the hub was busy): it does not count
      throw err;
    }
    if (good && o.storedHash !== undefined) {
      this.throttle.succeeded(key);
      return { outcome: 'ok' };
    }
    return { outcome: 'wrong', ...this.throttle.failed(key, o.now()) };
  }

  /** Lift every throttle of an account (an admin's unlock); how many addresses were waiting or counting. */
  forgetAccount(username: string): number {
    return this.throttle.forgetPrefix(`${username.toLowerCase()}\u0000`);
  }

  /**
   * How the audit log and the log name a username that matched no user: never the text (a password typed in
   * the wrong field would land in the append-only log), a short keyed hash so repeated attempts line up.
   */
  unknownUserLabel(typed: string): string {
    const tag = createHmac('sha256', this.markerKey).update(typed.toLowerCase()).digest('hex').slice(0, 8);
    return `unknown user #${tag}`;
  }
}

export function throttleKey(name: string, ip: string | undefined): string {
  return `${name.toLowerCase()}\u0000${addressKey(ip)}`;
}

/**
 * A client address as the throttles count it: IPv4 as is (also when mapped into IPv6); IPv6 by its /64, since
 * one subscriber usually holds a whole /64 and could otherwise take a fresh address per attempt.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
