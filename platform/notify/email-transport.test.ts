import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { SmtpSettingsSchema } from '../../core/config/site-schema.js';
import type { Logger } from '../../core/logger.js';
import { Notifier, type NotifySubject } from './notifier.js';
import { EmailActionSchema } from './notify-schema.js';

/** A real SMTP server on 127.0.0.1 (smtp-server), plain text (no STARTTLS) unless a test says otherwise. */
interface Received {
  from: string;
  to: string[];
  user?: string;
  /** Lower-case names, unfolded, RFC 2047 words decoded. */
  headers: Record<string, string>;
  text: string;
}
/** An SMTP code to refuse with, 'hang' to never answer, undefined to accept. */
type Reply = number | 'hang' | undefined;

let server: SMTPServer | undefined;
let port: number;
let received: Received[];
let connections: number;
let rcptReply: (to: string, n: number) => Reply;
let dataReply: (n: number) => Reply;
let notifier: Notifier | undefined;

beforeEach(() => {
  received = [];
  connections = 0;
  rcptReply = () => undefined;
  dataReply = () => undefined;
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const smtpError = (code: number) =>
  Object.assign(new Error(code < 500 ? 'try again later' : 'no such user here'), { responseCode: code });

async function startServer(options: SMTPServerOptions = {}): Promise<void> {
  let rcpts = 0;
  let datas = 0;
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    onRcptTo(address, _session, cb) {
      const reply = rcptReply(address.address, ++rcpts);
      if (reply !== 'hang') cb(reply ? smtpError(reply) : undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const reply = dataReply(++datas);
        if (reply === 'hang') return;
        if (reply) return cb(smtpError(reply));
        const mailFrom = session.envelope.mailFrom;
        received.push({
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          ...parseMessage(Buffer.concat(chunks).toString('latin1')),
        });
        cb();
      });
    },
    ...options,
  });
  const s = server;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  port = (s.server.address() as AddressInfo).port;
}

/** Just enough MIME for the hub's messages: unfolded headers, encoded words, a QP/base64 text body. */
function parseMessage(raw: string): Pick<Received, 'headers' | 'text'> {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4);
  const cte = headers['content-transfer-encoding'];
  if (cte === 'base64') body = Buffer.from(body, 'base64').toString('latin1');
  if (cte === 'quoted-printable') body = qp(body.replace(/=\r\n/g, ''));
  return { headers, text: Buffer.from(body, 'latin1').toString('utf8').replace(/\r\n/g, '\n') };
}

const qp = (s: string) =>
  s.replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([qb])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      Buffer.from(
        enc.toLowerCase() === 'b'
          ? Buffer.from(text, 'base64').toString('latin1')
          : qp(text.replace(/_/g, ' ')),
        'latin1',
      ).toString('utf8'),
    );
}

function fakeLog() {
  const log = { warn: vi.fn(), info: vi.fn(), debug: vi.fn(), error: vi.fn(), child: () => log };
  return log;
}

