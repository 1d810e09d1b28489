import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpSettings } from '../../core/config/site-schema.js';
import { type Delivery, eventName, type Outcome, type Refusal, type Transport } from './delivery.js';
import { emailSubject, emailText } from './email-format.js';
import type { ChannelConfig } from './notify-schema.js';

/**
 * One e-mail attempt through hub.smtp: one message per delivery to the action's `to`, from `hub.smtp.from`,
 * with `x-hub-event` and `x-hub-delivery` headers and a Message-ID derived from the delivery id, so a retry
 * of a message the server did take after all is the same message to the receiver (and de-duplicable).
 *
 * Each action keeps one pooled connection (nodemailer's pool, at most one, reused between deliveries and
 * closed when idle): the notifier sends one delivery at a time per action anyway, and a connection per
 * message would pay TCP, STARTTLS and AUTH each time. The pool's own requeueing is off so every failure goes
 * through the notifier's backoff and stats.
 *
 * Outcomes: a 4xx reply (greylisting, a full mailbox, 421) and connection errors (refused, reset, timed out,
 * TLS) are retryable; a 5xx reply is final (the server refuses this message or these credentials).
 */

export type EmailAction = Extract<ChannelConfig, { type: 'email' }>;

export const SMTP_NOT_CONFIGURED = 'hub.smtp not set';
export const USER_NOT_SET = 'smtp user not set';
export const PASSWORD_NOT_SET = 'smtp password not set';

/** Errors without an SMTP reply that are ours (configuration, the message), not the network's: final. */
const FINAL_CODES = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'ECONFIG', 'EREQUIRETLS']);

type SmtpError = Error & {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
};

export class EmailTransport implements Transport {
  readonly target: string;
  private pool?: { key: string; mailer: Transporter };

  constructor(
    private readonly opts: {
      action: EmailAction;
      /** Validation refuses an email action without hub.smtp; here it is a refusal, not a crash. */
      smtp: SmtpSettings | undefined;
      /** Where userEnv and passwordEnv are read, at each attempt (rotated credentials apply). */
      env: NodeJS.ProcessEnv;
    },
  ) {
    const s = opts.smtp;
    this.target = s ? `smtp://${s.host}:${s.port}` : '(no hub.smtp)';
  }

  refusal(): Refusal | undefined {
    const { smtp, env } = this.opts;
    if (!smtp)
      return { error: SMTP_NOT_CONFIGURED, warning: 'email action without hub.smtp; not sent', detail: {} };
    if (smtp.userEnv && !env[smtp.userEnv])
      return {
        error: USER_NOT_SET,
        warning: 'SMTP user variable not set; refusing to send',
        detail: { userEnv: smtp.userEnv },
      };
    if (smtp.passwordEnv && !env[smtp.passwordEnv])
      return {
        error: PASSWORD_NOT_SET,
        warning: 'SMTP password variable not set; refusing to send',
        detail: { passwordEnv: smtp.passwordEnv },
      };
    return undefined;
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, smtp } = this.opts;
    const refused = this.refusal();
    if (refused || !smtp)
      return { ok: false, error: refused?.error ?? SMTP_NOT_CONFIGURED, retryable: false };
    const sending = this.mailer(smtp).sendMail({
      from: smtp.from,
      // a personal delivery goes to that person only (platform/people chose this address)
      to: delivery.recipient ? [delivery.recipient.address] : action.to,
      subject: emailSubject(delivery),
      text: emailText(delivery),
      date: new Date(delivery.sentAt),
      messageId: `<${delivery.id}@${domainOf(smtp.from)}>`,
      headers: { 'x-hub-event': eventName(delivery), 'x-hub-delivery': delivery.id },
    });
    // The pool ignores abort signals once a message is handed over; race it so stop() need not wait.
    let onAbort = () => {};
    const stopped = new Promise<'stopped'>((resolve) => {
      onAbort = () => resolve('stopped');
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      if ((await Promise.race([sending, stopped])) === 'stopped') {
        sending.catch(() => {}); // settles when close() ends the connection; nobody is waiting then
        return { ok: false, error: 'stopped', retryable: false };
      }
      // Some recipients refused while others took it: not retried, the others would get it twice.
      return { ok: true };
    } catch (err) {
      return this.classify(err as SmtpError);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    this.pool?.mailer.close();
    this.pool = undefined;
  }

  /** The pooled transporter for the current credentials (a rotated password replaces it). */
  private mailer(smtp: SmtpSettings): Transporter {
    const { env, action } = this.opts;
    const user = smtp.userEnv ? env[smtp.userEnv] : undefined;
    const pass = smtp.passwordEnv ? env[smtp.passwordEnv] : undefined;
    const key = JSON.stringify([user, pass]);
    if (this.pool?.key === key) return this.pool.mailer;
    this.pool?.mailer.close();
    const mailer = nodemailer.createTransport({
      pool: true,
      maxConnections: 1,
      maxRequeues: 0,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      auth: user && pass ? { user, pass } : undefined,
      connectionTimeout: action.timeoutMs,
      greetingTimeout: action.timeoutMs,
      socketTimeout: action.timeoutMs,
      dnsTimeout: action.timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    this.pool = { key, mailer };
    return mailer;
  }

  private classify(e: SmtpError): Outcome {
    if (typeof e?.responseCode === 'number') {
      const code = e.responseCode;
      const text = (e.response ?? '').replace(/^\d{3}[ -]?/, '').trim();
      const at = e.command ? ` (${e.command})` : '';
      return { ok: false, error: `SMTP ${code}${at}: ${text}`.slice(0, 300), retryable: code < 500 };
    }
    if (e?.code === 'ETIMEDOUT') {
      return { ok: false, error: `timeout after ${this.opts.action.timeoutMs} ms`, retryable: true };
    }
    if (e?.code && FINAL_CODES.has(e.code)) {
      return { ok: false, error: `${e.code}: ${e.message}`.slice(0, 300), retryable: false };
    }
    const detail = e?.originalCode ?? e?.code ?? e?.message ?? String(e);
    return { ok: false, error: `connection error: ${detail}`, retryable: true };
  }
}

/** The Message-ID's right-hand side: the sender's domain (a stable name the hub may use). */
function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'facility-hub';
}
