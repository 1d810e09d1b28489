import type { Severity } from '../../core/model/severity.js';

/**
 * What the notifier carries and what a transport gets: the shared vocabulary of platform/notify. The notifier core
 * queues and retries deliveries; a transport (webhook, e-mail) makes one attempt and says how it went.
 */

/** visitor: a pass waiting for its host, or decided (domains/visitors); not filtered, like tickets. */
export type NotifyTopic = 'alert' | 'ticket' | 'visitor';

/** The alert, ticket or pass as receivers see it: sent as JSON under the topic's key (`alert`, `ticket`, `visitor`). */
export interface NotifySubject {
  id: number;
  severity?: Severity;
  [k: string]: unknown;
}

export interface NotifyMessage {
  topic: NotifyTopic;
  /** alert: raised | changed | cleared; ticket: the ticket side's event (created, assigned, ...); visitor: requested, approved, ... */
  event: string;
  subject: NotifySubject;
  /** One line for people (the e-mail subject); default the subject's title or message. */
  summary?: string;
}

/** One message to one action: the same id (and snapshot) across all its attempts. */
export interface Delivery {
  /** x-hub-delivery: receivers de-duplicate retries by it. */
  readonly id: string;
  readonly topic: NotifyTopic;
  readonly event: string;
  /** A JSON snapshot of the subject at notify time. */
  readonly subject: Record<string, unknown>;
  readonly summary?: string;
  /** Attempts so far, the current one included. */
  attempts: number;
  /** Clock time of the current attempt (`sentAt`). */
  sentAt: number;
}

export type Outcome = { ok: true } | { ok: false; error: string; retryable: boolean; retryAfterMs?: number };

/** Why a transport will not even try (a credential variable not set): counted failed, warned once. */
export interface Refusal {
  /** The stats' lastError. */
  error: string;
  /** The warning logged, once per action. */
  warning: string;
  /** Fields of that warning (which variable). */
  detail: Record<string, unknown>;
}

export interface Transport {
  /** Where deliveries go, for logs: no credentials, query string or recipients. */
  readonly target: string;
  /** Asked before queueing and before each attempt; env variables are read each time, so rotation applies. */
  refusal(): Refusal | undefined;
  /** One attempt. Never throws; `signal` aborts it when the notifier stops. */
  send(delivery: Delivery, signal: AbortSignal): Promise<Outcome>;
  /** Free connections (after stop). */
  close(): void;
}

/** The JSON body: `{ event, alert | ticket | visitor, sentAt, deliveryId }` (webhook body, and the e-mail's JSON part). */
export function deliveryBody(d: Delivery): Record<string, unknown> {
  return {
    event: d.event,
    [d.topic]: d.subject,
    sentAt: new Date(d.sentAt).toISOString(),
    deliveryId: d.id,
  };
}

/** `alert.raised`, `ticket.created`: the x-hub-event header. */
export function eventName(d: Pick<Delivery, 'topic' | 'event'>): string {
  return `${d.topic}.${d.event}`;
}
