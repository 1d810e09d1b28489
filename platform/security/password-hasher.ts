import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../core/errors.js';

/**
 * People's passwords: scrypt, with the parameters stored in each hash so they can be raised later (a hash
 * made at other parameters is redone at the next successful login), and a bound on how many hashes run at
 * once, because each one holds 128 × N × r bytes (128 MiB at the default) while it runs.
 */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt minimum (N=2^17, r=8, p=1): 128 MiB and ~0.3 s per hash on the development machine. */
export const DEFAULT_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      // Node refuses above maxmem (32 MiB by default); scrypt needs 128·N·r plus a little
      { ...cost, maxmem: 128 * cost.N * cost.r * 2 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** The parameters a stored hash was made with, or undefined when it is not one of ours. */
export function costOf(stored: string): ScryptCost | undefined {
  const [scheme, N, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return undefined;
  const cost = { N: Number(N), r: Number(r), p: Number(p) };
  return Object.values(cost).every((v) => Number.isSafeInteger(v) && v > 0) ? cost : undefined;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const cost = costOf(stored);
  if (!cost) return false;
  const [, , , , salt, key] = stored.split('$');
  const expected = Buffer.from(key!, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt!, 'base64url'), cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface HasherLimits {
  /** Hashes computed at once (each in libuv's thread pool, each holding its memory). */
  concurrent: number;
  /** Hashes waiting for a turn; beyond that a login is refused as busy (429) rather than queued. */
  queued: number;
}

/** Two at once: 256 MiB at the default cost, and two of libuv's four threads left for file and DNS work. */
export const DEFAULT_HASHER_LIMITS: HasherLimits = { concurrent: 2, queued: 64 };

/**
 * Hashes and checks passwords at one cost, at most `limits.concurrent` at a time. `stats.computed` counts
 * every scrypt run (tests count the hashes a burst of logins costs; the login bench reads the peaks).
 */
export class PasswordHasher {
  readonly stats = { computed: 0, running: 0, waiting: 0, peakRunning: 0, refusedBusy: 0 };
  private readonly turns: (() => void)[] = [];

  constructor(
    readonly cost: ScryptCost = DEFAULT_SCRYPT,
    private readonly limits: HasherLimits = DEFAULT_HASHER_LIMITS,
  ) {}

  hash(password: string): Promise<string> {
    return this.inTurn(() => hashPassword(password, this.cost));
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.inTurn(() => verifyPassword(password, stored));
  }

  /** Whether a stored hash was made at other parameters than this hasher's (and should be made again). */
  isOutdated(stored: string): boolean {
    const c = costOf(stored);
    return !c || c.N !== this.cost.N || c.r !== this.cost.r || c.p !== this.cost.p;
  }

  /** A slot, or a place in the queue; a finishing hash hands its slot straight to the next in line. */
  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (this.stats.running < this.limits.concurrent) this.stats.running++;
    else if (this.turns.length >= this.limits.queued) {
      this.stats.refusedBusy++;
      throw new DomainError('too-many', 'the hub is busy checking passwords; try again in a moment', {
        retryAfterS: 1,
      });
    } else {
      this.stats.waiting++;
      await new Promise<void>((resolve) => this.turns.push(resolve));
      this.stats.waiting--;
    }
    this.stats.peakRunning = Math.max(this.stats.peakRunning, this.stats.running);
    this.stats.computed++;
    try {
      return await work();
    } finally {
      const next = this.turns.shift();
      if (next) next();
      else this.stats.running--;
    }
  }
}
