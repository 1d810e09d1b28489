import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nobody listens on right now. */
/** Ports this process handed out: the kernel may offer a closed one again, and two servers of one test collide. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function requireBinary(name: string, hint: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name}`], { encoding: 'utf8' })
      .trim()
      .split('\n')[0]!;
  } catch {
    throw new Error(`${name} is required by the tests and was not found: ${hint}`);
  }
}

export interface Mosquitto {
  port: number;
  /** The broker's process id while it runs. */
  readonly pid: number | undefined;
  url: string;
  /** Kill it (as a crash would) and wait until it is gone. */
  kill(): Promise<void>;
  /** Start it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private mosquitto on a free port (or on `opts.port`, for a test that told a client where to look before
 * the broker existed), never the system one. With `listener: false` the configuration given declares its own
 * listener on `opts.port` (a TLS one, say) and no plain one is added.
 */
export async function startMosquitto(
  extraConfig: string[] = [],
  opts: { port?: number; listener?: boolean } = {},
): Promise<Mosquitto> {
  const bin = requireBinary('mosquitto', 'apt-get install -y mosquitto');
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'hub-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      ...(opts.listener === false ? [] : [`listener ${port} 127.0.0.1`]),
      ...(extraConfig.some((l) => l.startsWith('allow_anonymous')) ? [] : ['allow_anonymous true']),
      'persistence false',
      'user root',
      'log_dest none',
      'sys_interval 1',
      ...extraConfig,
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<never>((_, reject) =>
      proc!.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  };
  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return proc?.pid;
    },
    kill,
    restart: launch,
    stop: kill,
  };
}

export interface TestPki {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate and key for a CN, signed by the CA (or by another CA when rogue). */
  client(cn: string, opts?: { rogue?: boolean }): { cert: string; key: string };
}

/** A throwaway CA with a server certificate for 127.0.0.1, made with the openssl CLI. */
export function makePki(): TestPki {
  const openssl = requireBinary('openssl', 'apt-get install -y openssl');
  const dir = mkdtempSync(join(tmpdir(), 'hub-pki-'));
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const makeCa = (name: string) =>
    run(
      'req',
      '-x509',
      ...newKey,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    );
  const sign = (file: string, cn: string, caName: string, ext: string) => {
    writeFileSync(join(dir, `${file}.ext`), ext);
    run('req', ...newKey, '-subj', `/CN=${cn}`, '-keyout', `${file}.key`, '-out', `${file}.csr`);
    run(
      'x509',
      '-req',
      '-in',
      `${file}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${file}.crt`,
      '-extfile',
      `${file}.ext`,
    );
    return { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) };
  };
  makeCa('test-ca');
  makeCa('rogue-ca');
  const server = sign(
    'hub-server',
    'hub-server',
    'test-ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  return {
    dir,
    caFile: join(dir, 'test-ca.crt'),
    serverCert: server.cert,
    serverKey: server.key,
    client: (cn, opts = {}) =>
      sign(
        opts.rogue ? `${cn}-rogue` : cn,
        cn,
        opts.rogue ? 'rogue-ca' : 'test-ca',
        'extendedKeyUsage=clientAuth\n',
      ),
  };
}

export interface Influxd {
  port: number;
  url: string;
  readonly pid: number | undefined;
  dir: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Start again on the same port with the same data. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a stalled server that keeps its connections open. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A private influxd (Debian's influxdb 1.x) in a temporary directory on free ports, never the system one. */
export async function startInfluxd(): Promise<Influxd> {
  const bin = requireBinary('influxd', 'apt-get install -y influxdb');
  const port = await freePort();
  const bindPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hub-influxd-'));
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${bindPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[coordinator]',
      '  log-queries-after = "0s"',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '[continuous_queries]',
      '  log-enabled = false',
      '  run-interval = "1s"',
      '[monitor]',
      '  store-enabled = false',
      '[logging]',
      '  level = "error"',
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(bin, ['-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      proc!.once('exit', (code) => reject(new Error(`influxd exited (${code}): ${stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForHttp(`http://127.0.0.1:${port}/ping`), exited]);
  };
  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    });
  };
  await launch();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    get pid() {
      return proc?.pid;
    },
    kill,
    restart: launch,
    pause: () => proc?.kill('SIGSTOP'),
    resume: () => proc?.kill('SIGCONT'),
    stop: kill,
  };
}

async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Peer {
  readonly pid: number | undefined;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** Start a child process and wait until it prints `ready` (or fail with what it said). */
async function startPeer(cmd: string, args: string[], what: string): Promise<Peer> {
  let proc: ChildProcess | undefined;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      proc = p;
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${what} did not start in 15 s: ${out}`)), 15_000);
      const onData = (d: Buffer) => {
        out += d;
        if (/\bready\b/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      p.stdout?.on('data', onData);
      p.stderr?.on('data', (d) => {
        out = (out + d).slice(-4000);
      });
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}): ${out}`));
      });
    });
  await launch();
  return {
    get pid() {
      return proc?.pid;
    },
    async kill() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((r) => {
        p.once('exit', () => r());
        p.kill('SIGKILL');
      });
    },
    restart: launch,
  };
}

