import { type ActingPerson, type Actor, personActor, SYSTEM } from '../../core/actor.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { type AlertLifecycle, TIMER } from './alert-lifecycle.js';
import type { AlertPolicy } from './alert-policy.js';
import type { AlertState } from './alert-state.js';
import { type AlertRow, type By, type OutOfServiceRow, toOutOfServiceView } from './alert-store.js';
import type { AlertView, OutOfServiceView } from './alert-types.js';

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
 * normal. Every window ends, at most `alerts.maxOutOfServiceHours` ahead; a gate's needs `alerts:security`
 * (alert-policy.ts). The windows are few: all are kept in memory, and stored (in the `maintenance` table, its
 * name from before tickets) so they survive a restart. Audited under the `alert.maintenance-*` actions the
 * log has always used.
 */
export class OutOfService {
  private readonly windows = new Map<string, OutOfServiceRow>();

  constructor(
    private readonly life: AlertLifecycle,
    private readonly audit: AuditLog,
    private readonly policy: AlertPolicy,
    now: number,
  ) {
    for (const w of life.store.outOfServiceWindows()) {
      const latest = now + policy.maxOutOfServiceMs;
      if (w.until !== null && w.until <= latest) {
        this.windows.set(w.asset_id, { ...w, until: w.until });
        continue;
      }
      // Set before every window had to end (or before the maximum was lowered): it ends at the latest
      // allowed from now, so nobody finds the asset back in service without warning.
      const capped: OutOfServiceRow = { ...w, until: latest };
      life.store.putOutOfService(capped);
      this.windows.set(w.asset_id, capped);
      this.audit.record(SYSTEM, {
        action: 'alert.maintenance-changed',
        target: w.asset_id,
        before: { until: w.until },
        after: { until: latest },
        detail: 'given an end: out-of-service windows end at most alerts.maxOutOfServiceHours ahead',
      });
    }
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

  /** Take an asset out of service until `until`, or change its window. Idempotent. */
  begin(
    assetId: string,
    person: ActingPerson,
    opts: { until?: number; comment?: string },
    now: number,
  ): OutOfServiceChange {
    const previous = this.windows.get(assetId);
    const action = previous ? 'alert.maintenance-changed' : 'alert.maintenance-started';
    this.policy.require(person, this.policy.forAsset(assetId), {
      action,
      target: assetId,
      what: `taking ${assetId} out of service`,
    });
    const until = this.policy.checkUntil(opts.until, now);
    const actor = personActor(person);
    const w: OutOfServiceRow = {
      asset_id: assetId,
      since: previous?.since ?? now,
      until,
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
      action,
      target: assetId,
      after: { until: w.until, suppressed: changed.map((r) => r.id) },
      detail: opts.comment,
    });
    for (const row of changed) this.life.changed(row, from.get(row.id)!, row.state, actor.actor);
    return { window: toOutOfServiceView(w), alerts: changed.map((r) => this.life.view(r)) };
  }

  /** A person returns an asset to service: its alerts leave suppression. Nothing happens if it was in service. */
  endBy(assetId: string, person: ActingPerson, now: number, comment?: string): OutOfServiceChange {
    if (!this.windows.has(assetId)) return { window: null, alerts: [] };
    this.policy.require(person, this.policy.forAsset(assetId), {
      action: 'alert.maintenance-ended',
      target: assetId,
      what: `returning ${assetId} to service`,
    });
    const actor = personActor(person);
    return this.end(assetId, actor, now, comment, byOf(actor));
  }

  /** Windows whose `until` has come end by themselves. */
  expire(now: number): void {
    for (const w of [...this.windows.values()])
      if (w.until <= now) this.end(w.asset_id, SYSTEM, now, 'expired', TIMER);
  }

  private end(assetId: string, actor: Actor, now: number, comment: string | undefined, by: By) {
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
    return { window: null, alerts: changed.map((r) => this.life.view(r)) };
  }
}
