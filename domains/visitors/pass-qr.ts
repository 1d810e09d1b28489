import { createHmac, timingSafeEqual } from 'node:crypto';
import { subKey } from './code-seal.js';

/**
 * The QR a pass carries: `FH2:<code>.<tag>`. The code is the 8-digit one a visitor can also type; the tag is a
 * 128-bit secret (base64url, 22 characters) = HMAC-SHA256(subKey(visitors key, 'qr'), '<pass id>:<code>')
 * truncated to 16 bytes. The hub rebuilds it from the sealed code, so it stores nothing new. Gates know a pass
 * offline only by its tag (allow-list.ts); typed codes are checked by the hub alone. `FH1:<code>` (passes
 * issued before the tag) is still read, online only: it is the code, no more.
 */
export const QR_PREFIX = 'FH2:';
export const LEGACY_QR_PREFIX = 'FH1:';
const TAG_BYTES = 16;
const TAG_CHARS = 22;

export interface QrPayload {
  code: string;
  /** Absent for an `FH1:` QR. */
  tag?: string;
}

/** The tag function for one key (its sub-key derived once: an allow-list derives thousands of tags). */
export function qrTagger(key: Buffer): (passId: number, code: string) => string {
  const qrKey = subKey(key, 'qr');
  return (passId, code) =>
    createHmac('sha256', qrKey)
      .update(`${passId}:${code}`)
      .digest()
      .subarray(0, TAG_BYTES)
      .toString('base64url');
}

export function passQr(key: Buffer, passId: number, code: string): string {
  return `${QR_PREFIX}${code}.${qrTagger(key)(passId, code)}`;
}

/** A QR's code and tag, or undefined when it is not one of ours. */
export function parseQr(value: string): QrPayload | undefined {
  const v = value.trim();
  const prefix = v.slice(0, 4).toUpperCase();
  if (prefix === LEGACY_QR_PREFIX) return { code: v.slice(4) };
  if (prefix !== QR_PREFIX) return undefined;
  const dot = v.indexOf('.', 4);
  if (dot < 0) return undefined;
  const tag = v.slice(dot + 1);
  if (tag.length !== TAG_CHARS || !/^[\w-]+$/.test(tag)) return undefined;
  return { code: v.slice(4, dot), tag };
}

/** Whether a QR's tag is this pass's (constant time). */
export function qrTagMatches(key: Buffer, passId: number, code: string, tag: string): boolean {
  const expected = Buffer.from(qrTagger(key)(passId, code));
  const given = Buffer.from(tag);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
