import type { Db } from '../../platform/db/database.js';
import type { Override } from './rota.js';

/** Where an alert's escalation chain stands. */
export type EscalationState = 'running' | 'acknowledged' | 'cleared' | 'exhausted' | 'unrouted';

export interface EscalationRow {
  alert_id: number;
  team: string | null;
  severity: string;
  started_at: number;
  step: number;
  next_at: number | null;
  state: EscalationState;
  stopped_at: number | null;
  stopped_by: string | null;
  updated_at: number;
}

export interface NoticeView {
  step: number;
  target: string;
  username: string;
  ts: number;
  outcome: string;
  detail: string | null;
}

export interface DigestItem {
  id: number;
  username: string;
  alertId: number;
  severity: string;
  assetId: string;
  message: string;
  raisedAt: number;
}

interface OverrideRow {
  id: number;
  team: string;
  username: string;
  from_ts: number;
  to_ts: number;
  note: string | null;
  created_by: string;
  created_at: number;
}

const overrideOf = (r: OverrideRow): Override => ({
  id: r.id,
  team: r.team,
  username: r.username,
  from: r.from_ts,
  to: r.to_ts,
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** The on-call tables (migration 017): overrides, escalation chains and who they told, digests waiting. */
export class OncallStore {
  constructor(private readonly db: Db) {}

  // ── overrides ──

  /** Overrides that end after `since` (the ones that still matter), oldest first. */
  overrides(since = 0): Override[] {
    return (
      this.db
        .prepare('SELECT * FROM oncall_overrides WHERE to_ts > ? ORDER BY from_ts, id')
        .all(since) as OverrideRow[]
    ).map(overrideOf);
  }

  override(id: number): Override | undefined {
    const row = this.db.prepare('SELECT * FROM oncall_overrides WHERE id = ?').get(id) as
      | OverrideRow
      | undefined;
    return row && overrideOf(row);
  }

  addOverride(o: Omit<Override, 'id'> & { createdBy: string; createdAt: number }): Override {
    const { lastInsertRowid } = this.db
      .prepare(
        'INSERT INTO oncall_overrides (team, username, from_ts, to_ts, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(o.team, o.username, o.from, o.to, o.note ?? null, o.createdBy, o.createdAt);
    return this.override(Number(lastInsertRowid))!;
  }

  updateOverride(o: Override): void {
    this.db
      .prepare(
        'UPDATE oncall_overrides SET team = ?, username = ?, from_ts = ?, to_ts = ?, note = ? WHERE id = ?',
      )
      .run(o.team, o.username, o.from, o.to, o.note ?? null, o.id);
  }

  deleteOverride(id: number): boolean {
    return this.db.prepare('DELETE FROM oncall_overrides WHERE id = ?').run(id).changes > 0;
  }

  // ── escalations ──

  escalation(alertId: number): EscalationRow | undefined {
    return this.db.prepare('SELECT * FROM oncall_escalations WHERE alert_id = ?').get(alertId) as
      | EscalationRow
      | undefined;
  }

  /** A new chain for the alert's new occurrence (replacing the chain of an earlier one, and its notices). */
  startEscalation(row: EscalationRow): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM oncall_notices WHERE alert_id = ?').run(row.alert_id);
      this.db
        .prepare(
          `INSERT OR REPLACE INTO oncall_escalations
           (alert_id, team, severity, started_at, step, next_at, state, stopped_at, stopped_by, updated_at)
           VALUES (@alert_id, @team, @severity, @started_at, @step, @next_at, @state, @stopped_at, @stopped_by, @updated_at)`,
        )
        .run(row);
    })();
  }

  saveEscalation(row: EscalationRow): void {
    this.db
      .prepare(
        `UPDATE oncall_escalations SET step = @step, next_at = @next_at, state = @state, stopped_at = @stopped_at,
         stopped_by = @stopped_by, updated_at = @updated_at WHERE alert_id = @alert_id`,
      )
      .run(row);
  }

  /** Running chains whose next step is due, oldest due first. */
  due(now: number): EscalationRow[] {
    return this.db
      .prepare(
        "SELECT * FROM oncall_escalations WHERE state = 'running' AND next_at <= ? ORDER BY next_at, alert_id LIMIT 500",
      )
      .all(now) as EscalationRow[];
  }

  /** Chains in a state, newest first. */
  list(state: EscalationState, limit: number): EscalationRow[] {
    return this.db
      .prepare(
        'SELECT * FROM oncall_escalations WHERE state = ? ORDER BY started_at DESC, alert_id DESC LIMIT ?',
      )
      .all(state, limit) as EscalationRow[];
  }

  addNotice(alertId: number, n: NoticeView): void {
    this.db
      .prepare(
        'INSERT INTO oncall_notices (alert_id, step, target, username, ts, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(alertId, n.step, n.target, n.username, n.ts, n.outcome, n.detail);
  }

  notices(alertId: number): NoticeView[] {
    return this.db
      .prepare(
        'SELECT step, target, username, ts, outcome, detail FROM oncall_notices WHERE alert_id = ? ORDER BY id',
      )
      .all(alertId) as NoticeView[];
  }

  // ── digests ──

  addDigestItem(item: Omit<DigestItem, 'id'>): void {
    this.db
      .prepare(
        'INSERT INTO oncall_digest (username, alert_id, severity, asset_id, message, raised_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(item.username, item.alertId, item.severity, item.assetId, item.message, item.raisedAt);
  }

  /** Everything waiting, per person, oldest first. */
  digestWaiting(): Map<string, DigestItem[]> {
    const rows = this.db
      .prepare(
        `SELECT id, username, alert_id AS alertId, severity, asset_id AS assetId, message, raised_at AS raisedAt
         FROM oncall_digest WHERE sent_at IS NULL ORDER BY id LIMIT 10000`,
      )
      .all() as DigestItem[];
    const out = new Map<string, DigestItem[]>();
    for (const r of rows) out.set(r.username, [...(out.get(r.username) ?? []), r]);
    return out;
  }

  markDigestSent(ids: readonly number[], now: number): void {
    const stmt = this.db.prepare('UPDATE oncall_digest SET sent_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) stmt.run(now, id);
    })();
  }
}
