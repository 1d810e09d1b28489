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

/**
 * One person a delivery is for (personal routing: platform/people). The transport sends to `address` instead of
 * its configured receivers (an e-mail to this address, an SMS to this mobile, a WeCom app message to this user
 * id) or, for a group robot, mentions them (@mobile / user id) in its group.
 */
export interface DeliveryRecipient {
  /** A hub user; absent for an outside person (a visitor). */
  username?: string;
  /** Their display name (a visitor's as they typed it). */
  name: string;
  /** The channel's address for them: e-mail address, mobile (E.164 or national), or the vendor's user id. */
  address: string;
}

/** Text for people, already in the recipient's language (chat, SMS and e-mail bodies). */
export interface DeliveryText {
  title: string;
  body: string;
  /** A link to act on (approve a visitor, acknowledge an alert, open the ticket). */
  link?: string;
}

export interface NotifyMessage {
  topic: NotifyTopic;
  /** alert: raised | changed | cleared; ticket: the ticket side's event (created, assigned, ...); visitor: requested, approved, ... */
  event: string;
  subject: NotifySubject;
  /** One line for people (the e-mail subject); default the subject's title or message. */
  summary?: string;
  /** Set by personal routing: who this is for; the transport addresses them (see DeliveryRecipient). */
  recipient?: DeliveryRecipient;
  /** Set by personal routing: the rendered text in the recipient's language. */
  text?: DeliveryText;
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
  /** A personal delivery's person (absent: the action's own receivers, as before). */
  readonly recipient?: DeliveryRecipient;
  /** A personal delivery's text in the person's language. */
  readonly text?: DeliveryText;
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

/**
 * The JSON body: `{ event, alert | ticket | visitor, sentAt, deliveryId }` (webhook body, and the e-mail's JSON
 * part); a personal delivery adds `recipient` and `text`.
 */
export function deliveryBody(d: Delivery): Record<string, unknown> {
  return {
    event: d.event,
    [d.topic]: d.subject,
    sentAt: new Date(d.sentAt).toISOString(),
    deliveryId: d.id,
    ...(d.recipient ? { recipient: d.recipient } : {}),
    ...(d.text ? { text: d.text } : {}),
  };
}

/** `alert.raised`, `ticket.created`: the x-hub-event header. */
export function eventName(d: Pick<Delivery, 'topic' | 'event'>): string {
  return `${d.topic}.${d.event}`;
}
