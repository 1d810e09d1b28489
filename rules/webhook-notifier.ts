import { createHmac, randomUUID } from 'node:crypto';
import type { Clock } from '../hub/clock.js';
import type { Logger } from '../hub/logger.js';
import type { ActionConfig, Severity } from './rule-schema.js';

/**
 * Alert webhooks: POSTs alert transitions to the URLs of `actions:` of type webhook.
 *
 * Request: `POST <url>` with the JSON body `{ event, alert, sentAt, deliveryId }` and the headers
 * - `content-type: application/json`, `user-agent: facility-hub`
 * - `x-hub-event: alert.raised | alert.changed | alert.cleared`
 * - `x-hub-delivery: <uuid>` (the same on every retry of one delivery, so a receiver can de-duplicate)
 * - `x-hub-signature-256: sha256=<hex>` when the action has `secretEnv`: HMAC-SHA256 of the exact body bytes
 *   with the secret, GitHub's convention. A receiver must recompute it over the raw body (before any JSON
 *   parsing) and compare with a constant-time compare (`crypto.timingSafeEqual`), never `===`.
 *   If the action names a secret variable that is not set, nothing is sent unsigned: the delivery counts as
 *   failed ('secret not set') and a warning is logged once per action.
 *
 * Delivery: one request in flight per action, in notify order (a per-action FIFO, bounded at
 * {@link MAX_QUEUE}; past it the oldest waiting delivery is dropped and counted). Success is a 2xx within
 * `timeoutMs`. A network error, timeout or other status is retried up to `retries` times, backoff 1 s doubling
 * to at most 5 min with "equal jitter" (a delay in [base/2, base]) on the injected clock, or later if a
 * 429/503 says Retry-After; a 4xx other than 408/429 is final (the receiver refuses the payload). Redirects
 * are not followed (a 3xx is a failure). The first failure of a burst and the recovery are logged once each.
 */

export type WebhookEvent = 'raised' | 'changed' | 'cleared';
export type WebhookAction = Extract<ActionConfig, { type: 'webhook' }>;

export interface WebhookAlert {
  id: number;
  severity: Severity;
  [k: string]: unknown;
}

export interface WebhookStats {
  /** Deliveries that got a 2xx. */
  sent: number;
  /** Deliveries given up: retries exhausted, refused by the receiver (4xx), or secret not set. */
  failed: number;
  /** Retry attempts made. */
  retried: number;
  /** Deliveries dropped unsent: queue overflow, or still pending at stop(). */
  dropped: number;
  /** Deliveries waiting or in progress (including one waiting for its retry). */
  queued: number;
  lastError?: string;
  /** Clock time of the last 2xx. */
  lastSuccessAt?: number;
}

export interface WebhookNotifierOptions {
  actions: readonly ActionConfig[];
  clock: Clock;
  log: Logger;
  /** Where `secretEnv` is read (default process.env); read at each delivery, so a rotated secret applies. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
}

/** Waiting deliveries per action beyond which the oldest is dropped. */
export const MAX_QUEUE = 1_000;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 5 * 60_000;
export const SECRET_NOT_SET = 'secret not set';

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

interface Delivery {
  id: string;
  event: WebhookEvent;
  /** A JSON snapshot of the alert at notify time. */
  alert: unknown;
  attempts: number;
}

type Outcome = { ok: true } | { ok: false; error: string; retryable: boolean; retryAfterMs?: number };

interface ActionState {
  action: WebhookAction;
  queue: Delivery[];
  current?: Delivery;
  timer?: unknown;
  inFlight?: Promise<void>;
  /** In a burst of failures (logged at its start and at recovery). */
  failing: boolean;
  secretWarned: boolean;
  stats: Omit<WebhookStats, 'queued'>;
}

export class WebhookNotifier {
  private readonly states = new Map<string, ActionState>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly fetchFn: typeof fetch;
  private readonly random: () => number;
  private readonly stopSignal = new AbortController();
  /** Configured actions of other types (commands): theirs to run, silently skipped here. */
  private readonly otherActions = new Set<string>();
  private readonly unknownWarned = new Set<string>();
  private stopped = false;

  constructor(opts: WebhookNotifierOptions) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.env = opts.env ?? process.env;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.random = opts.random ?? Math.random;
    for (const action of opts.actions) {
      if (action.type !== 'webhook') {
        this.otherActions.add(action.id);
        continue;
      }
      this.states.set(action.id, {
        action,
        queue: [],
        failing: false,
        secretWarned: false,
        stats: { sent: 0, failed: 0, retried: 0, dropped: 0 },
      });
    }
  }

