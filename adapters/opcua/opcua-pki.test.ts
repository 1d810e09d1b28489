import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listServerCertificates, setServerCertificateTrust } from './opcua-pki.js';

function selfSigned(dir: string, cn: string): string {
  const key = join(dir, `${cn}.key`);
  const crt = join(dir, `${cn}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=URI:urn:test:${cn}`,
    ],
    { stdio: 'ignore' },
  );
  return crt;
}

describe('OPC UA server certificates in the PKI folders', () => {
  it('lists trusted and rejected certificates, skipping files that are not certificates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-'));
    mkdirSync(join(dir, 'rejected'), { recursive: true });
    mkdirSync(join(dir, 'trusted', 'certs'), { recursive: true });
    const crt = selfSigned(join(dir, 'rejected'), 'bms-01');
    writeFileSync(join(dir, 'rejected', 'garbage.pem'), 'not a certificate');
    mkdirSync(join(dir, 'rejected', 'a-directory.der'));
    const list = await listServerCertificates(dir);
    expect(list).toEqual([
      expect.objectContaining({
        subject: 'CN=bms-01',
        applicationUri: 'urn:test:bms-01',
        status: 'rejected',
      }),
    ]);
    expect(list[0]!.thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(crt).toContain('rejected');
  });

  it('refuses a thumbprint without enough hex digits (colons alone would match everything)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-'));
    expect(await setServerCertificateTrust(dir, '::::::::', true)).toMatch(/8 to 40 hex digits/);
    expect(await setServerCertificateTrust(dir, 'a:::::::', true)).toMatch(/8 to 40 hex digits/);
    expect(await setServerCertificateTrust(dir, 'abcdef0123', true)).toMatch(/no server certificate/);
  });
});
