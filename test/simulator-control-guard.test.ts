import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlApi } from '../simulators/control-api.js';

/** A raw HTTP call, so that Host, Origin and Sec-Fetch-Site can be what a browser page would send. */
function call(
  port: number,
  o: { method?: string; path: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: o.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe("the simulators' control API refuses what a web page could send through the operator's browser", () => {
  let api: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    api = buildControlApi(new Map(), undefined, undefined, undefined, undefined, { host: '127.0.0.1' });
    port = Number(new URL(await api.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers loopback calls: 127.0.0.1, localhost and [::1], from tools and same-site pages', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      const res = await call(port, { path: '/devices', headers: { host } });
      expect(res.status, host).toBe(200);
    }
    // a POST reaches the route (404: no such device) from curl, and from a page on this machine
    expect((await call(port, { method: 'POST', path: '/devices/nope/stop' })).status).toBe(404);
    const sameSite = await call(port, {
      method: 'POST',
      path: '/devices/nope/stop',
      headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameSite.status).toBe(404);
  });

  it('refuses a Host that is not its own (DNS rebinding) with 421', async () => {
    const res = await call(port, { path: '/devices', headers: { host: `evil.example:${port}` } });
    expect(res.status).toBe(421);
    expect(JSON.parse(res.body).error).toContain(`Host "evil.example:${port}" refused`);
    const post = await call(port, {
      method: 'POST',
      path: '/devices/nope/stop',
      headers: { host: 'evil.example' },
    });
    expect(post.status).toBe(421);
  });

  it('refuses a cross-site POST (another Origin, or Sec-Fetch-Site: cross-site) with 403', async () => {
    const form = await call(port, {
      method: 'POST',
      path: '/devices/nope/stop',
      headers: { origin: 'http://evil.example' },
    });
    expect(form.status).toBe(403);
    expect(JSON.parse(form.body).error).toContain('Origin "http://evil.example"');
    const sandboxed = await call(port, {
      method: 'POST',
      path: '/devices/nope/stop',
      headers: { origin: 'null' },
    });
    expect(sandboxed.status).toBe(403);
    const marked = await call(port, {
      method: 'POST',
      path: '/devices/nope/stop',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(marked.status).toBe(403);
  });
});
