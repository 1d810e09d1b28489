import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Pass codes sealed with the visitors key (AES-256-GCM), so the hub can build each gate's offline allow-list
 * long after the code was shown, without keeping it in clear. Codes are also stored as a keyed hash for the
 * lookup at the gate.
 */
export function sealCode(key: Buffer, code: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', subKey(key, 'seal'), iv);
  const data = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
}

/** The code, or undefined when the seal is not this key's (a rotated key) or was altered. */
export function openCode(key: Buffer, sealed: string): string | undefined {
  return codeOpener(key)(sealed);
}

/** openCode for one key, its sub-key derived once (an allow-list opens thousands of seals). */
export function codeOpener(key: Buffer): (sealed: string) => string | undefined {
  const sealKey = subKey(key, 'seal');
  return (sealed) => {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  };
}

/** A key derived for one purpose (or one gate), so no two uses share a key. */
export function subKey(key: Buffer, purpose: string): Buffer {
  return createHmac('sha256', key).update(purpose).digest();
}
