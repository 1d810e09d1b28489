import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, generatePassword, hashPassword, safeEqual, verifyPassword } from './secrets.js';

describe('password hashing', () => {
  it('round-trips at the default cost and stores its parameters with the hash', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(new RegExp(`^scrypt\\$${DEFAULT_SCRYPT.N}\\$8\\$1\\$[\\w-]{22}\\$[\\w-]{43}$`));
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
  });

  it('salts every hash, verifies hashes made at another cost, and refuses junk', async () => {
    const cheap = { N: 1024, r: 8, p: 1 };
    const a = await hashPassword('pässwörd-ß', cheap);
    const b = await hashPassword('pässwörd-ß', cheap);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pässwörd-ß', b)).toBe(true);
    // the same text in another Unicode normal form is the same password
    expect(await verifyPassword('pässwörd-ß'.normalize('NFD'), a)).toBe(true);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    expect(await verifyPassword('x', '')).toBe(false);
  });

  it('generated passwords are long, readable and different', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generatePassword()));
    expect(seen.size).toBe(200);
    for (const p of seen) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
