import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { TlsFiles } from './tls-files.js';

export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
  fingerprint256: string;
  /** The names and addresses it is valid for (its subjectAltName). */
  names: string[];
  validTo: Date;
}

/** 825 days: the longest validity browsers accept for a server certificate. */
export const SELF_SIGNED_DAYS = 825;

/**
 * A new RSA-2048 key and a self-signed certificate for localhost, 127.0.0.1, ::1, this machine's name and the
 * given names and addresses. node-opcua-crypto makes it in-process (no openssl binary); it is loaded only here,
 * when a certificate is made, so a hub that never makes one never loads it.
 */
export async function createSelfSigned(
  o: { hosts?: string[]; days?: number } = {},
): Promise<SelfSignedCertificate> {
  const { createSelfSignedCertificate, generatePrivateKey, privateKeyToPEM, CertificatePurpose } =
    await import('node-opcua-crypto');
  const own = hostname();
  const names = [...new Set(['localhost', own, '127.0.0.1', '::1', ...(o.hosts ?? [])].filter(Boolean))];
  const key = await generatePrivateKey(2048);
  const { privPem } = await privateKeyToPEM(key);
  const now = Date.now();
  const { cert } = await createSelfSignedCertificate({
    privateKey: key,
    subject: `/CN=${own.replace(/[/=]/g, '-')}/O=facility-hub`,
    dns: names.filter((n) => !isIP(n)),
    ip: names.filter((n) => isIP(n)),
    // an hour back: a client whose clock is a little behind still accepts it
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + (o.days ?? SELF_SIGNED_DAYS) * 86_400_000),
    purpose: CertificatePurpose.ForApplication,
  });
  const x509 = new X509Certificate(cert);
  return {
    certPem: cert,
    keyPem: privPem,
    fingerprint256: x509.fingerprint256,
    names,
    validTo: new Date(x509.validTo),
  };
}

/**
 * Write the key (mode 600) and the certificate, each to a temporary file renamed into place, so a hub reloading
 * at that moment reads the old pair or the new one, never half a file. The folder is created with mode 700.
 */
export function writeSelfSigned(
  files: Pick<TlsFiles, 'certFile' | 'keyFile'>,
  c: SelfSignedCertificate,
): void {
  for (const file of [files.certFile, files.keyFile])
    if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const write = (file: string, text: string, mode: number) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  };
  write(files.keyFile, c.keyPem, 0o600);
  write(files.certFile, c.certPem, 0o644);
}