function make(
  over: { action?: Record<string, unknown>; smtp?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
) {
  const clock = new ManualClock(Date.parse('2024-05-01T12:00:00Z'));
  const log = fakeLog();
  notifier = new Notifier({
    actions: [
      EmailActionSchema.parse({ id: 'mail', type: 'email', to: ['ops@example.com'], ...over.action }),
    ],
    smtp: SmtpSettingsSchema.parse({ host: '127.0.0.1', port, from: 'hub@example.com', ...over.smtp }),
    clock,
    log: log as unknown as Logger,
    env: over.env ?? {},
    random: () => 0,
  });
  return { n: notifier, clock, log };
}

const alert = (id: number, severity: NonNullable<NotifySubject['severity']> = 'high') => ({
  id,
  severity,
  ruleId: 'cold-room-temp',
  message: 'supply_temp_c 9.4 °C above 8 °C',
  raisedAt: Date.parse('2024-05-01T11:59:00Z'),
});
const raised = (subject: NotifySubject) => ({ topic: 'alert' as const, event: 'raised', subject });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Notifier: e-mail over SMTP', () => {
  it('sends one message per delivery with the subject line, hub headers and a text + JSON body', async () => {
    await startServer();
    const { n } = make({ action: { to: ['ops@example.com', 'duty@example.com'] } });
    n.notify(raised(alert(7)), ['mail']);
    await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1));

    expect(received).toHaveLength(1);
    const m = received[0]!;
    expect(m.from).toBe('hub@example.com');
    expect(m.to).toEqual(['ops@example.com', 'duty@example.com']);
    expect(m.user).toBeUndefined();
    expect(m.headers.subject).toBe('[facility-hub] alert raised: supply_temp_c 9.4 °C above 8 °C');
    expect(m.headers.from).toBe('hub@example.com');
    expect(m.headers.to).toBe('ops@example.com, duty@example.com');
    expect(m.headers['x-hub-event']).toBe('alert.raised');
    const id = m.headers['x-hub-delivery']!;
    expect(id).toMatch(UUID);
    expect(m.headers['message-id']).toBe(`<${id}@example.com>`);
    expect(m.headers.date).toBe('Wed, 01 May 2024 12:00:00 +0000');
    expect(m.headers['content-type']).toMatch(/^text\/plain; charset=utf-8/);

    expect(m.text).toContain('severity: high\n');
    expect(m.text).toContain('ruleId: cold-room-temp\n');
    expect(m.text).toContain('raisedAt: 2024-05-01T11:59:00.000Z\n');
    expect(JSON.parse(m.text.slice(m.text.indexOf('{')))).toEqual({
      event: 'raised',
      alert: alert(7),
      sentAt: '2024-05-01T12:00:00.000Z',
      deliveryId: id,
    });
    expect(n.stats().mail).toMatchObject({ sent: 1, failed: 0, retried: 0, dropped: 0, queued: 0 });
    expect(n.stats().mail?.lastSuccessAt).toBe(Date.parse('2024-05-01T12:00:00Z'));
  });

  it('filters alerts by events and minSeverity (default high) but sends every ticket message', async () => {
    await startServer();
    const { n } = make({ action: { events: ['raised'] } });
    n.notify(raised(alert(1, 'medium')), ['mail']); // below high
    n.notify({ topic: 'alert', event: 'cleared', subject: alert(2) }, ['mail']); // not subscribed
    n.notify(raised(alert(3, 'critical')), ['mail']);
    n.notify(
      {
        topic: 'ticket',
        event: 'created',
        subject: { id: 12, severity: 'low', title: 'Leak in plant room 2' },
        summary: 'T-12 Leak in plant room 2 (priority 2)',
      },
      ['mail'],
    );
    await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(2));
    expect(received.map((m) => m.headers.subject)).toEqual([
      '[facility-hub] alert raised: supply_temp_c 9.4 °C above 8 °C',
      '[facility-hub] ticket created: T-12 Leak in plant room 2 (priority 2)',
    ]);
    const ticket = received[1]!;
    expect(ticket.headers['x-hub-event']).toBe('ticket.created');
    expect(JSON.parse(ticket.text.slice(ticket.text.indexOf('{')))).toMatchObject({
      event: 'created',
      ticket: { id: 12, title: 'Leak in plant room 2' },
    });
  });

  it('retries a 4xx with backoff on the clock and delivers the message once, with the same ids', async () => {
    await startServer();
    dataReply = (n) => (n === 1 ? 451 : undefined);
    const { n, clock, log } = make();
    n.notify(raised(alert(1)), ['mail']);

    await vi.waitFor(() => expect(clock.pending).toBe(1));
    expect(received).toHaveLength(0);
    expect(n.stats().mail).toMatchObject({ sent: 0, failed: 0, retried: 1, queued: 1 });
    expect(n.stats().mail?.lastError).toBe('SMTP 451 (DATA): try again later');
    clock.advance(499); // retry 1: base 1 s, random 0 → 500 ms
    expect(clock.pending).toBe(1);
    clock.advance(1);
    await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1));

    expect(received).toHaveLength(1);
    expect(received[0]!.headers.date).toBe('Wed, 01 May 2024 12:00:00 +0000'); // stamped at each attempt
    expect(n.stats().mail).toMatchObject({ sent: 1, failed: 0, retried: 1, queued: 0 });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![1]).toBe('email delivery failing; retrying quietly');
    expect(log.info.mock.calls[0]![1]).toBe('email delivery recovered');
  });

  it('keeps the Message-ID across retries after a refused DATA', async () => {
    await startServer();
    const ids: string[] = [];
    server!.onData = (stream, _session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        ids.push(parseMessage(Buffer.concat(chunks).toString('latin1')).headers['message-id']!);
        cb(ids.length === 1 ? smtpError(421) : undefined);
      });
    };
    const { n, clock } = make();
    n.notify(raised(alert(1)), ['mail']);
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(1000);
    await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1));
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it('takes a 5xx as final and moves on to the next delivery', async () => {
    await startServer();
    rcptReply = (_to, n) => (n === 1 ? 550 : undefined);
    const { n, clock } = make();
    n.notify(raised(alert(1)), ['mail']);
    n.notify(raised(alert(2)), ['mail']);
    await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1));
    expect(clock.pending).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]!.text).toContain('id: 2\n');
    expect(n.stats().mail).toMatchObject({ sent: 1, failed: 1, retried: 0, queued: 0 });
    expect(n.stats().mail?.lastError).toBe('SMTP 550 (RCPT TO): no such user here');
  });

  describe('AUTH', () => {
    const env: NodeJS.ProcessEnv = {};
    const smtp = { userEnv: 'HUB_SMTP_USER', passwordEnv: 'HUB_SMTP_PASSWORD' };

    beforeEach(async () => {
      env.HUB_SMTP_USER = 'hub';
      env.HUB_SMTP_PASSWORD = 'right-пароль';
      await startServer({
        authOptional: false,
        allowInsecureAuth: true, // no TLS in this test; a real server refuses AUTH in the clear
        onAuth(auth, _session, cb) {
          if (auth.username === 'hub' && auth.password === 'right-пароль') cb(null, { user: auth.username });
          else cb(new Error('Invalid username or password'));
        },
      });
    });

    it('logs in with the credentials from the environment', async () => {
      const { n } = make({ smtp, env });
      n.notify(raised(alert(1)), ['mail']);
      await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1));
      expect(received[0]!.user).toBe('hub');
    });

    it('fails a wrong password without retrying, counts it, and applies a rotated password', async () => {
      env.HUB_SMTP_PASSWORD = 'wrong';
      const { n, clock } = make({ smtp, env });
      n.notify(raised(alert(1)), ['mail']);
      await vi.waitFor(() => expect(n.stats().mail?.failed).toBe(1));
      expect(clock.pending).toBe(0);
      expect(received).toHaveLength(0);
      expect(n.stats().mail).toMatchObject({ sent: 0, failed: 1, retried: 0, queued: 0 });
      expect(n.stats().mail?.lastError).toMatch(/^SMTP 535 \(AUTH PLAIN\)/);

      env.HUB_SMTP_PASSWORD = 'right-пароль';
      n.notify(raised(alert(2)), ['mail']);
      await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1));
      expect(received[0]!.text).toContain('id: 2\n');
    });

    it('refuses to send while the password variable is not set, warning once', async () => {
      delete env.HUB_SMTP_PASSWORD;
      const { n, log } = make({ smtp, env });
      n.notify(raised(alert(1)), ['mail']);
      n.notify(raised(alert(2)), ['mail']);
      expect(n.stats().mail).toMatchObject({
        sent: 0,
        failed: 2,
        queued: 0,
        lastError: 'smtp password not set',
      });
      expect(log.warn).toHaveBeenCalledTimes(1);
      expect(log.warn.mock.calls[0]![0]).toEqual({ action: 'mail', passwordEnv: 'HUB_SMTP_PASSWORD' });
      expect(connections).toBe(0);
    });
  });

  it('with requireTls, sends nothing to a server that does not offer STARTTLS', async () => {
    await startServer();
    const { n, clock } = make({ smtp: { requireTls: true } });
    n.notify(raised(alert(1)), ['mail']);
    await vi.waitFor(() => expect(n.stats().mail?.failed).toBe(1));
    expect(clock.pending).toBe(0);
    expect(received).toHaveLength(0);
    expect(n.stats().mail?.lastError).toMatch(/^SMTP 5\d\d \(STARTTLS\)/);
  });

  it('retries a server that does not answer within timeoutMs, and a refused connection', async () => {
    await startServer();
    dataReply = (n) => (n === 1 ? 'hang' : undefined);
    const { n, clock } = make({ action: { timeoutMs: 200 } });
    n.notify(raised(alert(1)), ['mail']);
    await vi.waitFor(() => expect(clock.pending).toBe(1), { timeout: 3000 });
    expect(n.stats().mail).toMatchObject({ retried: 1, lastError: 'timeout after 200 ms' });
    clock.advance(500);
    await vi.waitFor(() => expect(n.stats().mail?.sent).toBe(1), { timeout: 3000 });

    await notifier!.stop();
    const closed = make({ smtp: { port: 1 }, action: { retries: 0 } });
    closed.n.notify(raised(alert(2)), ['mail']);
    await vi.waitFor(() => expect(closed.n.stats().mail?.failed).toBe(1));
    expect(closed.n.stats().mail?.lastError).toBe('connection error: ECONNREFUSED');
  });

  it('stop() does not wait for a server that hangs; the delivery is dropped', async () => {
    await startServer();
    dataReply = () => 'hang';
    const { n } = make({ action: { timeoutMs: 60_000 } });
    n.notify(raised(alert(1)), ['mail']);
    n.notify(raised(alert(2)), ['mail']);
    await vi.waitFor(() => expect(connections).toBe(1));
    const t0 = Date.now();
    await n.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(n.stats().mail).toMatchObject({ sent: 0, failed: 0, dropped: 2, queued: 0 });
  });
});
