import type { Db } from '../db/database.js';
import { whereOf } from '../db/where.js';
import type { Delivery, NotifyMessage, NotifyTopic } from './delivery.js';
import { maskAddress } from './mask-address.js';

/**
 * The delivery log (`notify_deliveries`): every delivery the notifier queues, from queued to sent, failed (why)
 * or dropped, with its attempts; and, from personal routing (platform/people), messages held for quiet hours and
 * people no channel reaches. Who can read it: `notify:read` (GET /api/v1/notifications/deliveries).
 */

export const DELIVERY_STATES = ['held', 'queued', 'sent', 'failed', 'dropped', 'unreachable'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One row as the API shows it (no addresses of users: their username; outside people's masked). */
export interface DeliveryRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  state: DeliveryState;
  actionId: string | null;
  channel: string | null;
  channelKind: string | null;
  recipient: string | null;
  topic: NotifyTopic;
  event: string;
  subjectId: string | null;
  summary: string | null;
  attempts: number;
  error: string | null;
  releaseAt: number | null;
  sentAt: number | null;
}

export interface DeliveryFilter {
  state?: DeliveryState;
  /** An action id or a channel type (webhook, email, sms, ...). */
  channel?: string;
  recipient?: string;
  topic?: NotifyTopic;
  /** Rows created before this one (its id): the next page. */
  before?: string;
  limit?: number;
}

/** A held message: what to hand the notifier when quiet hours end. */
export interface HeldDelivery {
  id: string;
  actionId: string;
  releaseAt: number;
  message: NotifyMessage;
}

interface Row {
  seq: number;
  id: string;
  created_at: number;
  updated_at: number;
  state: DeliveryState;
  action_id: string | null;
  channel: string | null;
  channel_kind: string | null;
  recipient: string | null;
  topic: NotifyTopic;
  event: string;
  subject_id: string | null;
  summary: string | null;
  attempts: number;
  error: string | null;
  release_at: number | null;
  sent_at: number | null;
  pending: string | null;
}

/** The log's name for whom a message is for: a username, or an outside person's masked address. */
export function recipientLabel(message: Pick<NotifyMessage, 'recipient'>): string | null {
  const r = message.recipient;
  if (!r) return null;
  return r.username ?? maskAddress(r.address);
}

/** Rows older than this are purged (purge()). */
export const DELIVERY_RETENTION_MS = 90 * 86_400_000;
export const MAX_PAGE = 500;

export class DeliveryLog {
  private readonly upsertQueued;
  private readonly setState;
  private readonly setAttempt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    // A held delivery keeps its id when released: the same row moves from held to queued.
    this.upsertQueued = db.prepare(
      `INSERT INTO notify_deliveries (id, created_at, updated_at, state, action_id, channel, channel_kind,
         recipient, topic, event, subject_id, summary)
       VALUES (@id, @now, @now, 'queued', @actionId, @channel, @channelKind, @recipient, @topic, @event,
         @subjectId, @summary)
       ON CONFLICT (id) DO UPDATE SET state = 'queued', updated_at = @now, action_id = @actionId,
         channel = @channel, pending = NULL, release_at = NULL`,
    );
    this.setState = db.prepare(
      `UPDATE notify_deliveries SET state = @state, updated_at = @now, attempts = @attempts, error = @error,
         sent_at = CASE WHEN @state = 'sent' THEN @now ELSE sent_at END, pending = NULL
       WHERE id = @id`,
    );
    this.setAttempt = db.prepare(
      'UPDATE notify_deliveries SET updated_at = @now, attempts = @attempts, error = @error WHERE id = @id',
    );
  }

  /** The notifier queued `d` for `action` (or released a held one under the same id). */
  queued(d: Delivery, action: { id: string; type: string }, channelKind?: string): void {
    this.upsertQueued.run({
      id: d.id,
      now: this.now(),
      actionId: action.id,
      channel: action.type,
      channelKind: channelKind ?? null,
      recipient: recipientLabel(d),
      topic: d.topic,
      event: d.event,
      subjectId: String(d.subject.id ?? ''),
      summary: d.summary ?? d.text?.title ?? null,
    });
  }

  /** A retryable failure: the attempt count and its error, still queued. */
  retrying(id: string, attempts: number, error: string): void {
    this.setAttempt.run({ id, now: this.now(), attempts, error });
  }

  settled(id: string, state: 'sent' | 'failed' | 'dropped', attempts: number, error?: string): void {
    this.setState.run({ id, state, now: this.now(), attempts, error: error ?? null });
  }

  /** A delivery not even tried (a credential not set, the notifier stopped): failed or dropped at once. */
  refused(
    id: string,
    message: NotifyMessage,
    action: { id: string; type: string },
    state: 'failed' | 'dropped',
    error: string,
    channelKind?: string,
  ): void {
    this.insert({
      id,
      state,
      actionId: action.id,
      channel: action.type,
      channelKind,
      message,
      error,
    });
  }

  /** Personal routing held `message` for quiet hours until `releaseAt`. */
  held(held: HeldDelivery & { channel: string; channelKind: string }): void {
    this.insert({
      id: held.id,
      state: 'held',
      actionId: held.actionId,
      channel: held.channel,
      channelKind: held.channelKind,
      message: held.message,
      releaseAt: held.releaseAt,
      pending: JSON.stringify({ actionId: held.actionId, message: held.message }),
    });
  }

  /** No channel reaches the person: logged with why. */
  unreachable(id: string, message: NotifyMessage, recipient: string, reason: string): void {
    this.insert({ id, state: 'unreachable', message, error: reason, recipientOverride: recipient });
  }

  /** Held deliveries due at `now` (all of them when omitted), oldest first. */
  dueHeld(now?: number): HeldDelivery[] {
    const rows = this.db
      .prepare<[number], Row>(
        `SELECT * FROM notify_deliveries WHERE state = 'held' AND release_at <= ? ORDER BY release_at, seq`,
      )
      .all(now ?? Number.MAX_SAFE_INTEGER);
    return rows.map((r) => {
      const p = JSON.parse(r.pending ?? '{}') as { actionId: string; message: NotifyMessage };
      return { id: r.id, actionId: p.actionId, releaseAt: r.release_at ?? 0, message: p.message };
    });
  }

  /** When the next held delivery is due, if any. */
  nextRelease(): number | undefined {
    const r = this.db
      .prepare<[], { t: number | null }>(
        `SELECT min(release_at) AS t FROM notify_deliveries WHERE state = 'held'`,
      )
      .get();
    return r?.t ?? undefined;
  }

  /** Deliveries a previous run left queued (it stopped or crashed before they settled): dropped. */
  dropInterrupted(): number {
    return this.db
      .prepare(
        `UPDATE notify_deliveries SET state = 'dropped', updated_at = ?, error = 'the hub stopped before it was sent'
         WHERE state = 'queued'`,
      )
      .run(this.now()).changes;
  }

  /** Rows older than the retention (held ones are kept until released). */
  purge(now: number): number {
    return this.db
      .prepare(`DELETE FROM notify_deliveries WHERE created_at < ? AND state != 'held'`)
      .run(now - DELIVERY_RETENTION_MS).changes;
  }

  get(id: string): DeliveryRecord | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM notify_deliveries WHERE id = ?').get(id);
    return row && toRecord(row);
  }

  /** Newest first; `before` pages on. */
  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    const beforeSeq =
      filter.before === undefined
        ? undefined
        : (this.db
            .prepare<[string], { seq: number }>('SELECT seq FROM notify_deliveries WHERE id = ?')
            .get(filter.before)?.seq ?? 0);
    const { where, args } = whereOf([
      ['state = ?', filter.state],
      ['recipient = ?', filter.recipient],
      ['topic = ?', filter.topic],
      ['seq < ?', beforeSeq],
    ]);
    const channel = filter.channel;
    const channelSql =
      channel === undefined
        ? ''
        : `${where ? ' AND' : 'WHERE'} (action_id = ? OR channel = ? OR channel_kind = ?)`;
    const limit = Math.min(MAX_PAGE, Math.max(1, filter.limit ?? 100));
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT * FROM notify_deliveries ${where}${channelSql} ORDER BY seq DESC LIMIT ${limit}`,
      )
      .all(...args, ...(channel === undefined ? [] : [channel, channel, channel]));
    return rows.map(toRecord);
  }

  private insert(r: {
    id: string;
    state: DeliveryState;
    actionId?: string;
    channel?: string;
    channelKind?: string;
    message: NotifyMessage;
    error?: string;
    releaseAt?: number;
    pending?: string;
    recipientOverride?: string;
  }): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO notify_deliveries (id, created_at, updated_at, state, action_id, channel, channel_kind,
           recipient, topic, event, subject_id, summary, error, release_at, pending)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
           error = excluded.error, pending = excluded.pending, release_at = excluded.release_at`,
      )
      .run(
        r.id,
        now,
        now,
        r.state,
        r.actionId ?? null,
        r.channel ?? null,
        r.channelKind ?? null,
        r.recipientOverride ?? recipientLabel(r.message),
        r.message.topic,
        r.message.event,
        String(r.message.subject.id ?? ''),
        r.message.summary ?? r.message.text?.title ?? null,
        r.error ?? null,
        r.releaseAt ?? null,
        r.pending ?? null,
      );
  }
}

function toRecord(r: Row): DeliveryRecord {
  return {
    id: r.id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    state: r.state,
    actionId: r.action_id,
    channel: r.channel,
    channelKind: r.channel_kind,
    recipient: r.recipient,
    topic: r.topic,
    event: r.event,
    subjectId: r.subject_id,
    summary: r.summary,
    attempts: r.attempts,
    error: r.error,
    releaseAt: r.release_at,
    sentAt: r.sent_at,
  };
}
