import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  KEY_FILE,
  keyedHash,
  loadVisitorKey,
  maskBadge,
  maskId,
  maskName,
  maskPhone,
  signLink,
  verifyLink,
} from './privacy.js';

const dir = () => mkdtempSync(join(tmpdir(), 'visitor-key-'));
const KEY = Buffer.alloc(32, 7);

describe('the visitor key', () => {
  it('is generated once in the data dir, 32 bytes, mode 600, and the same on every load', () => {
    const d = join(dir(), 'nested');
    const k1 = loadVisitorKey(d);
    const k2 = loadVisitorKey(d);
    expect(k1.length).toBe(32);
    expect(k2.equals(k1)).toBe(true);
    expect(statSync(join(d, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d, KEY_FILE), 'utf8').trim()).toBe(k1.toString('hex'));
    expect(loadVisitorKey(dir()).equals(k1)).toBe(false);
  });

  it('comes from the configured variable when set, and refuses one that is short or unset', () => {
    const d = dir();
    const env = { HUB_VISITOR_SECRET: 'a-long-enough-secret-value' };
    expect(loadVisitorKey(d, 'HUB_VISITOR_SECRET', env).toString()).toBe('a-long-enough-secret-value');
    expect(() => loadVisitorKey(d, 'HUB_VISITOR_SECRET', { HUB_VISITOR_SECRET: 'short' })).toThrow(
      'HUB_VISITOR_SECRET (visitors.secretEnv) has 5 characters; it needs at least 16',
    );
    expect(() => loadVisitorKey(d, 'HUB_VISITOR_SECRET', {})).toThrow(
      'visitors.secretEnv names HUB_VISITOR_SECRET, which is not set',
    );
  });

  it('refuses a key file that is not a key rather than silently replacing it', () => {
    const d = dir();
    writeFileSync(join(d, KEY_FILE), 'not a key\n');
    expect(() => loadVisitorKey(d)).toThrow('is not a visitor key (64 hex digits)');
  });
});

describe('keyed hashes and masks', () => {
  it('hash the normalised value: case, spaces and dashes do not matter; kind and key do', () => {
    const h = keyedHash(KEY, 'id', '34010219900101123X');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedHash(KEY, 'id', ' 3401 0219-9001 01123x ')).toBe(h);
    expect(keyedHash(KEY, 'phone', '34010219900101123X')).not.toBe(h);
    expect(keyedHash(Buffer.alloc(32, 8), 'id', '34010219900101123X')).not.toBe(h);
  });

  it('mask IDs, phones and badges, hiding at least 4 characters of short values', () => {
    expect(maskId('34010219900101123X')).toBe('3401**********123X');
    expect(maskId('3401 0219-9001 01123x')).toBe('3401**********123X');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('138-1234-5678')).toBe('138****5678');
    expect(maskBadge('04A1B2C3D4')).toBe('******C3D4');
    expect(maskId('AB12345')).toBe('****345');
    expect(maskPhone('12345')).toBe('****5');
  });
});

describe('signed links', () => {
  const now = 1_000_000;
  const token = signLink(KEY, { pass: 7 }, now + 60_000);

  it('verify with their payload until they expire', () => {
    expect(verifyLink(KEY, token, now)).toEqual({
      ok: true,
      payload: { pass: 7 },
      expiresAt: now + 60_000,
    });
    expect(verifyLink(KEY, token, now + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('fit in a path parameter (the router refuses more than 100 characters)', () => {
    expect(signLink(KEY, { pass: Number.MAX_SAFE_INTEGER }, 8.64e15).length).toBeLessThanOrEqual(100);
  });

  it('refuse a changed payload, a changed signature, another key and garbage', () => {
    const [body, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ pass: 8, exp: now + 60_000 })).toString('base64url');
    expect(verifyLink(KEY, `${forged}.${mac}`, now)).toEqual({ ok: false, reason: 'tampered' });
    const flipped = `${mac.slice(0, -2)}${mac.endsWith('A') ? 'B' : 'A'}${mac.slice(-1)}`;
    expect(verifyLink(KEY, `${body}.${flipped}`, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyLink(KEY, `${body}.${mac.slice(0, 10)}`, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyLink(Buffer.alloc(32, 9), token, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyLink(KEY, 'no-dot-here', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLink(KEY, `${token}.extra`, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('maskName (the pass slip)', () => {
  it('keeps a Chinese family name, the initials of other names, and never the whole name', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李四')).toBe('李*');
    expect(maskName(' 欧阳 娜娜 ')).toBe('欧***');
    expect(maskName('John Smith')).toBe('J*** S****');
    expect(maskName('Al')).toBe('A*');
    expect(maskName('X')).toBe('X*');
    expect(maskName('')).toBe('');
  });
});
