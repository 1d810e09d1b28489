import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import {
  type Delivery,
  deliveryBody,
  eventName,
  type Outcome,
  type Refusal,
  type Transport,
} from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';

/**
 * One webhook attempt: `POST <url>` with the JSON body `{ event, alert | ticket, sentAt, deliveryId }` and
 * - `content-type: application/json`, `user-agent: facility-hub`
 * - `x-hub-event: <topic>.<event>` (alert.raised, ticket.created, ...)
 * - `x-hub-delivery: <uuid>` (the same on every retry of one delivery, so a receiver can de-duplicate)
 * - `x-hub-signature-256: sha256=<hex>` when the action has `secretEnv`: HMAC-SHA256 of the exact body bytes
 *   with the secret, GitHub's convention. A receiver must recompute it over the raw body (before any JSON
 *   parsing) and compare with a constant-time compare (`crypto.timingSafeEqual`), never `===`.
 *   If the variable is not set, nothing is sent unsigned (a refusal).
 *
 * Success is a 2xx within `timeoutMs`. A network error, timeout, 408, 429 or 5xx is retryable (429/503 may
 * say Retry-After); any other 4xx is final (the receiver refuses the payload). Redirects are not followed.
 */

export type WebhookAction = Extract<ChannelConfig, { type: 'webhook' }>;

export const SECRET_NOT_SET = 'secret not set';

export class WebhookTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: WebhookAction;
      clock: Clock;
      /** Where `secretEnv` is read, at each attempt (a rotated secret applies). */
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(opts.action.url);
  }

  refusal(): Refusal | undefined {
    const { secretEnv } = this.opts.action;
    if (!secretEnv || this.secret()) return undefined;
    return {
      error: SECRET_NOT_SET,
      warning: 'webhook secret variable not set; refusing to send unsigned',
      detail: { secretEnv },
    };
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, clock } = this.opts;
    let secret: string | undefined;
    if (action.secretEnv) {
      secret = this.secret();
      if (!secret) return { ok: false, error: SECRET_NOT_SET, retryable: false };
    }
    const body = JSON.stringify(deliveryBody(delivery));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'facility-hub',
      'x-hub-event': eventName(delivery),
      'x-hub-delivery': delivery.id,
    };
    if (secret) {
      headers['x-hub-signature-256'] =
        `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
    }
    try {
      const res = await this.opts.fetch(action.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(action.timeoutMs), signal]),
      });
      // Free the connection; the receiver's answer is not used.
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const s = res.status;
      const retryable = !(s >= 400 && s < 500 && s !== 408 && s !== 429);
      const retryAfterMs =
        s === 429 || s === 503 ? parseRetryAfter(res.headers.get('retry-after'), clock) : undefined;
      return { ok: false, error: `HTTP ${s}`, retryable, retryAfterMs };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e?.name === 'TimeoutError') {
        return { ok: false, error: `timeout after ${action.timeoutMs} ms`, retryable: true };
      }
      if (signal.aborted) return { ok: false, error: 'stopped', retryable: false };
      const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
      return { ok: false, error: `network error: ${detail}`, retryable: true };
    }
  }

  close(): void {
    // fetch keeps no connection of ours open
  }

  private secret(): string | undefined {
    const { secretEnv } = this.opts.action;
    return secretEnv ? this.opts.env[secretEnv] || undefined : undefined;
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined if absent or unreadable. */
function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now());
}

/** The URL for logs: no credentials, query or fragment (tokens often live there). */
function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
