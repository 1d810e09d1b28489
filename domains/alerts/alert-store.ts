import type { Severity } from '../../core/model/severity.js';
import type { Db } from '../../platform/db/database.js';
import { whereOf } from '../../platform/db/where.js';
import type { AlertState } from './alert-state.js';
import type { AlertTransitionView, AlertView, OutOfServiceView, TransitionEvent } from './alert-types.js';

/** An `alerts` row as SQLite holds it; the service keeps the live ones in memory and writes them back. */
export interface AlertRow {
  id: number;
  key: string;
  rule_id: string;
  asset_id: string;
  point_id: string | null;
  severity: Severity;
  priority: number;
  state: AlertState;
  active: number;
  message: string;
  value: string | null;
  raised_at: number | null;
  cleared_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
  ack_comment: string | null;
  shelved_until: number | null;
  shelved_by: string | null;
  flapping: number;
  flap_window_ms: number | null;
  last_flip_at: number | null;
  occurrences: number;
  updated_at: number;
}

export type NewAlertRow = Pick<
  AlertRow,
  'key' | 'rule_id' | 'asset_id' | 'point_id' | 'severity' | 'priority' | 'message' | 'value' | 'updated_at'
>;

/** One out-of-service window (the `maintenance` table, named before tickets existed). */
export interface OutOfServiceRow {
  asset_id: string;
  since: number;
  until: number;
  by: string;
  comment: string | null;
}

/** A window as stored: those set before every window had to end have no `until`. */
export type StoredOutOfServiceRow = Omit<OutOfServiceRow, 'until'> & { until: number | null };

interface TransitionRow {
  id: number;
  alert_id: number;
  ts: number;
  from_state: AlertState;
  to_state: AlertState;
  event: TransitionEvent;
  actor: string;
  via: string;
  comment: string | null;
  value: string | null;
}

export interface AlertQuery {
  state?: AlertState;
  active?: boolean;
  severity?: Severity;
  assetId?: string;
  /** Last raised in [from, to) (ms since the epoch). */
  from?: number;
  to?: number;
  limit: number;
  /** Alerts with an id below this (paging backwards). */
  beforeId?: number;
}

/** Who changed something, for transitions: a person (via session, token, cli) or the hub (rules, timer). */
export interface By {
  actor: string;
  via: string;
}

export const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

export function toAlertView(r: AlertRow, managePermission: AlertView['managePermission']): AlertView {
  return {
    id: r.id,
    key: r.key,
    ruleId: r.rule_id,
    assetId: r.asset_id,
    pointId: r.point_id,
    severity: r.severity,
    priority: r.priority,
    state: r.state,
    active: r.active === 1,
    message: r.message,
    value: parse(r.value),
    raisedAt: r.raised_at,
    clearedAt: r.cleared_at,
    ackedAt: r.acked_at,
    ackedBy: r.acked_by,
    ackComment: r.ack_comment,
    shelvedUntil: r.shelved_until,
    shelvedBy: r.shelved_by,
    flapping: r.flapping === 1,
    occurrences: r.occurrences,
    updatedAt: r.updated_at,
    managePermission,
  };
}

function toTransitionView(r: TransitionRow): AlertTransitionView {
  return {
    id: r.id,
    alertId: r.alert_id,
    ts: r.ts,
    from: r.from_state,
    to: r.to_state,
    event: r.event,
    actor: r.actor,
    via: r.via,
    comment: r.comment,
    value: parse(r.value),
  };
}

export const toOutOfServiceView = (m: OutOfServiceRow): OutOfServiceView => ({
  assetId: m.asset_id,
  since: m.since,
  until: m.until,
  by: m.by,
  comment: m.comment,
});

/**
 * The alerts' tables (`alerts`, `alert_transitions`, and `maintenance`, which holds the out-of-service
 * windows): every statement prepared once, rows in and out. Only the alerts domain writes through it.
 */
