import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { subKey } from './code-seal.js';

/**
 * Text sealed for one purpose (AES-256-GCM under subKey(visitors key, purpose)): a visitor's contact until the
 * decision, a host token a search hands out. A different purpose's key cannot open it, so a host token is
 * never accepted as anything else.
 */
export function sealText(key: Buffer, purpose: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', subKey(key, purpose), iv);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
}

/** The text, or undefined when it was sealed for another purpose or key, or altered. */
export function openText(key: Buffer, purpose: string, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 28) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', subKey(key, purpose), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
