import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { SmtpSettings } from '../../core/config/site-schema.js';
import type { Logger } from '../../core/logger.js';
import type { Severity } from '../../core/model/severity.js';
import type { Delivery, NotifyMessage, Outcome, Refusal, Transport } from './delivery.js';
import type { DeliveryLog } from './delivery-log.js';
import type { ChannelConfig } from './notify-schema.js';
import { createTransport } from './transports.js';

export type { NotifyMessage, NotifySubject, NotifyTopic } from './delivery.js';

/**
 * Tells the `actions:` of type webhook and email about alerts, tickets and visitors. The core only queues and
 * retries; each action's transport (webhook-transport.ts, email-transport.ts) makes the attempts.
 *
 * Who is told: the action ids the caller lists. Alert messages also pass each action's `events` and
 * `minSeverity`; ticket and visitor messages are not filtered (their domain decides who hears what).
 *
 * Delivery: one attempt in flight per action, in notify order (a per-action FIFO, bounded at
 * {@link MAX_QUEUE}; past it the oldest waiting delivery is dropped and counted). A retryable failure is
 * tried again up to `retries` times, backoff 1 s doubling to at most 5 min with "equal jitter" (a delay in
 * [base/2, base]) on the injected clock, or later if the receiver said Retry-After; a final one moves on to
 * the next delivery. A transport that refuses outright (a credential variable not set) sends nothing: the
 * delivery counts as failed and a warning is logged once per action. The first failure of a burst and the
 * recovery are logged once each.
 *
 * With a {@link DeliveryLog}, every delivery is recorded there: queued, each retry's error, then sent, failed
 * (why) or dropped. Personal routing (platform/people) hands one message to one action with send().
 */

export type NotifyAction = ChannelConfig;

export interface NotifierStats {
  /** Deliveries that arrived (a 2xx, an SMTP 250). */
  sent: number;
  /** Deliveries given up: retries exhausted, refused by the receiver, or a credential not set. */
  failed: number;
  /** Retry attempts made. */
  retried: number;
  /** Deliveries dropped unsent: queue overflow, or still pending at stop(). */
  dropped: number;
  /** Deliveries waiting or in progress (including one waiting for its retry). */
  queued: number;
  lastError?: string;
  /** Clock time of the last delivery that arrived. */
  lastSuccessAt?: number;
}

export interface NotifierOptions {
  /** The site's actions; those of other types than webhook and email (commands) are someone else's. */
  actions: readonly (ChannelConfig | { id: string; type: string })[];
  /** hub.smtp: the server email actions send through. */
  smtp?: SmtpSettings;
  clock: Clock;
  log: Logger;
  /** Where secretEnv, userEnv and passwordEnv are read (default process.env), at each attempt. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
  /** Where each delivery's course is recorded (the hub's `notify_deliveries`); none in unit tests. */
  deliveryLog?: DeliveryLog;
}

/** send()'s answer: the delivery's id, or why nothing was queued (refused, stopped, not a channel). */
export type SendResult = { ok: true; id: string } | { ok: false; error: string };

/** Waiting deliveries per action beyond which the oldest is dropped. */
export const MAX_QUEUE = 1_000;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

interface ActionState {
  action: NotifyAction;
  transport: Transport;
  queue: Delivery[];
  current?: Delivery;
  timer?: unknown;
  inFlight?: Promise<void>;
  /** In a burst of failures (logged at its start and at recovery). */
  failing: boolean;
  refusalWarned: boolean;
  stats: Omit<NotifierStats, 'queued'>;
}

export class Notifier {
  private readonly states = new Map<string, ActionState>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly stopSignal = new AbortController();
  /** Configured actions of other types (commands): theirs to run, silently skipped here. */
  private readonly otherActions = new Set<string>();
  private readonly unknownWarned = new Set<string>();
  private stopped = false;
  private readonly deliveryLog?: DeliveryLog;