export class AlertStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      byKey: db.prepare<[string], AlertRow>('SELECT * FROM alerts WHERE key = ?'),
      byId: db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?'),
      byAsset: db.prepare<[string], AlertRow>('SELECT * FROM alerts WHERE asset_id = ? ORDER BY id'),
      insert: db.prepare(
        `INSERT INTO alerts (key, rule_id, asset_id, point_id, severity, priority, state, active, message, value,
           occurrences, updated_at)
         VALUES (@key, @rule_id, @asset_id, @point_id, @severity, @priority, 'normal', 0, @message, @value, 0, @updated_at)`,
      ),
      update: db.prepare(
        `UPDATE alerts SET severity = @severity, priority = @priority, state = @state, active = @active,
           message = @message, value = @value, raised_at = @raised_at, cleared_at = @cleared_at,
           acked_at = @acked_at, acked_by = @acked_by, ack_comment = @ack_comment,
           shelved_until = @shelved_until, shelved_by = @shelved_by, flapping = @flapping,
           flap_window_ms = @flap_window_ms, last_flip_at = @last_flip_at, occurrences = @occurrences,
           updated_at = @updated_at
         WHERE id = @id`,
      ),
      transition: db.prepare(
        `INSERT INTO alert_transitions (alert_id, ts, from_state, to_state, event, actor, via, comment, value)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      transitionsOf: db.prepare<[number], TransitionRow>(
        'SELECT * FROM alert_transitions WHERE alert_id = ? ORDER BY id',
      ),
      shelvesDue: db
        .prepare<[number], number>(
          "SELECT id FROM alerts WHERE state = 'shelved' AND shelved_until <= ? ORDER BY id",
        )
        .pluck(),
      flappingDue: db
        .prepare<[number], number>(
          'SELECT id FROM alerts WHERE flapping = 1 AND last_flip_at + flap_window_ms <= ? ORDER BY id',
        )
        .pluck(),
      counts: db.prepare<[], { severity: Severity; n: number }>(
        `SELECT severity, COUNT(*) AS n FROM alerts
         WHERE active = 1 AND state NOT IN ('shelved', 'suppressed') GROUP BY severity`,
      ),
      unacked: db
        .prepare<[], number>("SELECT COUNT(*) FROM alerts WHERE state IN ('unacked', 'rtn-unacked')")
        .pluck(),
      activeKeys: db.prepare<[], string>('SELECT key FROM alerts WHERE active = 1 ORDER BY id').pluck(),
      outOfServiceAll: db.prepare<[], StoredOutOfServiceRow>('SELECT * FROM maintenance ORDER BY asset_id'),
      outOfServiceUpsert: db.prepare(
        `INSERT INTO maintenance (asset_id, since, until, "by", comment) VALUES (@asset_id, @since, @until, @by, @comment)
         ON CONFLICT (asset_id) DO UPDATE SET until = excluded.until, "by" = excluded."by", comment = excluded.comment`,
      ),
      outOfServiceDelete: db.prepare('DELETE FROM maintenance WHERE asset_id = ?'),
    };
  }

  /** Run fn inside one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  byKey(key: string): AlertRow | undefined {
    return this.q.byKey.get(key);
  }

  byId(id: number): AlertRow | undefined {
    return this.q.byId.get(id);
  }

  byAsset(assetId: string): AlertRow[] {
    return this.q.byAsset.all(assetId);
  }

  /** Newest first. */
  list(q: AlertQuery): AlertRow[] {
    const { where, args } = whereOf([
      ['state = ?', q.state],
      ['active = ?', q.active === undefined ? undefined : q.active ? 1 : 0],
      ['severity = ?', q.severity],
      ['asset_id = ?', q.assetId],
      ['id < ?', q.beforeId],
      ['raised_at >= ?', q.from],
      ['raised_at < ?', q.to],
    ]);
    const sql = `SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare(sql).all(...args, q.limit) as AlertRow[];
  }

  /** A new alert in state normal; returns its row. */
  insert(row: NewAlertRow): AlertRow {
    const id = Number(this.q.insert.run(row).lastInsertRowid);
    return this.byId(id)!;
  }

  update(row: AlertRow): void {
    this.q.update.run(row);
  }

  addTransition(
    alertId: number,
    t: { ts: number; from: AlertState; to: AlertState; event: TransitionEvent; by: By; comment?: string },
    value?: unknown,
  ): void {
    this.q.transition.run(
      alertId,
      t.ts,
      t.from,
      t.to,
      t.event,
      t.by.actor,
      t.by.via,
      t.comment ?? null,
      json(value),
    );
  }

  transitionsOf(alertId: number): AlertTransitionView[] {
    return this.q.transitionsOf.all(alertId).map(toTransitionView);
  }

  /** Ids of shelved alerts whose shelf ran out at `now`. */
  shelvesDue(now: number): number[] {
    return this.q.shelvesDue.all(now);
  }

  /** Ids of flapping alerts quiet for their window at `now`. */
  flappingDue(now: number): number[] {
    return this.q.flappingDue.all(now);
  }

  /** Active alerts that are neither shelved nor suppressed, by severity. */
  activeBySeverity(): { severity: Severity; n: number }[] {
    return this.q.counts.all();
  }

  unackedCount(): number {
    return this.q.unacked.get()!;
  }

  activeKeys(): string[] {
    return this.q.activeKeys.all();
  }

  outOfServiceWindows(): StoredOutOfServiceRow[] {
    return this.q.outOfServiceAll.all();
  }

  putOutOfService(row: OutOfServiceRow): void {
    this.q.outOfServiceUpsert.run(row);
  }

  deleteOutOfService(assetId: string): void {
    this.q.outOfServiceDelete.run(assetId);
  }
}
