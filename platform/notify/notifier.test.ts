import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { type ActionConfig, ActionSchema } from '../../domains/rules/rule-schema.js';
import { MAX_QUEUE, Notifier, type NotifierOptions, type NotifySubject } from './notifier.js';
import { WebhookActionSchema } from './notify-schema.js';

type Alert = NotifySubject & { severity: NonNullable<NotifySubject['severity']> };

/** A real HTTP receiver on 127.0.0.1; each request is answered by `respond` (or never, for 'hang'). */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: { event: string; alert: Alert; ticket?: NotifySubject; sentAt: string; deliveryId: string };
}
type Responder = (req: Received, n: number) => number | 'hang' | Promise<number>;

let server: Server;
let url: string;
let received: Received[];
let respond: Responder;
let inFlight: number;
let maxInFlight: number;
let notifier: Notifier | undefined;

beforeEach(async () => {
  received = [];
  respond = () => 200;
  inFlight = 0;
  maxInFlight = 0;
  server = createServer((req, res: ServerResponse) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        raw,
        body: JSON.parse(raw.toString('utf8')),
      };
      received.push(r);
      const status = await respond(r, received.length);
      if (status === 'hang') return;
      inFlight--;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`;
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function fakeLog() {
  const log = {
    warn: vi.fn(),
    info: vi.fn(),
    debug: vi.fn(),
    error: vi.fn(),
    child: () => log,
  };
  return log;
}

function action(over: Record<string, unknown> = {}) {
  return WebhookActionSchema.parse({ id: 'ops', type: 'webhook', url, ...over });
}

function make(actions: ActionConfig[], over: Partial<NotifierOptions> = {}) {
  const clock = new ManualClock(Date.parse('2024-05-01T12:00:00Z'));
  const log = fakeLog();
  notifier = new Notifier({
    actions,
    clock,
    log: log as unknown as Logger,
    env: {},
    random: () => 0,
    ...over,
  });
  return { n: notifier, clock, log };
}

const alert = (id: number, severity: Alert['severity'] = 'high'): Alert => ({
  id,
  severity,
  rule: 'cold-room-temp',
  message: 'supply_temp_c 9.4 °C above 8 °C',
});

/** The message alert-actions.ts sends for an alert transition. */
const onAlert = (event: string, subject: Alert) => ({ topic: 'alert' as const, event, subject });

describe('Notifier: webhooks', () => {
  it('POSTs the JSON payload with the hub headers and a verifiable signature', async () => {
    const { n } = make([action({ secretEnv: 'HOOK_SECRET' })], { env: { HOOK_SECRET: 's3cr3t-ключ' } });
    n.notify(onAlert('raised', alert(7)), ['ops']);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));

    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/hook?token=abc');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('facility-hub');
    expect(r.headers['x-hub-event']).toBe('alert.raised');
    expect(r.headers['x-hub-delivery']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(r.body).toEqual({
      event: 'raised',
      alert: alert(7),
      sentAt: '2024-05-01T12:00:00.000Z',
      deliveryId: r.headers['x-hub-delivery'],
    });

    // What a receiver does: HMAC the raw bytes, constant-time compare.
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', 's3cr3t-ключ').update(r.raw).digest('hex')}`,
      'utf8',
    );
    const got = Buffer.from(String(r.headers['x-hub-signature-256']), 'utf8');
    expect(got.length).toBe(expected.length);
    expect(timingSafeEqual(got, expected)).toBe(true);

    const s = n.stats().ops!;
    expect(s).toMatchObject({ sent: 1, failed: 0, retried: 0, dropped: 0, queued: 0 });
    expect(s.lastSuccessAt).toBe(Date.parse('2024-05-01T12:00:00Z'));
  });

  it('skips configured non-webhook actions silently', async () => {
    const command = ActionSchema.parse({ id: 'fan', type: 'command', point: 'fan_on', onRaised: true });
    const { n, log } = make([action(), command]);
    n.notify(onAlert('raised', alert(1)), ['fan', 'ops']);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));
    expect(Object.keys(n.stats())).toEqual(['ops']);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('sends no signature header when the action has no secretEnv', async () => {
    const { n } = make([action()]);
    n.notify(onAlert('cleared', alert(1)), ['ops']);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));
    expect(received[0]!.headers['x-hub-signature-256']).toBeUndefined();
    expect(received[0]!.headers['x-hub-event']).toBe('alert.cleared');
  });

  it('filters by event and minimum severity, and ignores unknown action ids', async () => {
    const { n, log } = make([
      action({ events: ['raised'], minSeverity: 'high' }),
      action({ id: 'all', events: ['raised', 'changed', 'cleared'] }),
    ]);
    n.notify(onAlert('changed', alert(1, 'critical')), ['ops']); // event not subscribed
    n.notify(onAlert('raised', alert(2, 'medium')), ['ops']); // below high
    n.notify(onAlert('raised', alert(3, 'low')), ['ops']); // below high
    n.notify(onAlert('raised', alert(4, 'high')), ['ops', 'nope', 'nope']);
    n.notify(onAlert('raised', alert(5, 'critical')), ['ops']);
    n.notify(onAlert('changed', alert(6, 'low')), ['all']);
    await vi.waitFor(() => {
      expect(n.stats().ops?.sent).toBe(2);
      expect(n.stats().all?.sent).toBe(1);
    });
    expect(received.map((r) => r.body.alert.id).sort()).toEqual([4, 5, 6]);
    expect(n.stats().nope).toBeUndefined();
    expect(log.warn).toHaveBeenCalledTimes(1); // the unknown id, once
  });

  it('retries after 500s with doubling jittered backoff on the clock, then succeeds; logs burst and recovery once', async () => {
    respond = (_r, i) => (i <= 2 ? 500 : 200);
    const { n, clock, log } = make([action()], { random: () => 0 });
    n.notify(onAlert('raised', alert(1)), ['ops']);

    await vi.waitFor(() => expect(clock.pending).toBe(1));
    expect(n.stats().ops).toMatchObject({ sent: 0, failed: 0, retried: 1, queued: 1, lastError: 'HTTP 500' });
    // Retry 1: base 1 s, random 0 → 500 ms.
    clock.advance(499);
    expect(clock.pending).toBe(1);
    clock.advance(1);
    expect(clock.pending).toBe(0);
    await vi.waitFor(() => expect(received).toHaveLength(2));

    // Retry 2: base 2 s → 1 s.
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(999);
    expect(received).toHaveLength(2);
    clock.advance(1);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));

    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['x-hub-delivery'])).size).toBe(1); // same delivery id
    expect(received[2]!.body.sentAt).toBe('2024-05-01T12:00:01.500Z'); // stamped at each attempt
    expect(n.stats().ops).toMatchObject({ sent: 1, failed: 0, retried: 2, queued: 0 });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![1]).toMatch(/failing/);
    expect(JSON.stringify(log.warn.mock.calls[0]![0])).not.toContain('token=abc'); // query kept out of logs
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(log.info.mock.calls[0]![1]).toMatch(/recovered/);
  });

  it('gives up after `retries` tries and moves on to the next delivery', async () => {
    respond = (r) => (r.body.alert.id === 1 ? 503 : 200);
    const { n, clock } = make([action({ retries: 2 })], { random: () => 0.999 });
    n.notify(onAlert('raised', alert(1)), ['ops']);
    n.notify(onAlert('raised', alert(2)), ['ops']);
    for (let i = 0; i < 2; i++) {
      await vi.waitFor(() => expect(clock.pending).toBe(1));
      clock.advance(2 ** i * 1000); // jittered delay ≤ base
    }
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));
    expect(received.map((r) => r.body.alert.id)).toEqual([1, 1, 1, 2]);
    expect(n.stats().ops).toMatchObject({ sent: 1, failed: 1, retried: 2, queued: 0, lastError: 'HTTP 503' });
  });

  it('does not retry a 4xx refusal, but retries 408 and 429', async () => {
    const { n, clock } = make([action()]);
    respond = () => 400;
    n.notify(onAlert('raised', alert(1)), ['ops']);
    await vi.waitFor(() => expect(n.stats().ops?.failed).toBe(1));
    expect(received).toHaveLength(1);
    expect(clock.pending).toBe(0);
    expect(n.stats().ops).toMatchObject({ retried: 0, queued: 0, lastError: 'HTTP 400' });

    for (const status of [408, 429]) {
      const before = received.length;
      respond = (_r, i) => (i === before + 1 ? status : 200);
      n.notify(onAlert('raised', alert(status)), ['ops']);
      await vi.waitFor(() => expect(clock.pending).toBe(1));
      clock.advance(1000);
      await vi.waitFor(() => expect(received.length).toBe(before + 2));
    }
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(2));
    expect(n.stats().ops).toMatchObject({ failed: 1, retried: 2 });
  });

  it('honours Retry-After on 429 (capped at 5 min)', async () => {
    let first = true;
    const { n, clock } = make([action()]);
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      req.resume().on('end', () => {
        if (first) {
          first = false;
          res.writeHead(429, { 'retry-after': '30' }).end();
        } else res.writeHead(204).end();
      });
    });
    n.notify(onAlert('raised', alert(1)), ['ops']);
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(29_999);
    expect(clock.pending).toBe(1);
    clock.advance(1);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));
  });

  it('delivers in order, one request in flight per action, holding later alerts behind a retry', async () => {
    respond = async (r, i) => {
      await new Promise((res) => setTimeout(res, 20));
      return r.body.alert.id === 1 && i === 1 ? 500 : 200;
    };
    const { n, clock } = make([action(), action({ id: 'other' })]);
    for (let id = 1; id <= 5; id++) n.notify(onAlert('raised', alert(id)), ['ops']);
    n.notify(onAlert('raised', alert(99)), ['other']); // another action is not held up

    await vi.waitFor(() => expect(clock.pending).toBe(1));
    await vi.waitFor(() => expect(n.stats().other?.sent).toBe(1));
    expect(received.filter((r) => r.body.alert.id !== 99)).toHaveLength(1); // 2..5 wait for 1
    expect(n.stats().ops?.queued).toBe(5);

    clock.advance(1000);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(5));
    expect(received.filter((r) => r.body.alert.id !== 99).map((r) => r.body.alert.id)).toEqual([
      1, 1, 2, 3, 4, 5,
    ]);
    expect(maxInFlight).toBeLessThanOrEqual(2); // ops and other, never two of ops
  });

  it('refuses to send unsigned when the secret variable is not set, warning once', async () => {
    const env: NodeJS.ProcessEnv = {};
    const { n, log } = make([action({ secretEnv: 'MISSING_SECRET' })], { env });
    n.notify(onAlert('raised', alert(1)), ['ops']);
    n.notify(onAlert('cleared', alert(1)), ['ops']);
    expect(n.stats().ops).toMatchObject({ sent: 0, failed: 2, queued: 0, lastError: 'secret not set' });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(log.warn.mock.calls[0])).toContain('MISSING_SECRET');

    env.MISSING_SECRET = ''; // empty counts as not set
    n.notify(onAlert('raised', alert(2)), ['ops']);
    expect(n.stats().ops?.failed).toBe(3);

    env.MISSING_SECRET = 'now-set'; // read at each delivery
    n.notify(onAlert('raised', alert(3)), ['ops']);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(1));
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('times out a receiver that never answers (timeoutMs) and retries it', async () => {
    respond = () => 'hang';
    const { n, clock } = make([action({ timeoutMs: 200, retries: 1 })]);
    const t0 = Date.now();
    n.notify(onAlert('raised', alert(1)), ['ops']);
    await vi.waitFor(() => expect(clock.pending).toBe(1), { timeout: 3000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(n.stats().ops).toMatchObject({ retried: 1, lastError: 'timeout after 200 ms' });
    clock.advance(1000);
    await vi.waitFor(() => expect(n.stats().ops?.failed).toBe(1), { timeout: 3000 });
    expect(received).toHaveLength(2);
  });

  it('counts a refused connection as a network error', async () => {
    const { n } = make([action({ url: 'http://127.0.0.1:1/hook', retries: 0 })]);
    n.notify(onAlert('raised', alert(1)), ['ops']);
    await vi.waitFor(() => expect(n.stats().ops?.failed).toBe(1));
    expect(n.stats().ops?.lastError).toMatch(/^network error/);
  });

  it('bounds the queue, dropping the oldest, and stop() drops what is pending and cancels timers', async () => {
    respond = () => 'hang';
    const { n, clock } = make([action({ timeoutMs: 60_000 })]);
    for (let id = 1; id <= MAX_QUEUE + 3; id++) n.notify(onAlert('raised', alert(id)), ['ops']);
    // 1 in flight, MAX_QUEUE waiting, 2 oldest waiting dropped.
    expect(n.stats().ops).toMatchObject({ queued: MAX_QUEUE + 1, dropped: 2 });
    await vi.waitFor(() => expect(received).toHaveLength(1));

    await n.stop();
    expect(n.stats().ops).toMatchObject({ queued: 0, dropped: MAX_QUEUE + 3, sent: 0, failed: 0 });
    expect(clock.pending).toBe(0);
    n.notify(onAlert('raised', alert(1)), ['ops']);
    expect(n.stats().ops?.dropped).toBe(MAX_QUEUE + 4);
  });

  it('stop() cancels a pending retry timer', async () => {
    respond = () => 500;
    const { n, clock } = make([action()]);
    n.notify(onAlert('raised', alert(1)), ['ops']);
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    await n.stop();
    expect(clock.pending).toBe(0);
    expect(n.stats().ops).toMatchObject({ dropped: 1, queued: 0, failed: 0 });
  });

  it('sends ticket messages as { event, ticket } to the listed actions, whatever their alert filters', async () => {
    const { n } = make([action({ events: ['raised'], minSeverity: 'critical', secretEnv: 'S' })], {
      env: { S: 'k' },
    });
    const ticket = { id: 12, title: 'Leak in plant room 2', priority: 2, status: 'new' };
    n.notify({ topic: 'ticket', event: 'created', subject: ticket }, ['ops']);
    n.notify({ topic: 'ticket', event: 'escalated', subject: { ...ticket, severity: 'low' } }, ['ops']);
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(2));

    const [created, escalated] = received;
    expect(created!.headers['x-hub-event']).toBe('ticket.created');
    expect(created!.body).toEqual({
      event: 'created',
      ticket,
      sentAt: '2024-05-01T12:00:00.000Z',
      deliveryId: created!.headers['x-hub-delivery'],
    });
    expect(created!.headers['x-hub-signature-256']).toBe(
      `sha256=${createHmac('sha256', 'k').update(created!.raw).digest('hex')}`,
    );
    expect(escalated!.headers['x-hub-event']).toBe('ticket.escalated');
    expect(escalated!.body.ticket).toMatchObject({ id: 12, severity: 'low' });
  });

  it('snapshots the subject at notify time', async () => {
    respond = async () => {
      await new Promise((res) => setTimeout(res, 20));
      return 200;
    };
    const { n } = make([action()]);
    const later = alert(2);
    n.notify(onAlert('raised', alert(1)), ['ops']);
    n.notify(onAlert('raised', later), ['ops']); // queued behind 1 while it is changed below
    later.message = 'changed later';
    await vi.waitFor(() => expect(n.stats().ops?.sent).toBe(2));
    expect(received[1]!.body.alert).toEqual(alert(2));
  });
});
