import type { Actor } from '../../core/actor.js';
import { invalid } from '../../core/errors.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { type AlertLifecycle, TIMER } from './alert-lifecycle.js';
import type { AlertState } from './alert-state.js';
import {
  type AlertRow,
  type By,
  type OutOfServiceRow,
  toAlertView,
  toOutOfServiceView,
} from './alert-store.js';
import type { AlertView, OutOfServiceView } from './alert-types.js';

const TIMER_ACTOR: Actor = { actor: 'system', via: 'system' };
const byOf = (a: Actor): By => ({ actor: a.actor, via: a.via });

/** What taking an asset out of service, or returning it, did. */
export interface OutOfServiceChange {
  /** The window now (null: the asset is in service). */
  window: OutOfServiceView | null;
  /** The alerts whose state changed (suppressed, or back to unacked or normal). */
  alerts: AlertView[];
}

/**
 * Assets out of service (ISA-18.2 out-of-service suppression): while an asset is, every alert of it, and any
 * raised meanwhile, is suppressed; when the window ends (at `until`, or by hand) each returns to unacked or
 * normal. The windows are few: all are kept in memory, and stored (in the `maintenance` table, its name from
 * before tickets) so they survive a restart. Audited under the `alert.maintenance-*` actions the log has
 * always used.
 */
export class OutOfService {
  private readonly windows = new Map<string, OutOfServiceRow>();

  constructor(
    private readonly life: AlertLifecycle,
    private readonly audit: AuditLog,
  ) {
    for (const w of life.store.outOfServiceWindows()) this.windows.set(w.asset_id, w);
  }

  has(assetId: string): boolean {
    return this.windows.has(assetId);
  }

  get(assetId: string): OutOfServiceView | undefined {
    const w = this.windows.get(assetId);
    return w && toOutOfServiceView(w);
  }

  list(): OutOfServiceView[] {
    return [...this.windows.values()]
      .sort((a, b) => a.asset_id.localeCompare(b.asset_id))
      .map(toOutOfServiceView);
  }

  /** Take an asset out of service until `until` (or until returned), or change its window. Idempotent. */
  begin(
    assetId: string,
    actor: Actor,
    opts: { until?: number; comment?: string },
    now: number,
  ): OutOfServiceChange {
    if (opts.until !== undefined && opts.until <= now) throw invalid('until is in the past');
    const previous = this.windows.get(assetId);
    const w: OutOfServiceRow = {
      asset_id: assetId,
      since: previous?.since ?? now,
      until: opts.until ?? null,
      by: actor.actor,
      comment: opts.comment ?? null,
    };
    const changed: AlertRow[] = [];
    const from = new Map<number, AlertState>();
    this.life.store.transaction(() => {
      this.life.store.putOutOfService(w);
      for (const row of this.life.rowsOfAsset(assetId)) {
        const before = row.state;
        if (this.life.apply(row, 'suppress', byOf(actor), now, opts.comment, false)) {
          changed.push(row);
          from.set(row.id, before);
        }
      }
    });
    this.windows.set(assetId, w);
    this.audit.record(actor, {
      action: previous ? 'alert.maintenance-changed' : 'alert.maintenance-started',
      target: assetId,
      after: { until: w.until, suppressed: changed.map((r) => r.id) },
      detail: opts.comment,
    });
    for (const row of changed) this.life.changed(row, from.get(row.id)!, row.state, actor.actor);
    return { window: toOutOfServiceView(w), alerts: changed.map(toAlertView) };
  }

  /** Return an asset to service: its alerts leave suppression. Nothing happens if it was in service. */
  end(
    assetId: string,
    actor: Actor,
    now: number,
    comment?: string,
    by: By = byOf(actor),
  ): OutOfServiceChange {
    if (!this.windows.has(assetId)) return { window: null, alerts: [] };
    const changed: AlertRow[] = [];
    this.life.store.transaction(() => {
      this.life.store.deleteOutOfService(assetId);
      for (const row of this.life.rowsOfAsset(assetId))
        if (this.life.apply(row, 'unsuppress', by, now, comment, false)) changed.push(row);
    });
    this.windows.delete(assetId);
    this.audit.record(actor, {
      action: 'alert.maintenance-ended',
      target: assetId,
      after: { unsuppressed: changed.map((r) => r.id) },
      detail: comment,
    });
    for (const row of changed) this.life.settled(row, 'suppressed', row.state, by.actor);
    return { window: null, alerts: changed.map(toAlertView) };
  }

  /** Windows whose `until` has come end by themselves. */
  expire(now: number): void {
    for (const w of [...this.windows.values()])
      if (w.until !== null && w.until <= now) this.end(w.asset_id, TIMER_ACTOR, now, 'expired', TIMER);
  }
}
