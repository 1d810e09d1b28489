import { existsSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import type { HttpTlsSettings } from '../../core/config/site-schema.js';
import type { Logger } from '../../core/logger.js';
import { createSelfSigned, writeSelfSigned } from './self-signed.js';
import { readTlsFiles, TlsFileError, type TlsFiles, type TlsMaterial, tlsFilesOf } from './tls-files.js';

export type TlsReload = { ok: true; fingerprint256: string } | { ok: false; problems: string[] };

/**
 * The hub's HTTPS certificate: read and checked before anything listens (a TlsFileError refuses the start),
 * made first when `selfSigned` asks for it and the files are missing, and read again on reload (SIGHUP): the
 * server's secure context is swapped, so new connections get the new certificate and open ones keep theirs.
 * A file that fails the checks on reload is logged and the certificate in use is kept.
 */
export class HttpsCertificate {
  private server: TlsServer | undefined;

  private constructor(
    readonly settings: HttpTlsSettings,
    readonly files: TlsFiles,
    private material: TlsMaterial,
    /** Set when this start made a self-signed certificate. */
    readonly generated: boolean,
    private readonly log: Logger,
  ) {}

  static async open(settings: HttpTlsSettings, dataDir: string, log: Logger): Promise<HttpsCertificate> {
    const files = tlsFilesOf(settings, dataDir);
    let generated = false;
    if (settings.selfSigned && !existsSync(files.certFile) && !existsSync(files.keyFile)) {
      writeSelfSigned(files, await createSelfSigned());
      generated = true;
    }
    const material = readTlsFiles(files);
    const cert = new HttpsCertificate(settings, files, material, generated, log);
    cert.logInUse(generated ? 'generated a self-signed HTTPS certificate' : 'HTTPS certificate');
    return cert;
  }

  get fingerprint256(): string {
    return this.material.fingerprint256;
  }

  /** What https.createServer takes. */
  get serverOptions(): { cert: Buffer; key: Buffer; ca?: Buffer } {
    return serverContext(this.material);
  }

  /** The server whose secure context reload() replaces. */
  attach(server: TlsServer): void {
    this.server = server;
  }

  reload(): TlsReload {
    let next: TlsMaterial;
    try {
      next = readTlsFiles(this.files);
    } catch (err) {
      const problems = err instanceof TlsFileError ? err.problems : [String(err)];
      this.log.error(
        { problems, fingerprint256: this.material.fingerprint256 },
        'HTTPS certificate not reloaded; the one in use is kept',
      );
      return { ok: false, problems };
    }
    this.server?.setSecureContext(serverContext(next));
    this.material = next;
    this.logInUse('HTTPS certificate reloaded');
    return { ok: true, fingerprint256: next.fingerprint256 };
  }

  private logInUse(message: string): void {
    const { fingerprint256, subject, validTo } = this.material;
    const fields = {
      certFile: this.files.certFile,
      subject: subject.replaceAll('\n', ', '),
      validTo: validTo.toISOString(),
      fingerprint256,
    };
    if (validTo.getTime() < Date.now()) this.log.warn(fields, `${message}: it has expired`);
    else this.log.info(fields, message);
  }
}

function serverContext(m: TlsMaterial): { cert: Buffer; key: Buffer; ca?: Buffer } {
  return { cert: m.cert, key: m.key, ...(m.ca && { ca: m.ca }) };
}