  /** Queue one delivery per listed webhook action that takes this event at this severity. Never throws. */
  notify<A extends Pick<WebhookAlert, 'id' | 'severity'>>(
    event: WebhookEvent,
    alert: A,
    actionIds: readonly string[],
  ): void {
    let snapshot: unknown;
    for (const actionId of actionIds) {
      const state = this.states.get(actionId);
      if (!state) {
        if (!this.otherActions.has(actionId) && !this.unknownWarned.has(actionId)) {
          this.unknownWarned.add(actionId);
          this.log.warn({ action: actionId }, 'alert action is not configured; ignored');
        }
        continue;
      }
      const { action } = state;
      if (!action.events.includes(event)) continue;
      if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[action.minSeverity]) continue;
      if (this.stopped) {
        state.stats.dropped++;
        continue;
      }
      if (action.secretEnv && !this.secretOf(action)) {
        this.refuseUnsigned(state);
        continue;
      }
      if (snapshot === undefined) {
        try {
          snapshot = JSON.parse(JSON.stringify(alert));
        } catch (err) {
          this.log.error({ err, alert: alert.id }, 'alert is not JSON-serialisable; no webhook sent');
          return;
        }
      }
      state.queue.push({ id: randomUUID(), event, alert: snapshot, attempts: 0 });
      if (state.queue.length > MAX_QUEUE) {
        state.queue.shift();
        state.stats.dropped++;
      }
      this.pump(state);
    }
  }

  stats(): Record<string, WebhookStats> {
    const out: Record<string, WebhookStats> = {};
    for (const [id, s] of this.states) {
      out[id] = { ...s.stats, queued: s.queue.length + (s.current ? 1 : 0) };
    }
    return out;
  }

  /** Cancel retry timers and requests in flight; every delivery not yet done is dropped and counted. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopSignal.abort();
    const inFlight: Promise<void>[] = [];
    for (const s of this.states.values()) {
      if (s.timer !== undefined) this.clock.clearTimeout(s.timer);
      s.timer = undefined;
      if (s.inFlight) inFlight.push(s.inFlight);
    }
    await Promise.allSettled(inFlight);
    for (const s of this.states.values()) {
      s.stats.dropped += s.queue.length + (s.current ? 1 : 0);
      s.queue = [];
      s.current = undefined;
    }
  }

  private secretOf(action: WebhookAction): string | undefined {
    return action.secretEnv ? this.env[action.secretEnv] || undefined : undefined;
  }

  private refuseUnsigned(state: ActionState): void {
    state.stats.failed++;
    state.stats.lastError = SECRET_NOT_SET;
    this.warnSecret(state);
  }

  private warnSecret(state: ActionState): void {
    if (!state.secretWarned) {
      state.secretWarned = true;
      this.log.warn(
        { action: state.action.id, secretEnv: state.action.secretEnv },
        'webhook secret variable not set; refusing to send unsigned',
      );
    }
  }

  private pump(state: ActionState): void {
    if (this.stopped || state.current) return;
    const next = state.queue.shift();
    if (!next) return;
    state.current = next;
    this.attempt(state);
  }

  private attempt(state: ActionState): void {
    const delivery = state.current;
    if (!delivery || this.stopped) return;
    delivery.attempts++;
    const done = this.send(state, delivery).then((outcome) => this.settle(state, delivery, outcome));
    state.inFlight = done;
    // settle() does not throw, but never leave a rejection unhandled.
    done.catch((err) => this.log.error({ err, action: state.action.id }, 'webhook delivery bug'));
  }

  private async send(state: ActionState, delivery: Delivery): Promise<Outcome> {
    const { action } = state;
    let secret: string | undefined;
    if (action.secretEnv) {
      secret = this.secretOf(action);
      if (!secret) return { ok: false, error: SECRET_NOT_SET, retryable: false };
    }
    const body = JSON.stringify({
      event: delivery.event,
      alert: delivery.alert,
      sentAt: new Date(this.clock.now()).toISOString(),
      deliveryId: delivery.id,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'facility-hub',
      'x-hub-event': `alert.${delivery.event}`,
      'x-hub-delivery': delivery.id,
    };
    if (secret) {
      headers['x-hub-signature-256'] =
        `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
    }
    try {
      const res = await this.fetchFn(action.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(action.timeoutMs), this.stopSignal.signal]),
      });
      // Free the connection; the receiver's answer is not used.
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const s = res.status;
      const retryable = !(s >= 400 && s < 500 && s !== 408 && s !== 429);
      const retryAfterMs =
        s === 429 || s === 503 ? parseRetryAfter(res.headers.get('retry-after'), this.clock) : undefined;
      return { ok: false, error: `HTTP ${s}`, retryable, retryAfterMs };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e?.name === 'TimeoutError') {
        return { ok: false, error: `timeout after ${action.timeoutMs} ms`, retryable: true };
      }
      if (this.stopped) return { ok: false, error: 'stopped', retryable: false };
      const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
      return { ok: false, error: `network error: ${detail}`, retryable: true };
    }
  }

  private settle(state: ActionState, delivery: Delivery, outcome: Outcome): void {
    state.inFlight = undefined;
    if (this.stopped) return; // stop() counts it as dropped
    const { action, stats } = state;
    if (outcome.ok) {
      stats.sent++;
      stats.lastSuccessAt = this.clock.now();
      if (state.failing) {
        state.failing = false;
        this.log.info({ action: action.id, target: safeTarget(action.url) }, 'webhook delivery recovered');
      }
      state.current = undefined;
      this.pump(state);
      return;
    }
    stats.lastError = outcome.error;
    if (outcome.error === SECRET_NOT_SET) {
      // The variable vanished after notify: refused like at notify, with the same once-only warning.
      this.warnSecret(state);
    } else if (!state.failing) {
      state.failing = true;
      this.log.warn(
        { action: action.id, target: safeTarget(action.url), error: outcome.error },
        'webhook delivery failing; retrying quietly',
      );
    }
    if (outcome.retryable && delivery.attempts <= action.retries) {
      stats.retried++;
      const delay = Math.min(
        BACKOFF_MAX_MS,
        Math.max(this.backoff(delivery.attempts), outcome.retryAfterMs ?? 0),
      );
      state.timer = this.clock.setTimeout(() => {
        state.timer = undefined;
        this.attempt(state);
      }, delay);
      return;
    }
    stats.failed++;
    this.log.debug(
      { action: action.id, delivery: delivery.id, attempts: delivery.attempts, error: outcome.error },
      'webhook delivery given up',
    );
    state.current = undefined;
    this.pump(state);
  }

  /** Delay before retry n (1-based): base 1 s doubling, capped at 5 min, jittered to [base/2, base]. */
  private backoff(attempt: number): number {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    return Math.round(base / 2 + (base / 2) * this.random());
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
