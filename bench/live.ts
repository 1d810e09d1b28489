/**
 * `npm run bench live`: the dashboard's live path and page weight.
 * - 200 socket.io clients (a process of their own, one API token) subscribed to the whole site — 100 MQTT
 *   devices × 5 points — while the load generator publishes; the live gateway sends each client at most 10
 *   batches a second (liveIntervalMs 100). Latency: client receipt − the reading's device timestamp, which
 *   includes MQTT and the pipeline on top of "accepted → receipt".
 * - The dashboard's initial JavaScript (app.js, and socket.io's client the page loads), gzipped.
 * - First meaningful paint on localhost in Debian's Chromium: navigation start → the overview's tiles and
 *   the site tree drawn for a logged-in user.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildDashboard } from '../dashboard/build.js';
import { launchBrowser } from '../test/browser-harness.js';
import { freePort } from '../test/services.js';
import { BENCH_ADMIN, benchSite, DEVICES, request } from './common.js';
import type { HubStats } from './hub-process.js';
import type { GeneratorConfig, GeneratorResult } from './load-generator.js';

const CLIENTS = Number(process.env.LIVE_CLIENTS ?? 200);
const FIELDS = 5;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const tsx = { execArgv: ['--import', 'tsx'] };

export interface LiveStep {
  readingsPerS: number;
  clients: number;
  values: number;
  batches: number;
  batchesPerClientPerS: number;
  p50: number;
  p99: number;
  max: number;
  disconnects: number;
  hubCpuPct: number;
  hubRssMb: number;
}

export interface LiveResult {
  jsGzipBytes: number;
  socketIoGzipBytes: number;
  fmpMs: number[];
  steps: LiveStep[];
}

const percentile = (hist: number[], total: number, p: number) => {
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= total * p) return i;
  }
  return hist.length;
};

async function session(url: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  if (!res.ok) throw new Error(`login: HTTP ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const body = (await res.json()) as { csrfToken: string };
  return { cookie, csrf: body.csrfToken };
}

async function firstMeaningfulPaint(url: string, cookie: string): Promise<number> {
  const browser = await launchBrowser();
  try {
    const [name, value] = cookie.split('=') as [string, string];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    await context.addCookies([{ name, value, url }]);
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('[data-tile="power"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-asset-id]').first().waitFor({ timeout: 10_000 });
    return await page.evaluate(() => performance.now());
  } finally {
    await browser.close();
  }
}

export async function runLiveBench(durationS: number, rates: number[]): Promise<LiveResult> {
  const build = await buildDashboard();
  const mqttPort = await freePort();
  const hub: ChildProcess = fork(
    here('./hub-process.ts'),
    [benchSite(FIELDS, `{ mode: embedded, host: 127.0.0.1, port: ${mqttPort} }`), 'live'],
    tsx,
  );
  try {
    const ready = await request<{ passwords: Record<string, string>; url: string }>(hub, '', 'ready');
    const { passwords } = ready;
    const url = ready.url.replace(/\/$/, '');
    const socketIo = await (await fetch(`${url}/socket.io/socket.io.min.js`)).arrayBuffer();
    const { cookie, csrf } = await session(url);
    const fmpMs: number[] = [];
    for (let i = 0; i < 5; i++) fmpMs.push(Math.round(await firstMeaningfulPaint(url, cookie)));
    const tokenRes = await fetch(`${url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ name: 'bench-live', scopes: ['site:read'] }),
    });
    const { token } = (await tokenRes.json()) as { token: string };

    const steps: LiveStep[] = [];
    for (const readingsPerS of rates) {
      const clients = fork(
        here('./live-clients.ts'),
        [JSON.stringify({ url, token, clients: CLIENTS })],
        tsx,
      );
      await request(clients, '', 'connected');
      const generate = (seconds: number) => {
        // 10 readings/s comes from 2 devices (1 message/s each), not a trickle from 100
        const devices = Math.min(DEVICES, Math.max(1, Math.round(readingsPerS / FIELDS)));
        const cfg: GeneratorConfig = {
          url: `mqtt://127.0.0.1:${mqttPort}`,
          siteId: 'bench',
          devices,
          fields: FIELDS,
          rate: readingsPerS / FIELDS,
          durationS: seconds,
          passwords,
        };
        const gen = fork(here('./load-generator.ts'), [JSON.stringify(cfg)], tsx);
        return new Promise<GeneratorResult>((resolve, reject) => {
          gen.once('message', (m) => resolve(m as GeneratorResult));
          gen.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
        });
      };
      // a warm-up, not counted: devices come online (events to every client), connections settle
      await generate(3);
      await request(hub, 'reset', 'reset-done');
      clients.send({ cmd: 'start' });
      await generate(durationS);
      await new Promise((r) => setTimeout(r, 500));
      const stats = (await request<{ stats: HubStats }>(hub, 'stats', 'stats')).stats;
      const r = await request<{
        hist: number[];
        values: number;
        batches: number;
        maxLatency: number;
        errors: number;
      }>(clients, 'stop', 'result');
      steps.push({
        readingsPerS,
        clients: CLIENTS,
        values: r.values,
        batches: r.batches,
        batchesPerClientPerS: Number((r.batches / CLIENTS / (durationS + 0.5)).toFixed(1)),
        p50: percentile(r.hist, r.values, 0.5),
        p99: percentile(r.hist, r.values, 0.99),
        max: r.maxLatency,
        disconnects: r.errors,
        hubCpuPct: Math.round((stats.cpuSeconds / (durationS + 0.5)) * 100),
        hubRssMb: Math.round(stats.maxRssBytes / 1024 / 1024),
      });
    }
    return {
      jsGzipBytes: build.jsGzipBytes,
      socketIoGzipBytes: gzipSync(Buffer.from(socketIo)).length,
      fmpMs,
      steps,
    };
  } finally {
    hub.send({ cmd: 'stop' });
  }
}

export function printLive(r: LiveResult): void {
  console.log(
    `dashboard initial JavaScript: app.js ${(r.jsGzipBytes / 1024).toFixed(1)} KB + socket.io.min.js ${(r.socketIoGzipBytes / 1024).toFixed(1)} KB gzipped = ${((r.jsGzipBytes + r.socketIoGzipBytes) / 1024).toFixed(1)} KB (target ≤ 300 KB)`,
  );
  console.log(
    `first meaningful paint (overview tiles + site tree, logged in, localhost): ${r.fmpMs.join(', ')} ms (target ≤ 1,000 ms)`,
  );
  console.log(
    'readings/s  clients  batches/client/s  values received  p50 ms  p99 ms  max ms  disconnects  hub CPU  hub RSS',
  );
  for (const s of r.steps)
    console.log(
      `${String(s.readingsPerS).padStart(10)}  ${String(s.clients).padStart(7)}  ${String(s.batchesPerClientPerS).padStart(16)}  ${String(s.values).padStart(15)}  ${String(s.p50).padStart(6)}  ${String(s.p99).padStart(6)}  ${String(s.max).padStart(6)}  ${String(s.disconnects).padStart(11)}  ${String(s.hubCpuPct).padStart(6)} %  ${s.hubRssMb} MB`,
    );
}
