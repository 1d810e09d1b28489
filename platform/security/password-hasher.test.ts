import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import { costOf, DEFAULT_SCRYPT, hashPassword, PasswordHasher, verifyPassword } from './password-hasher.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashing', () => {
  it('defaults to OWASP’s scrypt cost (N=2^17, r=8, p=1), round-trips, and stores its parameters', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 131_072, r: 8, p: 1 });
    const hasher = new PasswordHasher();
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await hasher.verify('correct horse battery staple', hash)).toBe(true);
    expect(await hasher.verify('correct horse battery stapl', hash)).toBe(false);
    expect(hasher.isOutdated(hash)).toBe(false);
  });

  it('salts every hash, verifies hashes made at another cost, and refuses junk', async () => {
    const a = await hashPassword('pässwörd-ß', CHEAP);
    const b = await hashPassword('pässwörd-ß', CHEAP);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pässwörd-ß', b)).toBe(true);
    // the same text in another Unicode normal form is the same password
    expect(await verifyPassword('pässwörd-ß'.normalize('NFD'), a)).toBe(true);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    expect(await verifyPassword('x', '')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$NaN$8$1$c2FsdA$a2V5')).toBe(false);
    expect(costOf(a)).toEqual(CHEAP);
  });

  it('a hash made at other parameters is outdated', async () => {
    const hasher = new PasswordHasher(CHEAP);
    expect(hasher.isOutdated(await hashPassword('x', { N: 2048, r: 8, p: 1 }))).toBe(true);
    expect(hasher.isOutdated(await hashPassword('x', { N: 1024, r: 4, p: 1 }))).toBe(true);
    expect(hasher.isOutdated(await hashPassword('x', CHEAP))).toBe(false);
    expect(hasher.isOutdated('md5$abc')).toBe(true);
  });

  it('runs at most `concurrent` hashes at once, queues a bounded number, and refuses the rest as busy', async () => {
    const hasher = new PasswordHasher(CHEAP, { concurrent: 2, queued: 3 });
    const started = Array.from({ length: 7 }, (_, i) =>
      hasher.hash(`password-${i}`).then(
        () => 'hashed',
        (err: unknown) => err,
      ),
    );
    expect(hasher.stats).toMatchObject({ running: 2, waiting: 3, refusedBusy: 2 });
    const outcomes = await Promise.all(started);
    expect(outcomes.filter((o) => o === 'hashed')).toHaveLength(5);
    const refused = outcomes.filter((o) => o instanceof DomainError) as DomainError[];
    expect(refused.map((e) => [e.kind, e.details?.retryAfterS])).toEqual([
      ['too-many', 1],
      ['too-many', 1],
    ]);
    expect(hasher.stats).toMatchObject({ computed: 5, running: 0, waiting: 0, peakRunning: 2 });
  });
});
