import type { Statement } from 'better-sqlite3';
import type { Db } from '../../platform/db/database.js';
import { whereOf } from '../../platform/db/where.js';
import { type KpiGroup, type KpiRow, ticketKpis } from './kpis.js';
import type {
  TicketEventView,
  TicketEvidence,
  TicketKind,
  TicketPhotoView,
  TicketState,
  TicketView,
  TrendSnapshot,
} from './ticket-types.js';

/**
 * The tickets' tables (`tickets`, `ticket_events`, `ticket_photos`, `ticket_evidence`, `plan_progress`):
 * rows in and views out. Only the tickets services write through it.
 */

type Row = Record<string, unknown>;
const JSON_COLUMNS = new Set(['checklist', 'checklist_results']);
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function toView(row: Row): TicketView {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === 'dedupe_key') continue;
    out[camel(k)] = JSON_COLUMNS.has(k) && typeof v === 'string' ? JSON.parse(v) : v;
  }
  return out as TicketView;
}

export interface TicketQuery {
  state?: TicketState;
  kind?: TicketKind;
  assetId?: string;
  assignee?: string;
  team?: string;
  requester?: string;
  /** Not finished (closed, cancelled, rejected). */
  open?: boolean;
  /** Submitted in [from, to) (ms since the epoch). */
  from?: number;
  to?: number;
  limit: number;
  beforeId?: number;
}

export type NewTicketRow = Omit<
  TicketView,
  | 'id'
  | 'updatedAt'
  | 'approvedAt'
  | 'dispatchedAt'
  | 'acceptedAt'
  | 'startedAt'
  | 'resolvedAt'
  | 'closedAt'
  | 'respondBreachedAt'
  | 'resolveBreachedAt'
  | 'resolution'
  | 'rating'
  | 'ratingComment'
  | 'reopened'
  | 'checklistResults'
  | 'alertClearedAt'
  | 'assignee'
  | 'team'
  | 'etaAt'
> & {
  dedupeKey: string | null;
  team?: string | null;
  assignee?: string | null;
  dispatchedAt?: number | null;
};