  constructor(opts: NotifierOptions) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.random = opts.random ?? Math.random;
    this.deliveryLog = opts.deliveryLog;
    const env = opts.env ?? process.env;
    for (const configured of opts.actions) {
      const action = configured as ChannelConfig;
      const transport = createTransport(configured, {
        clock: opts.clock,
        env,
        fetch: opts.fetch ?? globalThis.fetch,
        smtp: opts.smtp,
      });
      if (!transport) {
        this.otherActions.add(configured.id);
        continue;
      }
      this.states.set(action.id, {
        action,
        transport,
        queue: [],
        failing: false,
        refusalWarned: false,
        stats: { sent: 0, failed: 0, retried: 0, dropped: 0 },
      });
    }
  }

  /** Queue one delivery per listed webhook or email action that takes this message. Never throws. */
  notify(message: NotifyMessage, actionIds: readonly string[]): void {
    const snapshot = { value: undefined as Record<string, unknown> | undefined };
    for (const actionId of actionIds) {
      const state = this.states.get(actionId);
      if (!state) {
        if (!this.otherActions.has(actionId) && !this.unknownWarned.has(actionId)) {
          this.unknownWarned.add(actionId);
          this.log.warn(
            { action: actionId, topic: message.topic },
            'notify action is not configured; ignored',
          );
        }
        continue;
      }
      if (message.topic === 'alert' && !takesAlert(state.action, message)) continue;
      if (this.enqueue(state, message, snapshot) === 'unserialisable') return;
    }
  }

  /**
   * Queue `message` for one channel action, as is (no alert filter: the caller chose this person's channel).
   * `id` keeps a held delivery's id; `channelKind` is logged beside it. Never throws.
   */
  send(
    message: NotifyMessage,
    actionId: string,
    opts: { id?: string; channelKind?: string } = {},
  ): SendResult {
    const state = this.states.get(actionId);
    if (!state) return { ok: false, error: `action ${actionId} is not a configured channel` };
    const r = this.enqueue(state, message, { value: undefined }, opts);
    return typeof r === 'object' ? r : { ok: false, error: state.stats.lastError ?? r };
  }

  /** The channel type of a configured channel action (webhook, email, ...), or undefined. */
  channelType(actionId: string): string | undefined {
    return this.states.get(actionId)?.action.type;
  }

  private enqueue(
    state: ActionState,
    message: NotifyMessage,
    snapshot: { value: Record<string, unknown> | undefined },
    opts: { id?: string; channelKind?: string } = {},
  ): { ok: true; id: string } | 'refused' | 'stopped' | 'unserialisable' {
    const id = opts.id ?? randomUUID();
    if (this.stopped) {
      state.stats.dropped++;
      this.record((l) =>
        l.refused(id, message, state.action, 'dropped', 'the notifier stopped', opts.channelKind),
      );
      return 'stopped';
    }
    const refusal = state.transport.refusal();
    if (refusal) {
      state.stats.failed++;
      state.stats.lastError = refusal.error;
      this.warnRefusal(state, refusal);
      this.record((l) => l.refused(id, message, state.action, 'failed', refusal.error, opts.channelKind));
      return 'refused';
    }
    if (snapshot.value === undefined) {
      try {
        snapshot.value = JSON.parse(JSON.stringify(message.subject)) as Record<string, unknown>;
      } catch (err) {
        this.log.error(
          { err, topic: message.topic, id: message.subject.id },
          'notification subject is not JSON-serialisable; nothing sent',
        );
        return 'unserialisable';
      }
    }
    const delivery: Delivery = {
      id,
      topic: message.topic,
      event: message.event,
      subject: snapshot.value,
      summary: message.summary,
      recipient: message.recipient,
      text: message.text,
      attempts: 0,
      sentAt: this.clock.now(),
    };
    state.queue.push(delivery);
    this.record((l) => l.queued(delivery, state.action, opts.channelKind));
    if (state.queue.length > MAX_QUEUE) {
      const dropped = state.queue.shift()!;
      state.stats.dropped++;
      this.record((l) => l.settled(dropped.id, 'dropped', dropped.attempts, 'queue full'));
    }
    this.pump(state);
    return { ok: true, id };
  }

  /** Write to the delivery log; a failing write is logged, never thrown into delivery. */
  private record(write: (log: DeliveryLog) => void): void {
    if (!this.deliveryLog) return;
    try {
      write(this.deliveryLog);
    } catch (err) {
      this.log.error({ err }, 'delivery log write failed');
    }
  }

  stats(): Record<string, NotifierStats> {
    const out: Record<string, NotifierStats> = {};
    for (const [id, s] of this.states) {
      out[id] = { ...s.stats, queued: s.queue.length + (s.current ? 1 : 0) };
    }
    return out;
  }

  /** Cancel retry timers and attempts in flight; every delivery not yet done is dropped and counted. */
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
      for (const d of s.current ? [s.current, ...s.queue] : s.queue)
        this.record((l) => l.settled(d.id, 'dropped', d.attempts, 'the hub stopped before it was sent'));
      s.queue = [];
      s.current = undefined;
      s.transport.close();
    }
  }

  private warnRefusal(state: ActionState, refusal: Refusal): void {
    if (state.refusalWarned) return;
    state.refusalWarned = true;
    this.log.warn({ action: state.action.id, ...refusal.detail }, refusal.warning);
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
    delivery.sentAt = this.clock.now();
    // A credential that vanished since notify: refused like at notify, with the same once-only warning.
    const refusal = state.transport.refusal();
    const outcome: Promise<Outcome> = refusal
      ? Promise.resolve({ ok: false, error: refusal.error, retryable: false })
      : state.transport.send(delivery, this.stopSignal.signal).catch((err: unknown) => {
          // send() does not throw; if it ever does, fail this delivery rather than stall the queue
          this.log.error({ err, action: state.action.id }, 'notification transport bug');
          return { ok: false, error: `internal error: ${String(err)}`, retryable: false };
        });
    const done = outcome.then((o) => this.settle(state, delivery, o, refusal));
    state.inFlight = done;
    // settle() does not throw, but never leave a rejection unhandled.
    done.catch((err) => this.log.error({ err, action: state.action.id }, 'notification delivery bug'));
  }

  private settle(state: ActionState, delivery: Delivery, outcome: Outcome, refusal?: Refusal): void {
    state.inFlight = undefined;
    if (this.stopped) return; // stop() counts it as dropped
    const { action, stats, transport } = state;
    if (outcome.ok) {
      stats.sent++;
      stats.lastSuccessAt = this.clock.now();
      this.record((l) => l.settled(delivery.id, 'sent', delivery.attempts));
      if (state.failing) {
        state.failing = false;
        this.log.info({ action: action.id, target: transport.target }, `${action.type} delivery recovered`);
      }
      state.current = undefined;
      this.pump(state);
      return;
    }
    stats.lastError = outcome.error;
    if (refusal) {
      this.warnRefusal(state, refusal);
    } else if (!state.failing) {
      state.failing = true;
      this.log.warn(
        { action: action.id, target: transport.target, error: outcome.error },
        `${action.type} delivery failing; retrying quietly`,
      );
    }
    if (outcome.retryable && delivery.attempts <= action.retries) {
      stats.retried++;
      this.record((l) => l.retrying(delivery.id, delivery.attempts, outcome.error));
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
    this.record((l) => l.settled(delivery.id, 'failed', delivery.attempts, outcome.error));
    this.log.debug(
      { action: action.id, delivery: delivery.id, attempts: delivery.attempts, error: outcome.error },
      `${action.type} delivery given up`,
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

/** An alert reaches an action that hears its event at its severity (a missing severity counts as low). */
function takesAlert(action: NotifyAction, message: NotifyMessage): boolean {
  if (!(action.events as readonly string[]).includes(message.event)) return false;
  const severity = message.subject.severity;
  const rank = (severity && SEVERITY_RANK[severity]) || SEVERITY_RANK.low;
  return rank >= SEVERITY_RANK[action.minSeverity];
}
