import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { createSelfSigned } from '../hub/tls/self-signed.js';
import { login, TEST_ADMIN, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/** The test site's YAML with hub.http.tls set (and the HTTP port, when given). */
function tlsSiteYaml(tls: Record<string, unknown> | undefined, o: { dataDir: string; httpPort?: number }) {
  const doc = parse(testSiteYaml({ dataDir: o.dataDir, httpPort: o.httpPort }));
  if (tls) doc.hub.http.tls = tls;
  return stringify(doc);
}

/** The real operator command, as `npm run admin -- tls-selfsigned ...` runs it. */
function adminCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', 'hub/admin-cli.ts', ...args],
      { encoding: 'utf8', env: { ...process.env, HUB_LOG_LEVEL: 'silent' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const fingerprintIn = (text: string) => /SHA-256 fingerprint:?\s+([0-9A-F:]{95})/.exec(text)?.[1];

/** The SHA-256 fingerprint of the certificate a new TLS connection is given. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function collect(resolve: (a: Answer) => void) {
  return (res: import('node:http').IncomingMessage) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      body += c;
    });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
  };
}

/** An HTTPS request that verifies the hub's certificate against `ca` (its own self-signed certificate). */
function httpsCall(
  url: string,
  ca: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpsRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? 'GET',
        headers: o.headers,
        ca,
        agent: false,
      },
      collect(resolve),
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

function plainCall(port: number, path: string, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, collect(resolve));
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS with a certificate made by `npm run admin -- tls-selfsigned`', () => {
  const dataDir = tempDataDir();
  const siteFile = join(dataDir, 'site.yaml');
  const certFile = join(dataDir, 'certs', 'hub.crt');
  const keyFile = join(dataDir, 'certs', 'hub.key');
  let redirectPort: number;
  let printed: string | undefined;
  let hub: Hub;
  let url: URL;
  let ca: string;

  beforeAll(async () => {
    redirectPort = await freePort();
    writeFileSync(siteFile, tlsSiteYaml({ certFile, keyFile, redirectHttpPort: redirectPort }, { dataDir }));
    const made = await adminCli(['tls-selfsigned', '--site', siteFile, '--host', 'hub.test,10.9.8.7']);
    expect(made.code, made.stderr).toBe(0);
    printed = fingerprintIn(made.stdout);
    ca = readFileSync(certFile, 'utf8');
    hub = await buildHub(testHubOptions(parseSiteText(readFileSync(siteFile, 'utf8'), siteFile)));
    url = new URL(await hub.start());
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
  });

  it('writes the key with mode 600 and a certificate for localhost, 127.0.0.1 and the names given', () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const x509 = new X509Certificate(ca);
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('DNS:hub.test');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.subjectAltName).toContain('IP Address:10.9.8.7');
  });

  it('serves the certificate whose fingerprint the command printed, verified by a client that trusts it', async () => {
    expect(url.protocol).toBe('https:');
    expect(printed).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(await servedFingerprint(Number(url.port))).toBe(printed);
    const health = await httpsCall(new URL('/healthz', url).href, ca);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=15552000');
  });

  it('gives the session cookie Secure', async () => {
    const res = await httpsCall(new URL('/api/v1/auth/login', url).href, ca, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_ADMIN),
    });
    expect(res.status, res.body).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^hub_session=/);
    expect(cookie).toMatch(/; Secure\b/i);
  });

  it('answers plain HTTP on the redirect port with 308 to the same host and path over https', async () => {
    const res = await plainCall(redirectPort, '/api/v1/site?x=1', `hub.test:${redirectPort}`);
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(`https://hub.test:${url.port}/api/v1/site?x=1`);
    expect((await plainCall(redirectPort, '/', 'evil@x')).status).toBe(400);
  });

  it('serves socket.io over wss', async () => {
    const admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    const socket = io(url.origin, { transports: ['websocket'], ca, extraHeaders: { cookie: admin.cookie } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const ack = await socket.emitWithAck('subscribe', { assets: ['room-1'] });
      expect(ack.values.map((v: { pointId: string }) => v.pointId)).toContain('room-1/temp_c');
    } finally {
      socket.disconnect();
    }
  });
});

describe('without hub.http.tls', () => {
  it('sends no Strict-Transport-Security and no Secure cookie', async () => {
    const site = parseSiteText(tlsSiteYaml(undefined, { dataDir: tempDataDir() }), 'plain.yaml');
    const hub = await buildHub(testHubOptions(site, { live: false }));
    await hub.start();
    try {
      const health = await hub.http.inject({ url: '/healthz' });
      expect(health.headers['strict-transport-security']).toBeUndefined();
      const login = await hub.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: TEST_ADMIN });
      expect(String(login.headers['set-cookie'])).not.toMatch(/Secure/i);
    } finally {
      await hub.stop();
    }
  });
});

