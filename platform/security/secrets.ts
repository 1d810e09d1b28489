import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The random secrets the hub generates, and the fast hash that protects them. Generated secrets have ≥ 128 bits
 * of entropy, so SHA-256 is enough for them; people's passwords get scrypt (password-hasher.ts).
 */

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Compare two strings without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Easy to read aloud and type: no 0/O, 1/l/I. 20 characters ≈ 110 bits. */
const READABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function generatePassword(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += READABLE[randomInt(READABLE.length)];
  return out;
}