export class TicketStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      byId: db.prepare('SELECT * FROM tickets WHERE id = ?'),
      byDedupe: db.prepare('SELECT * FROM tickets WHERE dedupe_key = ?'),
      lastFor: db.prepare(
        'SELECT * FROM tickets WHERE asset_id = ? AND rule_id = ? ORDER BY id DESC LIMIT 1',
      ),
      event: db.prepare(
        `INSERT INTO ticket_events (ticket_id, ts, event, from_state, to_state, actor, via, comment, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      events: db.prepare('SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id'),
      photos: db.prepare('SELECT * FROM ticket_photos WHERE ticket_id = ? ORDER BY id'),
      photoFigures: db.prepare(
        `SELECT (SELECT COUNT(*) FROM ticket_photos WHERE ticket_id = ?) AS onTicket,
                (SELECT COUNT(*) FROM ticket_photos WHERE uploaded_by = ? AND ts >= ?) AS byUser,
                (SELECT COALESCE(SUM(bytes), 0) FROM ticket_photos) AS totalBytes`,
      ),
      photoUsage: db.prepare('SELECT COUNT(*) AS files, COALESCE(SUM(bytes), 0) AS bytes FROM ticket_photos'),
      photoByFile: db.prepare('SELECT * FROM ticket_photos WHERE ticket_id = ? AND file = ?'),
      addPhoto: db.prepare(
        `INSERT INTO ticket_photos (ticket_id, file, mime, bytes, stage, uploaded_by, ts)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      evidence: db.prepare('SELECT * FROM ticket_evidence WHERE ticket_id = ?'),
      putEvidence: db.prepare(
        `INSERT INTO ticket_evidence (ticket_id, alert, trend, trend_error, captured_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (ticket_id) DO UPDATE SET trend = excluded.trend, trend_error = excluded.trend_error,
           captured_at = excluded.captured_at`,
      ),
      progress: db.prepare('SELECT * FROM plan_progress WHERE plan_id = ? AND asset_id = ?'),
      ...(Object.fromEntries(
        (['checked_at', 'next_due_value', 'last_ticket_id'] as const).map((col) => [
          `progress_${col}`,
          db.prepare(
            `INSERT INTO plan_progress (plan_id, asset_id, ${col}) VALUES (?, ?, ?)
             ON CONFLICT (plan_id, asset_id) DO UPDATE SET ${col} = excluded.${col}`,
          ),
        ]),
      ) as Record<`progress_${ProgressColumn}`, Statement>),
    };
  }

  /** Statements built from the columns or filters given, prepared once per distinct SQL. */
  private readonly prepared = new Map<string, Statement>();
  private stmt(sql: string): Statement {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.prepared.set(sql, st);
    }
    return st;
  }

  /** The service KPIs over tickets submitted in [from, to) (kpis.ts holds their SQL). */
  kpis(from: number, to: number, group?: KpiGroup): { total: KpiRow; groups: KpiRow[] } {
    return ticketKpis(this.db, from, to, group);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A transaction that takes the write lock at BEGIN: what it reads cannot change before it writes. */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get(id: number): TicketView | undefined {
    const row = this.q.byId.get(id) as Row | undefined;
    return row && toView(row);
  }

  byDedupeKey(key: string): TicketView | undefined {
    const row = this.q.byDedupe.get(key) as Row | undefined;
    return row && toView(row);
  }

  /** The newest ticket raised for this asset and rule, finished or not. */
  lastFor(assetId: string, ruleId: string): TicketView | undefined {
    const row = this.q.lastFor.get(assetId, ruleId) as Row | undefined;
    return row && toView(row);
  }

  insert(t: NewTicketRow): number {
    const row: Row = {};
    for (const [k, v] of Object.entries(t))
      row[snake(k)] = JSON_COLUMNS.has(snake(k)) && v != null ? JSON.stringify(v) : v;
    row.updated_at = t.createdAt;
    const cols = Object.keys(row);
    const info = this.stmt(
      `INSERT INTO tickets (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
    ).run(row);
    return Number(info.lastInsertRowid);
  }

  /** Set these fields (camelCase names of TicketView, or dedupeKey). */
  update(id: number, fields: Partial<TicketView> & { dedupeKey?: string | null }): void {
    const row: Row = {};
    for (const [k, v] of Object.entries(fields))
      row[snake(k)] = JSON_COLUMNS.has(snake(k)) && v != null ? JSON.stringify(v) : v;
    const cols = Object.keys(row);
    if (!cols.length) return;
    this.stmt(`UPDATE tickets SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({
      ...row,
      id,
    });
  }

  list(q: TicketQuery): TicketView[] {
    const { where, args } = whereOf([
      ['state = ?', q.state],
      ['kind = ?', q.kind],
      ['asset_id = ?', q.assetId],
      ['assignee = ?', q.assignee],
      ['team = ?', q.team],
      ['requester = ?', q.requester],
      ['id < ?', q.beforeId],
      ['created_at >= ?', q.from],
      ['created_at < ?', q.to],
      [
        "(state NOT IN ('closed', 'cancelled', 'rejected')) = ?",
        q.open === undefined ? undefined : Number(q.open),
      ],
    ]);
    const rows = this.stmt(`SELECT * FROM tickets ${where} ORDER BY id DESC LIMIT ?`).all(...args, q.limit);
    return (rows as Row[]).map(toView);
  }

  /** Tickets still running against a deadline column (respond_due_at or resolve_due_at) that has passed. */
  dueBreaches(now: number): TicketView[] {
    const rows = this.stmt(
      `SELECT * FROM tickets WHERE state NOT IN ('closed', 'cancelled', 'rejected')
           AND ((respond_breached_at IS NULL AND accepted_at IS NULL AND respond_due_at <= @now)
             OR (resolve_breached_at IS NULL AND resolved_at IS NULL AND resolve_due_at <= @now))
         ORDER BY id`,
    ).all({ now });
    return (rows as Row[]).map(toView);
  }

  /** Tickets in one of these states whose `column` (a timestamp) is at or before `before`. */
  inStatesSince(states: readonly TicketState[], column: string, before: number): TicketView[] {
    const rows = this.stmt(
      `SELECT * FROM tickets WHERE state IN (${states.map(() => '?').join(', ')}) AND ${column} <= ? ORDER BY id`,
    ).all(...states, before);
    return (rows as Row[]).map(toView);
  }

  addEvent(
    ticketId: number,
    e: {
      ts: number;
      event: string;
      from?: TicketState | null;
      to?: TicketState | null;
      actor: string;
      via: string;
      comment?: string | null;
      data?: unknown;
    },
  ): void {
    this.q.event.run(
      ticketId,
      e.ts,
      e.event,
      e.from ?? null,
      e.to ?? null,
      e.actor,
      e.via,
      e.comment ?? null,
      e.data === undefined ? null : JSON.stringify(e.data),
    );
  }

  events(ticketId: number): TicketEventView[] {
    return (this.q.events.all(ticketId) as Row[]).map((r) => ({
      id: r.id as number,
      ticketId: r.ticket_id as number,
      ts: r.ts as number,
      event: r.event as string,
      from: r.from_state as TicketState | null,
      to: r.to_state as TicketState | null,
      actor: r.actor as string,
      via: r.via as string,
      comment: r.comment as string | null,
      data: r.data === null ? null : JSON.parse(r.data as string),
    }));
  }

  photos(ticketId: number): TicketPhotoView[] {
    return (this.q.photos.all(ticketId) as Row[]).map(photoView);
  }

  photo(ticketId: number, file: string): TicketPhotoView | undefined {
    const r = this.q.photoByFile.get(ticketId, file) as Row | undefined;
    return r && photoView(r);
  }

  /** What the photo limits are checked on: the ticket's photos, this person's since `since`, all bytes. */
  photoFigures(
    ticketId: number,
    username: string,
    since: number,
  ): { onTicket: number; byUser: number; totalBytes: number } {
    return this.q.photoFigures.get(ticketId, username, since) as {
      onTicket: number;
      byUser: number;
      totalBytes: number;
    };
  }

  /** Every stored photo: how many, and their bytes. */
  photoUsage(): { files: number; bytes: number } {
    return this.q.photoUsage.get() as { files: number; bytes: number };
  }

  addPhoto(p: Omit<TicketPhotoView, 'id'>): void {
    this.q.addPhoto.run(p.ticketId, p.file, p.mime, p.bytes, p.stage, p.uploadedBy, p.ts);
  }

  evidence(ticketId: number): TicketEvidence | undefined {
    const r = this.q.evidence.get(ticketId) as Row | undefined;
    if (!r) return undefined;
    return {
      alert: JSON.parse(r.alert as string),
      trend: r.trend === null ? null : (JSON.parse(r.trend as string) as TrendSnapshot),
      trendError: r.trend_error as string | null,
      capturedAt: r.captured_at as number | null,
    };
  }

  putEvidence(
    ticketId: number,
    alert: unknown,
    trend: TrendSnapshot | null,
    error: string | null,
    at: number | null,
  ): void {
    this.q.putEvidence.run(ticketId, JSON.stringify(alert), trend && JSON.stringify(trend), error, at);
  }

  progress(planId: string, assetId: string): PlanProgress | undefined {
    return this.q.progress.get(planId, assetId) as PlanProgress | undefined;
  }

  /** Set one column of a plan's progress for an asset (the others stay). */
  setProgress(planId: string, assetId: string, column: ProgressColumn, value: number | null): void {
    this.q[`progress_${column}`].run(planId, assetId, value);
  }
}

type ProgressColumn = 'checked_at' | 'next_due_value' | 'last_ticket_id';

export interface PlanProgress {
  plan_id: string;
  asset_id: string;
  checked_at: number | null;
  next_due_value: number | null;
  last_ticket_id: number | null;
}

function photoView(r: Row): TicketPhotoView {
  return {
    id: r.id as number,
    ticketId: r.ticket_id as number,
    file: r.file as string,
    mime: r.mime as string,
    bytes: r.bytes as number,
    stage: r.stage as TicketPhotoView['stage'],
    uploadedBy: r.uploaded_by as string,
    ts: r.ts as number,
  };
}
