import type { Actor } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { SEVERITIES, type Severity } from '../../core/model/severity.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { Db } from '../../platform/db/database.js';
import { whereOf } from '../../platform/db/where.js';
import {
  type AlertEvent,
  type AlertState,
  transition,
  USER_ACTIONS,
  type UserAction,
} from './alert-state.js';
import type { AlertTransitionView, AlertView, MaintenanceView, TransitionEvent } from './alert-types.js';

export type { AlertTransitionView, AlertView, MaintenanceView } from './alert-types.js';

/** One rule instance as the rules engine knows it. */
export interface AlertInstance {
  /** `<ruleId>|<assetId>|<pointId or ''>` */
  key: string;
  ruleId: string;
  assetId: string;
  pointId?: string;
  severity: Severity;
  priority: number;
  /** `transitions` flips within `withinMs` make the alert flapping until it has been quiet that long. */
  chatter: { transitions: number; withinMs: number };
}

export interface AlertVerdict {
  active: boolean;
  message: string;
  value?: unknown;
  severity?: Severity;
}

export interface AlertQuery {
  state?: AlertState;
  active?: boolean;
  severity?: Severity;
  assetId?: string;
  limit: number;
  /** Alerts with an id below this (paging backwards). */
  beforeId?: number;
}

export type ActiveCounts = Record<Severity, number> & {
  /** Alerts whose condition is active and that are neither shelved nor suppressed. */
  total: number;
  /** Alerts waiting for an acknowledgement (unacked or rtn-unacked). */
  unacked: number;
};

export interface AlertServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
}

/** The id names no alert. */
export class AlertNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no alert ${id}`);
    this.name = 'AlertNotFoundError';
  }
}

/** The transition table refuses the action in the alert's state; `allowed` lists what a person may do now. */
export class AlertActionError extends Error {
  constructor(
    readonly alertId: number,
    readonly action: UserAction,
    readonly state: AlertState,
    readonly allowed: UserAction[],
  ) {
    super(
      `cannot ${action} alert ${alertId} in state ${state}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
    );
    this.name = 'AlertActionError';
  }
}

interface AlertRow {
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

interface MaintenanceRow {
  asset_id: string;
  since: number;
  until: number | null;
  by: string;
  comment: string | null;
}

/** Who changed something, for transitions: a person (via session, token, cli) or the hub (rules, timer). */
interface By {
  actor: string;
  via: string;
}
const RULES: By = { actor: 'system', via: 'rules' };
const TIMER: By = { actor: 'system', via: 'timer' };
const TIMER_ACTOR: Actor = { actor: 'system', via: 'system' };

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
const isUserAction = (e: AlertEvent): e is UserAction => (USER_ACTIONS as readonly string[]).includes(e);
const byOf = (a: Actor): By => ({ actor: a.actor, via: a.via });

function toView(r: AlertRow): AlertView {
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
  };
}

