import type { EventBus } from '../../core/bus.js';
import { type AlertEvent, type AlertState, transition } from './alert-state.js';
import { type AlertRow, type AlertStore, type By, json, toAlertView } from './alert-store.js';
import type { AlertInstance, AlertVerdict, AlertView, TransitionEvent } from './alert-types.js';

export const RULES: By = { actor: 'system', via: 'rules' };
export const TIMER: By = { actor: 'system', via: 'timer' };

/**
 * The live alert rows and the one way they change: a transition of the table in alert-state.ts, stored
 * with its record and announced on the bus. The rows the rules engine touches are cached by key, so a
 * verdict that changes nothing costs no query; a row read again from the database is replaced by the
 * cached one, so there is only ever one live copy.
 */
export class AlertLifecycle {
  /** key → row (null: no alert yet for this rule instance). */
  private readonly byKey = new Map<string, AlertRow | null>();

  constructor(
    readonly store: AlertStore,
    private readonly bus: EventBus,
    /** What shelving or suppressing the alert takes (alert-policy.ts), for its public view. */
    private readonly permissionOf: (row: AlertRow) => AlertView['managePermission'],
  ) {}

  /** The public view of a row. */
  view(row: AlertRow): AlertView {
    return toAlertView(row, this.permissionOf(row));
  }

  rowByKey(key: string): AlertRow | null {
    let row = this.byKey.get(key);
    if (row === undefined) {
      row = this.store.byKey(key) ?? null;
      this.byKey.set(key, row);
    }
    return row;
  }

  rowById(id: number): AlertRow | undefined {
    const r = this.store.byId(id);
    return r && this.adopt(r);
  }

  rowsOfAsset(assetId: string): AlertRow[] {
    return this.store.byAsset(assetId).map((r) => this.adopt(r));
  }

  /** The cached row is the live one: a row read again from the database is replaced by it. */
  adopt(r: AlertRow): AlertRow {
    const cached = this.byKey.get(r.key);
    if (cached) return cached;
    this.byKey.set(r.key, r);
    return r;
  }

  /** The first activation of a rule instance: a new alert, still normal. */
  create(inst: AlertInstance, verdict: AlertVerdict, now: number): AlertRow {
    const row = this.store.insert({
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
    this.byKey.set(inst.key, row);
    return row;
  }

  save(row: AlertRow, now: number): void {
    row.updated_at = now;
    this.store.update(row);
  }

  /** Save the row and store the transition, in one SQLite transaction. */
  saveWith(
    row: AlertRow,
    t: { from: AlertState; to: AlertState; event: TransitionEvent; by: By; comment?: string },
    now: number,
    value?: unknown,
  ): void {
    this.store.transaction(() => {
      this.save(row, now);
      this.store.addTransition(row.id, { ...t, ts: now }, value);
    });
  }

  /** A new occurrence of the condition (also counted while shelved, suppressed or flapping). */
  countOccurrence(row: AlertRow, now: number, count = true): void {
    if (count) row.occurrences++;
    row.raised_at = now;
    row.cleared_at = null;
    row.acked_at = null;
    row.acked_by = null;
    row.ack_comment = null;
  }

  /** activate or clear from the rules engine (row.active already updated). */
  applyCondition(row: AlertRow, event: 'activate' | 'clear', by: By, now: number, value: unknown): void {
    const from = row.state;
    const r = transition(from, event, row.active === 1);
    if (!r.ok) return; // activate and clear are accepted in every state
    const hidden = from === 'shelved' || from === 'suppressed';
    const newOccurrence = event === 'activate' && (from === 'normal' || from === 'rtn-unacked' || hidden);
    if (newOccurrence) this.countOccurrence(row, now);
    if (event === 'clear') row.cleared_at = now;
    row.state = r.to;
    if (r.to !== from) this.saveWith(row, { from, to: r.to, event, by }, now, value);
    else this.save(row, now);
    if (hidden || r.to === from) return; // remembered only: no notification
    if (event === 'activate') this.bus.emit('alert.raised', { alert: this.view(row) });
    else this.bus.emit('alert.cleared', { alert: this.view(row) });
  }

  /**
   * A state change that is not the condition's (suppress, unsuppress, unshelve by the timer). Returns whether
   * the state changed; emits alert.changed unless told not to (the caller batches).
   */
  apply(row: AlertRow, event: AlertEvent, by: By, now: number, comment?: string, emit = true): boolean {
    const from = row.state;
    const r = transition(from, event, row.active === 1);
    if (!r.ok || r.to === from) return false;
    if (from === 'shelved') this.unshelved(row);
    row.state = r.to;
    this.saveWith(row, { from, to: r.to, event, by, comment }, now);
    if (emit) this.settled(row, from, r.to, by.actor);
    return true;
  }

  /** A shelf ends (by a person, the timer, or suppression that outranks it). */
  unshelved(row: AlertRow): void {
    row.shelved_until = null;
    row.shelved_by = null;
  }

  /**
   * An alert comes out of a shelf, an out-of-service window or flapping: besides alert.changed, tell the
   * consumers of raised/cleared (webhooks, automation) where it stands, since they heard nothing while it
   * was hidden.
   */
  settled(row: AlertRow, from: AlertState, to: AlertState, by: string): void {
    const alert = this.view(row);
    this.bus.emit('alert.changed', { alert, from, to, by });
    if (row.active === 1 && to === 'unacked') this.bus.emit('alert.raised', { alert });
    else if (row.active === 0) this.bus.emit('alert.cleared', { alert });
  }

  changed(row: AlertRow, from: AlertState, to: AlertState, by: string): void {
    this.bus.emit('alert.changed', { alert: this.view(row), from, to, by });
  }
}
