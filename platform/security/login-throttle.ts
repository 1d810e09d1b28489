/**
 * Failed logins per key (an account name as typed and a client address): each key gets `freeFailures`
 * failures, then every further attempt waits (1 s, doubling with each failure, up to `maxDelayMs`). An
 * attempt is reserved before its password is hashed, and a key has one attempt in flight at a time, so a
 * burst of parallel requests gets one hash (the rest 429) and never more than the budget.
 *
 * Kept in memory, not in SQLite: a restart forgets it (an attacker gains one budget per restart, which an
 * operator sees), and what someone typed as a username, a password by mistake sometimes, is never written
 * anywhere. The map is bounded (`maxKeys`, least recently failed dropped first).
 */
export interface ThrottleSettings {
  /** Failures per key before each next attempt must wait. */
  freeFailures: number;
  /** The first wait; each further failure doubles it... */
  firstDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
  /** A key with no failure for this long starts afresh. */
  forgetAfterMs: number;
  /** Keys remembered at most. */
  maxKeys: number;
}

export type Reservation = { ok: true } | { ok: false; retryAfterMs: number };

interface Entry {
  failures: number;
  /** Attempts reserved and not yet settled. */
  pending: number;
  /** When the key was first seen: an unlock from another process forgets keys older than itself. */
  since: number;
  lastFailureAt: number;
  waitUntil: number;
}

/** How long to come back after while the key's attempt is still being checked: about one hash. */
const IN_FLIGHT_RETRY_MS = 1_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly settings: ThrottleSettings) {}

  get size(): number {
    return this.entries.size;
  }

  /** Take one attempt for `key`, or say how long to wait. Settle it with failed(), succeeded() or release(). */
  reserve(key: string, now: number): Reservation {
    let e = this.entries.get(key);
    if (e && e.pending === 0 && now - e.lastFailureAt >= this.settings.forgetAfterMs) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e) {
      e = { failures: 0, pending: 0, since: now, lastFailureAt: now, waitUntil: 0 };
      this.insert(key, e);
    }
    if (now < e.waitUntil) return { ok: false, retryAfterMs: e.waitUntil - now };
    // one check at a time per key: a burst cannot queue its whole budget of hashes ahead of everyone else's
    if (e.pending > 0) return { ok: false, retryAfterMs: IN_FLIGHT_RETRY_MS };
    e.pending++;
    return { ok: true };
  }

  /** The reserved attempt failed: count it; past the budget the key waits. */
  failed(key: string, now: number): { failures: number; waitMs: number } {
    let e = this.entries.get(key);
    if (!e) {
      // dropped meanwhile (an unlock, a success in parallel, the bound): count this one afresh
      e = { failures: 0, pending: 1, since: now, lastFailureAt: now, waitUntil: 0 };
      this.insert(key, e);
    } else {
      // most recently failed last: the bound drops the quietest keys first
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    e.pending = Math.max(0, e.pending - 1);
    e.failures++;
    e.lastFailureAt = now;
    const over = e.failures - this.settings.freeFailures;
    const waitMs =
      over < 0 ? 0 : Math.min(this.settings.maxDelayMs, this.settings.firstDelayMs * 2 ** Math.min(over, 40));
    e.waitUntil = now + waitMs;
    return { failures: e.failures, waitMs };
  }

  /** The reserved attempt succeeded: the key starts afresh. */
  succeeded(key: string): void {
    this.entries.delete(key);
  }

  /** The reserved attempt was not checked after all (the hub was too busy): it does not count. */
  release(key: string): void {
    const e = this.entries.get(key);
    if (e) e.pending = Math.max(0, e.pending - 1);
  }

  /** Forget every key that starts with `prefix` (an account's keys); how many there were. */
  forgetPrefix(prefix: string): number {
    let n = 0;
    for (const key of [...this.entries.keys()])
      if (key.startsWith(prefix)) {
        this.entries.delete(key);
        n++;
      }
    return n;
  }

  /** Forget `key` if it was first seen at or before `t` (an unlock made elsewhere at `t`). */
  forgetIfSince(key: string, t: number): void {
    const e = this.entries.get(key);
    if (e && e.pending === 0 && e.since <= t) this.entries.delete(key);
  }

  private insert(key: string, e: Entry): void {
    if (this.entries.size >= this.settings.maxKeys) {
      // the least recently failed key that has nothing in flight
      for (const [k, old] of this.entries)
        if (old.pending === 0) {
          this.entries.delete(k);
          break;
        }
    }
    this.entries.set(key, e);
  }
}
