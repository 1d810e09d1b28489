/**
 * `npm run bench login`: what a login costs at the production password cost (scrypt N=2^17, r=8, p=1), in a
 * hub process of its own (bench/login-hub-process.ts), over HTTP from this process with distinct loopback
 * addresses (127.0.0.x) as clients:
 *   - a successful login, a wrong password and an unknown name (each checked: one hash);
 *   - the owner's successful logins from their address while another address hammers the same account
 *     with wrong passwords at 100 a second: the owner's latency, and what the attacker got;
 *   - a burst of 40 parallel wrong passwords from one address: how many hashes it cost the hub.
 * Sequential samples, so the p99 of ten is their maximum. Results: bench/results/login.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_ADMIN, request } from './common.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SAMPLES = 10;
/** The hammering address's rate: far past the default per-address limit (10 a minute), set aside here. */
const ATTACK_PER_S = 100;

interface Figure {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: Record<number, number>;
  /** Each sample in order, ms (short series only). */
  samplesMs?: number[];
}

interface HubStats {
  hasher: { computed: number; peakRunning: number; refusedBusy: number; cost: { N: number } };
  cpuSeconds: number;
  peakRssMb: number;
}

export interface LoginBenchResult {
  cost: { N: number };
  success: Figure;
  wrongPassword: Figure;
  unknownName: Figure;
  ownerWhileHammered: Figure;
  attacker: Figure & { hashesCost: number };
  burst: { requests: number; statuses: Record<number, number>; hashesCost: number };
  hashPeakRunning: number;
  hubPeakRssMb: number;
}

/** POST the login from a given loopback address; status and milliseconds. */
function login(url: string, from: string, username: string, password: string) {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ username, password });
  const start = performance.now();
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        path: '/api/v1/auth/login',
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function figure(samples: { status: number; ms: number }[]): Figure {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil((ms.length * p) / 100) - 1)]!);
  const statuses: Record<number, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const samplesMs = samples.length <= 20 ? samples.map((x) => Math.round(x.ms)) : undefined;
  return {
    n: samples.length,
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: Math.round(ms.at(-1)!),
    statuses,
    samplesMs,
  };
}

async function series(n: number, one: (i: number) => Promise<{ status: number; ms: number }>) {
  const out: { status: number; ms: number }[] = [];
  for (let i = 0; i < n; i++) out.push(await one(i));
  return out;
}

export async function runLoginBench(): Promise<LoginBenchResult> {
  const hub: ChildProcess = fork(here('./login-hub-process.ts'), [], { execArgv: ['--import', 'tsx'] });
  const { url } = await request<{ url: string }>(hub, '', 'ready');
  const stats = () => request<HubStats>(hub, 'stats', 'stats');
  const { username, password } = BENCH_ADMIN;
  try {
    await login(url, '127.0.0.2', username, password); // warm up: JIT, the first session
    const success = figure(await series(SAMPLES, () => login(url, '127.0.0.2', username, password)));
    // one address per attempt, so each is checked; wrong and unknown taken in turn, so the machine's load
    // drifts over both alike (they must not differ: the time would tell which names exist)
    const wrong: { status: number; ms: number }[] = [];
    const unknown: { status: number; ms: number }[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      wrong.push(await login(url, `127.0.1.${i + 1}`, username, `not-it-${i}`));
      unknown.push(await login(url, `127.0.2.${i + 1}`, `nobody-${i}`, 'not-it-at-all'));
    }
    const wrongPassword = figure(wrong);
    const unknownName = figure(unknown);

    const before = (await stats()).hasher.computed;
    const attack: { status: number; ms: number }[] = [];
    const inFlight = new Set<Promise<unknown>>();
    const pace = setInterval(() => {
      if (inFlight.size >= 8) return; // a client that does not pile up connections
      const p = login(url, '127.0.0.66', username, 'guess-guess').then((r) => attack.push(r));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }, 1000 / ATTACK_PER_S);
    await new Promise((r) => setTimeout(r, 500));
    const owner = figure(await series(SAMPLES, () => login(url, '127.0.0.2', username, password)));
    clearInterval(pace);
    await Promise.all(inFlight);
    const during = (await stats()).hasher.computed - before;

    const beforeBurst = (await stats()).hasher.computed;
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(url, '127.0.0.77', username, `burst-${i}`)),
    );
    const end = await stats();
    return {
      cost: { N: end.hasher.cost.N },
      success,
      wrongPassword,
      unknownName,
      ownerWhileHammered: owner,
      // the owner's own logins are SAMPLES of the hashes run meanwhile
      attacker: { ...figure(attack), hashesCost: during - SAMPLES },
      burst: {
        requests: burst.length,
        statuses: figure(burst).statuses,
        hashesCost: end.hasher.computed - beforeBurst,
      },
      hashPeakRunning: end.hasher.peakRunning,
      hubPeakRssMb: end.peakRssMb,
    };
  } finally {
    hub.send({ cmd: 'stop' });
  }
}

export function printLogin(r: LoginBenchResult): void {
  const row = (name: string, f: Figure) =>
    console.log(
      `${name.padEnd(40)}${String(f.n).padStart(6)}${String(f.p50Ms).padStart(9)}${String(f.p99Ms).padStart(9)}   ${JSON.stringify(f.statuses)}${f.samplesMs ? `  [${f.samplesMs.join(', ')}]` : ''}`,
    );
  console.log(`\nlogin: scrypt N=${r.cost.N}, r=8, p=1; ${cpus().length} cores, Node ${process.version}`);
  console.log(`${''.padEnd(40)}${'n'.padStart(6)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}   statuses`);
  row('successful login', r.success);
  row('wrong password (checked)', r.wrongPassword);
  row('unknown name (checked)', r.unknownName);
  row('owner, while another address hammers', r.ownerWhileHammered);
  row('the hammering address', r.attacker);
  console.log(
    `→ the hammering cost the hub ${r.attacker.hashesCost} hashes for ${r.attacker.n} attempts; a burst of ${r.burst.requests} parallel wrong passwords from one address ran ${r.burst.hashesCost} (${JSON.stringify(r.burst.statuses)}); at most ${r.hashPeakRunning} hashes at once; hub peak RSS ${r.hubPeakRssMb} MB`,
  );
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/login.json'),
    `${JSON.stringify({ scenario: 'login', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...r }, null, 2)}\n`,
  );
}
