import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP stand-in for one messaging vendor (WeCom, DingTalk, Feishu, an SMS gateway or cloud) on
 * 127.0.0.1: the vendor module judges each request from the vendor's documentation (credentials, signature,
 * timestamp window, body shape) and answers as the vendor does; this records what was delivered, lists it at
 * `GET /_sim/messages`, and can be told to fail the next N requests (with the vendor's own rate-limit answer
 * by default) or to be down (connections dropped).
 */

export interface VendorRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface VendorAnswer {
  status: number;
  json: unknown;
  /** What was delivered, when the request was a message the vendor took. */
  delivered?: DeliveredMessage;
}

export interface DeliveredMessage {
  /** wecom-robot, wecom-app, dingtalk, feishu, sms… */
  channel: string;
  /** The group robot's key/token, the app's agent id, the SMS number… */
  to: string;
  /** The message as the vendor would show it. */
  text: string;
  /** Who was @mentioned (user ids and mobiles), or addressed. */
  mentions: string[];
  body: unknown;
  at: number;
}

export abstract class VendorServer {
  readonly messages: DeliveredMessage[] = [];
  /** Every request seen (tests check the refused ones too). */
  readonly requests: { path: string; status: number; json: unknown }[] = [];
  private server?: Server;
  private failing: { left: number; answer: VendorAnswer | 'drop' | 'hang' } = { left: 0, answer: 'drop' };
  private isDown = false;

  constructor(
    readonly name: string,
    /** The vendor's own "too many requests" answer, used by failNext() by default. */
    private readonly rateLimited: VendorAnswer,
  ) {}

  /** The vendor's judgement of one request. */
  protected abstract handle(req: VendorRequest): VendorAnswer;

  /** The next `n` requests get `answer` (default: the vendor's rate-limit answer), are dropped, or never answered. */
  failNext(n: number, answer?: VendorAnswer | 'drop' | 'hang'): void {
    this.failing = { left: n, answer: answer ?? this.rateLimited };
  }

  /** Down: every connection is dropped (a network error for the sender) until up(). */
  down(): void {
    this.isDown = true;
  }

  up(): void {
    this.isDown = false;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      if (this.isDown) {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 1_000_000) req.socket.destroy();
        else chunks.push(c);
      });
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://local');
        let answer: VendorAnswer | 'drop' | 'hang';
        if (req.method === 'GET' && u.pathname === '/_sim/messages') {
          answer = { status: 200, json: { vendor: this.name, messages: this.messages.slice(-200) } };
        } else if (this.failing.left > 0) {
          this.failing.left--;
          answer = this.failing.answer;
        } else {
          try {
            answer = this.handle({
              method: req.method ?? 'GET',
              path: u.pathname,
              query: u.searchParams,
              headers: req.headers,
              raw: Buffer.concat(chunks),
            });
          } catch (err) {
            answer = { status: 500, json: { error: String(err) } };
          }
        }
        if (answer === 'drop') {
          req.socket.destroy();
          return;
        }
        if (answer === 'hang') return; // the sender's timeout must end it (stop() closes the socket)
        if (u.pathname !== '/_sim/messages')
          this.requests.push({ path: u.pathname, status: answer.status, json: answer.json });
        if (answer.delivered) this.messages.push(answer.delivered);
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.json));
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const a = server.address() as AddressInfo;
    return `http://${host}:${a.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** A per-key sliding window: true when this request is over `limit` within `windowMs`. */
export class RateWindow {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  over(key: string, now: number): boolean {
    const times = (this.seen.get(key) ?? []).filter((t) => now - t < this.windowMs);
    const over = times.length >= this.limit;
    if (!over) times.push(now);
    this.seen.set(key, times);
    return over;
  }
}