function toTransition(r: TransitionRow): AlertTransitionView {
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

const toMaintenance = (m: MaintenanceRow): MaintenanceView => ({
  assetId: m.asset_id,
  since: m.since,
  until: m.until,
  by: m.by,
  comment: m.comment,
});

/** Every statement the service runs, prepared once. */
function prepare(db: Db) {
  return {
    byKey: db.prepare('SELECT * FROM alerts WHERE key = ?'),
    byId: db.prepare('SELECT * FROM alerts WHERE id = ?'),
    byAsset: db.prepare('SELECT * FROM alerts WHERE asset_id = ? ORDER BY id'),
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
    transitionsOf: db.prepare('SELECT * FROM alert_transitions WHERE alert_id = ? ORDER BY id'),
    shelvesDue: db
      .prepare("SELECT id FROM alerts WHERE state = 'shelved' AND shelved_until <= ? ORDER BY id")
      .pluck(),
    flappingDue: db
      .prepare('SELECT id FROM alerts WHERE flapping = 1 AND last_flip_at + flap_window_ms <= ? ORDER BY id')
      .pluck(),
    counts: db.prepare(
      `SELECT severity, COUNT(*) AS n FROM alerts
       WHERE active = 1 AND state NOT IN ('shelved', 'suppressed') GROUP BY severity`,
    ),
    unacked: db.prepare("SELECT COUNT(*) FROM alerts WHERE state IN ('unacked', 'rtn-unacked')").pluck(),
    activeKeys: db.prepare('SELECT key FROM alerts WHERE active = 1 ORDER BY id').pluck(),
    maintenanceAll: db.prepare('SELECT * FROM maintenance ORDER BY asset_id'),
    maintenanceUpsert: db.prepare(
      `INSERT INTO maintenance (asset_id, since, until, "by", comment) VALUES (@asset_id, @since, @until, @by, @comment)
       ON CONFLICT (asset_id) DO UPDATE SET until = excluded.until, "by" = excluded."by", comment = excluded.comment`,
    ),
    maintenanceDelete: db.prepare('DELETE FROM maintenance WHERE asset_id = ?'),
  };
}

/**
 * Alerts and their ISA-18.2 lifecycle. State lives in SQLite (`alerts`, `alert_transitions`, `maintenance`);
 * the rows the rules engine touches are cached by key, so a verdict that changes nothing costs no query.
 * Every state change is stored with who and when and announced on the bus: `alert.raised` (a new occurrence),
 * `alert.cleared` (the condition returned to normal), `alert.changed` (everything else). This service is the
 * only writer of its tables.
 */
export class AlertService {
  private readonly db: Db;
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly audit: AuditLog;
  /** key → row (null: no alert yet for this rule instance). */
  private readonly byKey = new Map<string, AlertRow | null>();
  /** key → times of the recent condition flips (chatter detection). */
  private readonly flips = new Map<string, number[]>();
  /** Assets in maintenance (a handful): asset id → row. */
  private readonly maintenance = new Map<string, MaintenanceRow>();
  private readonly q: ReturnType<typeof prepare>;

  constructor(deps: AlertServiceDeps) {
    this.db = deps.db;
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.log = deps.log;
    this.audit = deps.audit;
    this.q = prepare(this.db);
    for (const m of this.q.maintenanceAll.all() as MaintenanceRow[]) this.maintenance.set(m.asset_id, m);
  }

  // ── the rules engine ────────────────────────────────────────────────────────────────────────────────────

  /**
   * A rule instance's (debounced) condition now says `verdict`. Creates the alert on its first activation and
   * applies activate or clear; the same verdict twice changes nothing (after a restart the engine re-reports
   * what it finds, and an alert already active stays as it is). Returns the alert, if there is one.
   */
  conditionChanged(inst: AlertInstance, verdict: AlertVerdict, now: number): AlertView | undefined {
    let row = this.rowByKey(inst.key);
    if (!row) {
      if (!verdict.active) return undefined;
      row = this.create(inst, verdict, now);
    }
    if (row.flap_window_ms !== inst.chatter.withinMs) row.flap_window_ms = inst.chatter.withinMs;
    if (row.flapping === 1 && this.quietSince(row, now)) this.endFlapping(row, now);

    const active = verdict.active ? 1 : 0;
    if (row.active === active) {
      // nothing flipped; keep what a person reads up to date, without events
      const value = json(verdict.value);
      if (active && (row.message !== verdict.message || row.value !== value)) {
        row.message = verdict.message;
        row.value = value;
        this.save(row, now);
      }
      return toView(row);
    }

    // the condition flipped
    row.active = active;
    row.message = verdict.message;
    row.value = json(verdict.value);
    if (verdict.active) {
      row.severity = verdict.severity ?? inst.severity;
      row.priority = inst.priority;
    }
    row.last_flip_at = now;
    const recent = this.recordFlip(inst, now);

    if (row.flapping === 1) {
      // chattering: only the remembered condition changes
      if (verdict.active) row.occurrences++;
      this.save(row, now);
      return toView(row);
    }
    const hidden = row.state === 'shelved' || row.state === 'suppressed';
    if (!hidden && inst.chatter.transitions >= 2 && recent >= inst.chatter.transitions) {
      row.flapping = 1;
      if (verdict.active) row.occurrences++;
      const comment = `${recent} changes within ${Math.round(inst.chatter.withinMs / 1000)} s`;
      this.db.transaction(() => {
        this.save(row, now);
        this.record(row, row.state, row.state, 'flapping', RULES, now, comment, verdict.value);
      })();
      this.log.warn({ alert: row.id, key: row.key, changes: recent }, 'alert flapping');
      this.bus.emit('alert.changed', { alert: toView(row), from: row.state, to: row.state, by: RULES.actor });
      return toView(row);
    }

    // an alert raised while its asset is in maintenance is suppressed from the start
    if (this.maintenance.has(row.asset_id) && row.state !== 'suppressed') {
      this.apply(row, 'suppress', RULES, now, 'asset in maintenance');
    }
    this.applyCondition(row, verdict.active ? 'activate' : 'clear', RULES, now, verdict.value);
    return toView(row);
  }

  /** Time passes: shelves and maintenance windows run out, flapping alerts that went quiet settle. */
  /** Run fn with every alert write inside one SQLite transaction (the engine's batch of readings). */
  batch(fn: () => void): void {
    this.db.transaction(fn)();
  }

  tick(now: number): void {
    for (const id of this.q.shelvesDue.all(now) as number[]) {
      const row = this.rowById(id);
      if (row?.state === 'shelved') this.apply(row, 'unshelve', TIMER, now, 'shelf expired');
    }
    for (const m of [...this.maintenance.values()])
      if (m.until !== null && m.until <= now)
        this.endMaintenance(m.asset_id, TIMER_ACTOR, TIMER, now, 'expired');
    for (const id of this.q.flappingDue.all(now) as number[]) {
      const row = this.rowById(id);
      if (row?.flapping === 1) this.endFlapping(row, now);
    }
  }

  // ── people ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Acknowledge: unacked → acked, rtn-unacked → normal. */
  ack(id: number, actor: Actor, comment?: string): AlertView {
    return this.userAction(id, actor, 'ack', 'alert.acknowledged', comment, (row, now) => {
      row.acked_at = now;
      row.acked_by = actor.actor;
      row.ack_comment = comment ?? null;
    });
  }

  /** Hide an alert for durationMs (it comes back by itself, as unacked if its condition is still active). */
  shelve(id: number, actor: Actor, durationMs: number, comment?: string): AlertView {
    if (!(durationMs > 0)) throw new RangeError('durationMs must be positive');
    return this.userAction(id, actor, 'shelve', 'alert.shelved', comment, (row, now) => {
      row.shelved_until = now + durationMs;
      row.shelved_by = actor.actor;
    });
  }

  unshelve(id: number, actor: Actor, comment?: string): AlertView {
    return this.userAction(id, actor, 'unshelve', 'alert.unshelved', comment);
  }

  /**
   * Put an asset in maintenance (every alert of it, and any raised meanwhile, is suppressed) until `until` or
   * until turned off; off returns each alert to unacked or normal. Idempotent.
   */
  setMaintenance(
    assetId: string,
    actor: Actor,
    opts: { on: boolean; until?: number; comment?: string },
  ): { maintenance: MaintenanceView | null; alerts: AlertView[] } {
    const now = this.clock.now();
    if (!opts.on) return this.endMaintenance(assetId, actor, byOf(actor), now, opts.comment);
    const previous = this.maintenance.get(assetId);
    const m: MaintenanceRow = {
      asset_id: assetId,
      since: previous?.since ?? now,
      until: opts.until ?? null,
      by: actor.actor,
      comment: opts.comment ?? null,
    };
    const changed: AlertRow[] = [];
    const from = new Map<number, AlertState>();
    this.db.transaction(() => {
      this.q.maintenanceUpsert.run(m);
      for (const row of this.rowsOfAsset(assetId)) {
        const before = row.state;
        if (this.apply(row, 'suppress', byOf(actor), now, opts.comment, false)) {
          changed.push(row);
          from.set(row.id, before);
        }
      }
    })();
    this.maintenance.set(assetId, m);
    this.audit.record(actor, {
      action: previous ? 'alert.maintenance-changed' : 'alert.maintenance-started',
      target: assetId,
      after: { until: m.until, suppressed: changed.map((r) => r.id) },
      detail: opts.comment,
    });
    for (const row of changed)
      this.bus.emit('alert.changed', {
        alert: toView(row),
        from: from.get(row.id)!,
        to: row.state,
        by: actor.actor,
      });
    return { maintenance: toMaintenance(m), alerts: changed.map(toView) };
  }

  // ── queries ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Newest first. */
  list(q: AlertQuery): AlertView[] {
    const { where, args } = whereOf([
      ['state = ?', q.state],
      ['active = ?', q.active === undefined ? undefined : q.active ? 1 : 0],
      ['severity = ?', q.severity],
      ['asset_id = ?', q.assetId],
      ['id < ?', q.beforeId],
    ]);
    const sql = `SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as AlertRow[]).map((r) => toView(this.adopt(r)));
  }

  /** One alert with every transition, oldest first. */
  get(id: number): (AlertView & { transitions: AlertTransitionView[] }) | undefined {
    const row = this.rowById(id);
    if (!row) return undefined;
    return {
      ...toView(row),
      transitions: (this.q.transitionsOf.all(id) as TransitionRow[]).map(toTransition),
    };
  }

  activeCount(): ActiveCounts {
    const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as ActiveCounts;
    out.total = 0;
    for (const { severity, n } of this.q.counts.all() as { severity: Severity; n: number }[]) {
      out[severity] = n;
      out.total += n;
    }
    out.unacked = this.q.unacked.get() as number;
    return out;
  }

  /** Keys of the alerts whose condition is active (the rules engine starts those instances active). */
  activeKeys(): string[] {
    return this.q.activeKeys.all() as string[];
  }

  inMaintenance(assetId: string): MaintenanceView | undefined {
    const m = this.maintenance.get(assetId);
    return m && toMaintenance(m);
  }

  maintenanceList(): MaintenanceView[] {
    return [...this.maintenance.values()]
      .sort((a, b) => a.asset_id.localeCompare(b.asset_id))
      .map(toMaintenance);
  }

  // ── inside ──────────────────────────────────────────────────────────────────────────────────────────────

  private rowByKey(key: string): AlertRow | null {
    let row = this.byKey.get(key);
    if (row === undefined) {
      row = (this.q.byKey.get(key) as AlertRow | undefined) ?? null;
      this.byKey.set(key, row);
    }
    return row;
  }

  /** The cached row is the live one: a row read again from the database is replaced by it. */
  private adopt(r: AlertRow): AlertRow {
    const cached = this.byKey.get(r.key);
    if (cached) return cached;
    this.byKey.set(r.key, r);
    return r;
  }

  private rowById(id: number): AlertRow | undefined {
    const r = this.q.byId.get(id) as AlertRow | undefined;
    return r && this.adopt(r);
  }

  private rowsOfAsset(assetId: string): AlertRow[] {
    return (this.q.byAsset.all(assetId) as AlertRow[]).map((r) => this.adopt(r));
  }

  private create(inst: AlertInstance, verdict: AlertVerdict, now: number): AlertRow {
    const info = this.q.insert.run({
      key: inst.key,
      rule_id: inst.ruleId,
      asset_id: inst.assetId,
      point_id: inst.pointId ?? null,
      severity: verdict.severity ?? inst.severity,
      priority: inst.priority,
      message: verdict.message,
      value: json(verdict.value),
      updated_at: now,
    });
    const row = this.q.byId.get(Number(info.lastInsertRowid)) as AlertRow;
    this.byKey.set(inst.key, row);
    return row;
  }

  private save(row: AlertRow, now: number): void {
    row.updated_at = now;
    this.q.update.run(row);
  }

  private record(
    row: AlertRow,
    from: AlertState,
    to: AlertState,
    event: TransitionEvent,
    by: By,
    now: number,
    comment?: string,
    value?: unknown,
  ): void {
    this.q.transition.run(row.id, now, from, to, event, by.actor, by.via, comment ?? null, json(value));
  }

  /** Flips of this instance within its chatter window, this one included. */
  private recordFlip(inst: AlertInstance, now: number): number {
    const since = now - inst.chatter.withinMs;
    const list = (this.flips.get(inst.key) ?? []).filter((t) => t > since);
    list.push(now);
    this.flips.set(inst.key, list);
    return list.length;
  }

  private quietSince(row: AlertRow, now: number): boolean {
    return (
      row.last_flip_at === null || row.flap_window_ms === null || now - row.last_flip_at >= row.flap_window_ms
    );
  }

  /** A new occurrence of the condition (also counted while shelved, suppressed or flapping). */
  private countOccurrence(row: AlertRow, now: number, count = true): void {
    if (count) row.occurrences++;
    row.raised_at = now;
    row.cleared_at = null;
    row.acked_at = null;
    row.acked_by = null;
    row.ack_comment = null;
  }

  /** activate or clear from the rules engine (row.active already updated). */
  private applyCondition(
    row: AlertRow,
    event: 'activate' | 'clear',
    by: By,
    now: number,
    value: unknown,
  ): void {
    const from = row.state;
    const r = transition(from, event, row.active === 1);
    if (!r.ok) return; // activate and clear are accepted in every state
    const hidden = from === 'shelved' || from === 'suppressed';
    const newOccurrence = event === 'activate' && (from === 'normal' || from === 'rtn-unacked' || hidden);
    if (newOccurrence) this.countOccurrence(row, now);
    if (event === 'clear') row.cleared_at = now;
    row.state = r.to;
    this.db.transaction(() => {
      this.save(row, now);
      if (r.to !== from) this.record(row, from, r.to, event, by, now, undefined, value);
    })();
    if (hidden || r.to === from) return; // remembered only: no notification
    if (event === 'activate') this.bus.emit('alert.raised', { alert: toView(row) });
    else this.bus.emit('alert.cleared', { alert: toView(row) });
  }

  /**
   * A state change that is not the condition's (suppress, unsuppress, unshelve by the timer). Returns whether
   * the state changed; emits alert.changed unless told not to (the caller batches).
   */
  private apply(
    row: AlertRow,
    event: AlertEvent,
    by: By,
    now: number,
    comment?: string,
    emit = true,
  ): boolean {
    const from = row.state;
    const r = transition(from, event, row.active === 1);
    if (!r.ok || r.to === from) return false;
    if (from === 'shelved') {
      row.shelved_until = null;
      row.shelved_by = null;
    }
    row.state = r.to;
    this.db.transaction(() => {
      this.save(row, now);
      this.record(row, from, r.to, event, by, now, comment);
    })();
    if (emit) this.settled(row, from, r.to, by.actor);
    return true;
  }

  /**
   * An alert comes out of a shelf, maintenance or flapping: besides alert.changed, tell the consumers of
   * raised/cleared (webhooks, automation) where it stands, since they heard nothing while it was hidden.
   */
  private settled(row: AlertRow, from: AlertState, to: AlertState, by: string): void {
    const alert = toView(row);
    this.bus.emit('alert.changed', { alert, from, to, by });
    if (row.active === 1 && to === 'unacked') this.bus.emit('alert.raised', { alert });
    else if (row.active === 0) this.bus.emit('alert.cleared', { alert });
  }

  private userAction(
    id: number,
    actor: Actor,
    action: UserAction,
    auditAction: string,
    comment: string | undefined,
    update?: (row: AlertRow, now: number) => void,
  ): AlertView {
    const row = this.rowById(id);
    if (!row) throw new AlertNotFoundError(id);
    const from = row.state;
    const r = transition(from, action, row.active === 1);
    if (!r.ok) {
      const allowed = r.allowed.filter(isUserAction);
      this.audit.record(actor, {
        action: auditAction,
        target: String(id),
        outcome: 'failed',
        detail: `refused in state ${from}; allowed: ${allowed.join(', ') || 'none'}`,
      });
      throw new AlertActionError(id, action, from, allowed);
    }
    const now = this.clock.now();
    if (from === 'shelved') {
      row.shelved_until = null;
      row.shelved_by = null;
    }
    row.state = r.to;
    update?.(row, now);
    this.db.transaction(() => {
      this.save(row, now);
      this.record(row, from, r.to, action, byOf(actor), now, comment);
    })();
    this.audit.record(actor, {
      action: auditAction,
      target: String(id),
      before: { state: from },
      after: { state: r.to, ...(row.shelved_until !== null ? { shelvedUntil: row.shelved_until } : {}) },
      detail: comment,
    });
    if (action === 'unshelve') this.settled(row, from, r.to, actor.actor);
    else this.bus.emit('alert.changed', { alert: toView(row), from, to: r.to, by: actor.actor });
    return toView(row);
  }

  private endMaintenance(
    assetId: string,
    actor: Actor,
    by: By,
    now: number,
    comment?: string,
  ): { maintenance: null; alerts: AlertView[] } {
    if (!this.maintenance.has(assetId)) return { maintenance: null, alerts: [] };
    const changed: AlertRow[] = [];
    this.db.transaction(() => {
      this.q.maintenanceDelete.run(assetId);
      for (const row of this.rowsOfAsset(assetId))
        if (this.apply(row, 'unsuppress', by, now, comment, false)) changed.push(row);
    })();
    this.maintenance.delete(assetId);
    this.audit.record(actor, {
      action: 'alert.maintenance-ended',
      target: assetId,
      after: { unsuppressed: changed.map((r) => r.id) },
      detail: comment,
    });
    for (const row of changed) this.settled(row, 'suppressed', row.state, by.actor);
    return { maintenance: null, alerts: changed.map(toView) };
  }

  /** Quiet for the chatter window: settle the state on the condition as it is now (recorded, one event). */
  private endFlapping(row: AlertRow, now: number): void {
    const from = row.state;
    const event = row.active === 1 ? 'activate' : 'clear';
    const r = transition(from, event, row.active === 1);
    const to = r.ok ? r.to : from;
    if (event === 'activate' && (from === 'normal' || from === 'rtn-unacked')) {
      this.countOccurrence(row, now, false); // counted while it flapped
    }
    if (event === 'clear' && to !== from) row.cleared_at = now;
    row.state = to;
    row.flapping = 0;
    this.flips.delete(row.key);
    this.db.transaction(() => {
      this.save(row, now);
      this.record(
        row,
        from,
        to,
        'flapping-ended',
        RULES,
        now,
        `quiet for ${Math.round((row.flap_window_ms ?? 0) / 1000)} s`,
      );
    })();
    this.log.info({ alert: row.id, key: row.key, state: to }, 'alert no longer flapping');
    this.settled(row, from, to, RULES.actor);
  }
}