/** Our own Modbus TCP server (modbus-serial's) as a separate process, to kill and restart. */
export function startRegisterServerProcess(
  port: number,
  units: Record<number, { hr?: number[]; ir?: number[] }>,
) {
  const script = join(import.meta.dirname, 'peers', 'register-server.ts');
  return startPeer(
    process.execPath,
    ['--import', 'tsx', script, String(port), JSON.stringify(units)],
    'register server',
  );
}

/** The system Python that has Debian's pymodbus (the `python3` first on PATH may be another one). */
export function systemPython(): string {
  for (const py of ['/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import pymodbus.server, serial_asyncio'], { stdio: 'pipe' });
      return py;
    } catch {
      // try the next
    }
  }
  throw new Error(
    'Debian python3 with pymodbus is required by the Modbus tests: apt-get install -y python3-pymodbus python3-serial python3-serial-asyncio',
  );
}

/** Debian's pymodbus as an independent Modbus server: `tcp`, `rtu-over-tcp` on a port, or `rtu` on a tty. */
export function startPymodbus(
  mode: 'tcp' | 'rtu-over-tcp' | 'rtu',
  address: number | string,
  units: Record<number, { hr?: number[]; ir?: number[]; co?: number[]; di?: number[] }>,
): Promise<Peer> {
  const script = join(import.meta.dirname, 'peers', 'pymodbus_server.py');
  return startPeer(
    systemPython(),
    [script, mode, String(address), JSON.stringify({ units })],
    'pymodbus server',
  );
}

/** A virtual serial cable (two pseudo-terminals joined by socat): `a` and `b` are its ends. */
export async function serialPair(): Promise<{ a: string; b: string; stop(): Promise<void> }> {
  const bin = requireBinary('socat', 'apt-get install -y socat');
  const dir = mkdtempSync(join(tmpdir(), 'hub-tty-'));
  const a = join(dir, 'ttyA');
  const b = join(dir, 'ttyB');
  const proc = spawn(bin, ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    proc.stderr?.on('data', (d) => {
      err += d;
      if (/starting data transfer loop/.test(err)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`socat exited (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`socat did not start: ${err}`)), 5_000);
  });
  return {
    a,
    b,
    stop: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGKILL');
      }),
  };
}

/** One `/write` that InfluxDB acknowledged (2xx), as it went through the recorder. */
export interface RecordedWrite {
  db: string | null;
  rp: string | null;
  lines: string[];
}

export interface InfluxWriteRecorder {
  /** Give this to the hub instead of InfluxDB's own URL. */
  url: string;
  /** Every write InfluxDB acknowledged to the client, in the order of the acknowledgements. */
  writes: RecordedWrite[];
  /** The lines of those writes, in order (optionally of one retention policy only). */
  lines(rp?: string): string[];
  stop(): Promise<void>;
}

/**
 * An HTTP pass-through in front of an InfluxDB on a free loopback port that records the line protocol of
 * every `/write` InfluxDB acknowledged. InfluxDB itself cannot show a duplicate write (a point with the same
 * series and timestamp overwrites the first) nor the order of the writes (queries sort by time); this can.
 * While InfluxDB is away the recorder drops the client's connection (what a refused connection looks like to
 * a client that gets no answer), so the client retries as it would without it. A write whose answer did not
 * reach the client is not recorded: the client will rightly send it again.
 */
export async function startInfluxWriteRecorder(upstream: string): Promise<InfluxWriteRecorder> {
  const target = new URL(upstream);
  const writes: RecordedWrite[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        },
        (upRes) => {
          const answer: Buffer[] = [];
          upRes.on('data', (c: Buffer) => answer.push(c));
          upRes.on('error', () => res.destroy());
          upRes.on('end', () => {
            const status = upRes.statusCode ?? 502;
            const url = new URL(req.url ?? '/', 'http://recorder');
            if (url.pathname === '/write' && status >= 200 && status < 300)
              res.once('finish', () =>
                writes.push({
                  db: url.searchParams.get('db'),
                  rp: url.searchParams.get('rp'),
                  lines: body
                    .toString('utf8')
                    .split('\n')
                    .filter((l) => l.trim() !== ''),
                }),
              );
            res.writeHead(status, upRes.headers);
            res.end(Buffer.concat(answer));
          });
        },
      );
      up.on('error', () => res.destroy());
      // the client gave up (its timeout, or the hub stopping): so does the recorder
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    lines: (rp) => writes.filter((w) => rp === undefined || w.rp === rp).flatMap((w) => w.lines),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
