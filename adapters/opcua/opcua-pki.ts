import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { OPCUACertificateManager } from 'node-opcua';

/** The hub's own OPC UA application: one certificate for every server it talks to. */
export const HUB_APPLICATION_URI = `urn:${hostname()}:facility-hub`;

export interface ClientPki {
  manager: OPCUACertificateManager;
  certificateFile: string;
  privateKeyFile: string;
}

const opened = new Map<string, Promise<ClientPki>>();

/** The client PKI folder under the data dir; a server certificate is trusted only when it is in trusted/. */
export function pkiDirOf(dataDir: string): string {
  return join(dataDir, 'pki', 'opcua');
}

/**
 * Open (once per process and folder) the client's PKI: its own certificate, created on first use, and the
 * trusted and rejected server certificates. Unknown server certificates are never accepted on their own:
 * they land in rejected/ until someone trusts them (admin CLI or API).
 */
export function openClientPki(dir: string): Promise<ClientPki> {
  let p = opened.get(dir);
  if (!p) {
    p = (async () => {
      // node-opcua is loaded when first needed: a hub without OPC UA devices does not carry it (~80 MB)
      const { OPCUACertificateManager } = await import('node-opcua');
      const manager = new OPCUACertificateManager({
        rootFolder: dir,
        automaticallyAcceptUnknownCertificate: false,
      });
      await manager.initialize();
      const certificateFile = join(dir, 'own', 'certs', 'hub_certificate.pem');
      if (!existsSync(certificateFile))
        await manager.createSelfSignedCertificate({
          applicationUri: HUB_APPLICATION_URI,
          subject: '/CN=facility-hub/O=facility-hub',
          dns: [hostname()],
          startDate: new Date(Date.now() - 24 * 3600_000),
          validity: 3650,
          outputFile: certificateFile,
        });
      return { manager, certificateFile, privateKeyFile: manager.privateKey };
    })();
    p.catch(() => opened.delete(dir));
    opened.set(dir, p);
  }
  return p;
}

export interface ServerCertificateInfo {
  thumbprint: string;
  subject: string;
  applicationUri?: string;
  notAfter: string;
  status: 'trusted' | 'rejected';
}

/** A certificate's thumbprint (SHA-1, hex, as OPC UA tools show it) and who it names. */
export function describeCertificate(der: Buffer): Omit<ServerCertificateInfo, 'status'> {
  const x = new X509Certificate(der);
  return {
    thumbprint: thumbprintOf(x),
    subject: x.subject.replace(/\n/g, ', '),
    applicationUri: /URI:([^,\s]+)/.exec(x.subjectAltName ?? '')?.[1],
    notAfter: new Date(x.validTo).toISOString(),
  };
}

function thumbprintOf(x: X509Certificate): string {
  return x.fingerprint.replace(/:/g, '').toLowerCase();
}

/** The certificates in a folder; a file that is not one (corrupt, too large, a directory) is skipped. */
function certificatesIn(folder: string): { file: string; der: Buffer }[] {
  if (!existsSync(folder)) return [];
  const out: { file: string; der: Buffer }[] = [];
  for (const f of readdirSync(folder)) {
    if (!/\.(der|pem|crt)$/i.test(f)) continue;
    const file = join(folder, f);
    try {
      const st = statSync(file);
      if (!st.isFile() || st.size > 64 * 1024) continue;
      out.push({ file, der: Buffer.from(new X509Certificate(readFileSync(file)).raw) });
    } catch {
      // not a certificate: not listed, not matched
    }
  }
  return out;
}

/**
 * Server certificates the hub has seen: trusted ones and the rejected ones waiting for a decision. Read from
 * the folders directly, so listing never loads node-opcua or creates the hub's own certificate.
 */
export async function listServerCertificates(dir: string): Promise<ServerCertificateInfo[]> {
  return [
    ...certificatesIn(join(dir, 'trusted', 'certs')).map((c) => ({
      ...describeCertificate(c.der),
      status: 'trusted' as const,
    })),
    ...certificatesIn(join(dir, 'rejected')).map((c) => ({
      ...describeCertificate(c.der),
      status: 'rejected' as const,
    })),
  ];
}

/** Move a seen certificate (by thumbprint, or a unique prefix of it) to trusted/ or rejected/. */
export async function setServerCertificateTrust(
  dir: string,
  thumbprint: string,
  trust: boolean,
): Promise<ServerCertificateInfo | string> {
  const wanted = thumbprint.toLowerCase().replace(/:/g, '');
  if (!/^[0-9a-f]{8,40}$/.test(wanted))
    return `expected a thumbprint of 8 to 40 hex digits, got "${thumbprint}"`;
  const all = [...certificatesIn(join(dir, 'trusted', 'certs')), ...certificatesIn(join(dir, 'rejected'))];
  const matches = all.filter((c) => thumbprintOf(new X509Certificate(c.der)).startsWith(wanted));
  const distinct = new Map(matches.map((c) => [thumbprintOf(new X509Certificate(c.der)), c]));
  if (!distinct.size)
    return `no server certificate with thumbprint ${thumbprint} (list them with opcua-certs)`;
  if (distinct.size > 1) return `thumbprint ${thumbprint} is ambiguous: give more of it`;
  const [c] = distinct.values();
  // through the certificate manager, so a running hub's trust list follows at once
  const { manager } = await openClientPki(dir);
  if (trust) await manager.trustCertificate(c!.der);
  else await manager.rejectCertificate(c!.der);
  return { ...describeCertificate(c!.der), status: trust ? 'trusted' : 'rejected' };
}
