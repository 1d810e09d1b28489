import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { HttpTlsSettings } from '../../core/config/site-schema.js';

/** Where the HTTPS certificate, its key and the intermediates are, as absolute paths. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

/** The files' contents, checked: a certificate, the key that goes with it, and its SHA-256 fingerprint. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  /** As Node's getPeerCertificate().fingerprint256 and browsers show it: AB:CD:… */
  fingerprint256: string;
  subject: string;
  validTo: Date;
}

/** The hub refuses to start on these; one line per problem, each naming the site-file key and the path. */
export class TlsFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TlsFileError';
  }
}

/** Where a self-signed certificate goes when hub.http.tls names no files (relative to the working directory). */
export function defaultTlsFiles(dataDir: string): { certFile: string; keyFile: string } {
  return { certFile: join(dataDir, 'tls', 'hub.crt'), keyFile: join(dataDir, 'tls', 'hub.key') };
}

/** The files hub.http.tls names, else the default ones, as absolute paths. */
export function tlsFilesOf(
  tls: Pick<HttpTlsSettings, 'certFile' | 'keyFile' | 'caFile'> | undefined,
  dataDir: string,
): TlsFiles {
  const defaults = defaultTlsFiles(dataDir);
  return {
    certFile: resolve(tls?.certFile ?? defaults.certFile),
    keyFile: resolve(tls?.keyFile ?? defaults.keyFile),
    ...(tls?.caFile !== undefined && { caFile: resolve(tls.caFile) }),
  };
}

const KEY = 'hub.http.tls';
const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** Read and check the three files; every problem at once, as a TlsFileError. */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const problems: string[] = [];
  const read = (name: keyof TlsFiles): Buffer | undefined => {
    const path = files[name];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      problems.push(`${KEY}.${name}: cannot read ${path}: ${REASONS[code] ?? (err as Error).message}`);
      return undefined;
    }
  };
  const cert = read('certFile');
  const key = read('keyFile');
  const ca = read('caFile');
  const certificate = cert && parseCertificate(cert, `${KEY}.certFile: ${files.certFile}`, problems);
  if (ca) parseCertificate(ca, `${KEY}.caFile: ${files.caFile}`, problems);
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  if (key) {
    try {
      privateKey = createPrivateKey(key);
    } catch {
      problems.push(`${KEY}.keyFile: ${files.keyFile} holds no unencrypted PEM private key`);
    }
  }
  if (certificate && privateKey && !certificate.checkPrivateKey(privateKey))
    problems.push(`${KEY}.keyFile: ${files.keyFile} is not the key of the certificate in ${files.certFile}`);
  if (problems.length || !cert || !key || !certificate) throw new TlsFileError(problems);
  try {
    // what OpenSSL itself refuses (a key too short for its security level, ...)
    createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new TlsFileError([`${KEY}: ${files.certFile} with ${files.keyFile}: ${(err as Error).message}`]);
  }
  return {
    cert,
    key,
    ...(ca && { ca }),
    fingerprint256: certificate.fingerprint256,
    subject: certificate.subject,
    validTo: new Date(certificate.validTo),
  };
}

/** The first certificate of a PEM file, or a problem line. */
function parseCertificate(pem: Buffer, where: string, problems: string[]): X509Certificate | undefined {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push(`${where} holds no PEM certificate`);
    return undefined;
  }
  try {
    return new X509Certificate(pem);
  } catch (err) {
    problems.push(`${where} holds no valid PEM certificate (${(err as Error).message})`);
    return undefined;
  }
}
