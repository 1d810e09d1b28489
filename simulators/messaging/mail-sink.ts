import { SMTPServer } from 'smtp-server';
import type { DeliveredMessage } from './vendor-server.js';

/**
 * The demo's mail server: takes every message on 127.0.0.1 (no TLS, no auth, as a site relay on port 25
 * would) and keeps it for the inbox page. Not a test of SMTP: platform/notify/email-transport.test.ts is.
 */
export class MailSink {
  readonly messages: DeliveredMessage[] = [];
  private server?: SMTPServer;

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      size: 1_000_000,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const subject = decodeWords(/^Subject: (.*(?:\r?\n[ \t].*)*)$/im.exec(raw)?.[1] ?? '');
          const to = session.envelope.rcptTo.map((r) => r.address);
          this.messages.push({
            channel: 'email',
            to: to.join(','),
            text: subject,
            mentions: to,
            body: raw.slice(0, 4000),
            at: Date.now(),
          });
          if (this.messages.length > 500) this.messages.shift();
          callback();
        });
      },
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  }

  /** The port it listens on (when started on port 0). */
  port(): number {
    const net = (this.server as unknown as { server?: { address(): { port: number } | null } })?.server;
    return net?.address()?.port ?? 0;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=) of a header, for the inbox page. */
function decodeWords(header: string): string {
  return header
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    )
    .replace(/\s+/g, ' ')
    .trim();
}