/** `hub/main.ts` as its own process, as an operator runs it (SIGHUP goes to it alone). */
function spawnHub(siteFile: string): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts', siteFile], {
    env: {
      ...process.env,
      HUB_ADMIN_PASSWORD: 'https-test-password-1',
      HUB_LOG_LEVEL: 'info',
      HUB_HTTP_PORT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  return { child, output: () => out, exited };
}

describe('the hub process: a self-signed certificate on first start, SIGHUP reload, refused files', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('makes and prints a certificate with selfSigned; SIGHUP serves a replaced one to new connections, keeps open ones, and keeps it when the new file is bad', async () => {
    const dataDir = tempDataDir();
    const httpPort = await freePort();
    const siteFile = join(dataDir, 'site.yaml');
    writeFileSync(siteFile, tlsSiteYaml({ selfSigned: true }, { dataDir, httpPort }));
    const hub = spawnHub(siteFile);
    children.push(hub.child);
    await waitFor(() => hub.output().includes('dashboard at https://'), 40_000, hub.output);
    const first = fingerprintIn(hub.output());
    expect(hub.output()).toContain(
      `made a self-signed HTTPS certificate (${join(dataDir, 'tls', 'hub.crt')}`,
    );
    expect(statSync(join(dataDir, 'tls', 'hub.key')).mode & 0o777).toBe(0o600);
    expect(await servedFingerprint(httpPort)).toBe(first);

    // a connection opened before the reload
    const open = tlsConnect({ host: '127.0.0.1', port: httpPort, rejectUnauthorized: false });
    await new Promise((resolve) => open.once('secureConnect', resolve));

    // the operator replaces the files (the self-signed default ones) and sends SIGHUP
    const made = await adminCli(['tls-selfsigned', '--site', siteFile, '--force']);
    expect(made.code, made.stderr).toBe(0);
    const second = fingerprintIn(made.stdout);
    expect(second).not.toBe(first);
    hub.child.kill('SIGHUP');
    await waitFor(
      async () => (await servedFingerprint(httpPort)) === second,
      10_000,
      () => 'the new certificate',
    );
    // the old connection still answers, with the old certificate
    expect(open.getPeerCertificate().fingerprint256).toBe(first);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      open.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('\r\n\r\n')) resolve(text);
      });
    });
    open.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);

    // a certificate file that is not one: logged, the one in use kept, the hub still up
    writeFileSync(join(dataDir, 'tls', 'hub.crt'), 'not a certificate\n');
    hub.child.kill('SIGHUP');
    await waitFor(() => hub.output().includes('HTTPS certificate not reloaded'), 10_000, hub.output);
    expect(hub.output()).toContain(
      `hub.http.tls.certFile: ${join(dataDir, 'tls', 'hub.crt')} holds no PEM certificate`,
    );
    expect(await servedFingerprint(httpPort)).toBe(second);
    expect(hub.child.exitCode).toBeNull();

    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
  }, 90_000);

  it('refuses to start when the certificate file is missing, naming hub.http.tls.certFile and the path', async () => {
    const dataDir = tempDataDir();
    const siteFile = join(dataDir, 'site.yaml');
    const certFile = join(dataDir, 'missing.crt');
    writeFileSync(siteFile, tlsSiteYaml({ certFile, keyFile: join(dataDir, 'missing.key') }, { dataDir }));
    const hub = spawnHub(siteFile);
    children.push(hub.child);
    expect(await hub.exited).toBe(2);
    expect(hub.output()).toContain(`hub.http.tls.certFile: cannot read ${certFile}: no such file`);
    expect(hub.output()).not.toContain('dashboard at');
  }, 60_000);

  it('refuses a key that does not belong to the certificate', async () => {
    const dataDir = tempDataDir();
    const [one, other] = [await createSelfSigned(), await createSelfSigned()];
    const certFile = join(dataDir, 'hub.crt');
    const keyFile = join(dataDir, 'hub.key');
    writeFileSync(certFile, one.certPem);
    writeFileSync(keyFile, other.keyPem);
    const site = parseSiteText(tlsSiteYaml({ certFile, keyFile }, { dataDir }), 'site.yaml');
    await expect(buildHub(testHubOptions(site, { live: false }))).rejects.toThrow(
      `hub.http.tls.keyFile: ${keyFile} is not the key of the certificate in ${certFile}`,
    );
  });
});
