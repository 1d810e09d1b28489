import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Visitors' personal data: what is kept of it and how. An ID number or phone is stored only as a keyed hash
 * (to find a returning visitor) and a masked form (for people); pass codes and badges only as keyed hashes.
 * The same key signs the hosts' approve/decline links (and the gates' allow-lists). Keyed, not plain SHA-256:
 * an 18-character ID number or an 8-digit code is easily brute-forced without the key.
 */

export const KEY_FILE = 'visitor.key';
const MIN_SECRET_CHARS = 16;

/**
 * The visitors' key: the variable `secretEnv` names when configured, else 32 random bytes generated once in
 * `<dataDir>/visitor.key` (mode 600). A configured variable that is unset or short is an error, not a silent
 * fallback: a different key would invalidate every issued pass code and signed link.
 */
export function loadVisitorKey(dataDir: string, secretEnv?: string, env = process.env): Buffer {
  if (secretEnv) {
    const value = env[secretEnv];
    if (!value)
      throw new Error(
        `visitors.secretEnv names ${secretEnv}, which is not set: set it (at least ${MIN_SECRET_CHARS} characters) or remove secretEnv to use a key in the data dir`,
      );
    if (value.length < MIN_SECRET_CHARS)
      throw new Error(
        `${secretEnv} (visitors.secretEnv) has ${value.length} characters; it needs at least ${MIN_SECRET_CHARS}`,
      );
    return Buffer.from(value, 'utf8');
  }
  // an in-memory hub (tests) keeps nothing on disk, so neither does its key
  if (dataDir === ':memory:') return randomBytes(32);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return existing;
  // Written whole under a temporary name, then linked into place: link() fails if another process won the
  // race, and nobody ever reads a half-written key.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600); // the umask may have narrowed it further; never wider
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const key = readKeyFile(file);
  if (!key) throw new Error(`${file} could not be created`);
  return key;
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new Error(
      `${file} is not a visitor key (64 hex digits); restore it from a backup — with a new key, issued pass codes and links stop working`,
    );
  return Buffer.from(text, 'hex');
}

export type HashKind = 'id' | 'phone' | 'code' | 'badge';

/** As people type it or a reader sends it: `3401 0219-9001 01123x` and `340102199001011 23X` are the same. */
export function normalise(value: string): string {
  return value.trim().toUpperCase().replace(/[\s-]/g, '');
}

/** HMAC-SHA256 (hex) of `kind:normalised value`: the kind keeps a phone and a code of the same digits apart. */
export function keyedHash(key: Buffer, kind: HashKind, value: string): string {
  return createHmac('sha256', key)
    .update(`${kind}:${normalise(value)}`)
    .digest('hex');
}

/** Keep `head` and `tail` characters, star the rest; short values show less so at least 4 stay hidden. */
function mask(value: string, head: number, tail: number): string {
  const v = normalise(value);
  let h = head;
  let t = tail;
  while (h > 0 && v.length - h - t < 4) h--;
  while (t > 0 && v.length - h - t < 4) t--;
  return `${v.slice(0, h)}${'*'.repeat(v.length - h - t)}${t ? v.slice(-t) : ''}`;
}

/** `34010219900101123X` → `3401**********123X` */
export const maskId = (id: string) => mask(id, 4, 4);
/** `13812345678` → `138****5678` */
export const maskPhone = (phone: string) => mask(phone, 3, 4);
/** `04A1B2C3D4` → `******C3D4` */
export const maskBadge = (badge: string) => mask(badge, 0, 4);

/**
 * A name on paper (the pass slip): `张三丰` → `张**`, `John Smith` → `J*** S****`. Chinese names keep the
 * family name (the first character); other names the initial of each word. Enough for the guard to match the
 * visitor's ID card, too little to learn who visited from a slip left on a desk.
 */
export function maskName(name: string): string {
  const n = name.trim();
  if (!n) return n;
  // CJK (Han, kana, Hangul): written without spaces, the family name first
  if (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u.test(n)) {
    const chars = [...n.replace(/\s+/g, '')];
    return `${chars[0]}${'*'.repeat(Math.max(1, chars.length - 1))}`;
  }
  return n
    .split(/\s+/)
    .map((w) => {
      const chars = [...w];
      return `${chars[0]}${'*'.repeat(Math.max(1, chars.length - 1))}`;
    })
    .join(' ');
}

/**
 * Signed links: `<base64url JSON of payload + exp>.<base64url MAC>`. The MAC is HMAC-SHA256 over a `link:`
 * domain (no other use of the key, hashes or allow-lists, can produce a valid link), truncated to 128 bits
 * (RFC 2104 §5) so a link stays under the router's 100-character limit for a path parameter.
 */
export function signLink(key: Buffer, payload: object, expiresAt: number): string {
  const body = Buffer.from(JSON.stringify({ ...payload, exp: expiresAt })).toString('base64url');
  return `${body}.${linkMac(key, body).toString('base64url')}`;
}

export type LinkCheck =
  | { ok: true; payload: Record<string, unknown>; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'tampered' | 'expired' };

export function verifyLink(key: Buffer, token: string, now: number): LinkCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'malformed' };
  const [body, mac] = parts as [string, string];
  const expected = linkMac(key, body);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'tampered' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { ok: false, reason: 'malformed' };
  const { exp, ...rest } = payload as Record<string, unknown>;
  if (typeof exp !== 'number') return { ok: false, reason: 'malformed' };
  if (now >= exp) return { ok: false, reason: 'expired' };
  return { ok: true, payload: rest, expiresAt: exp };
}

const MAC_BYTES = 16;

function linkMac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`link:${body}`).digest().subarray(0, MAC_BYTES);
}
