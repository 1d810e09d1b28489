import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { chooseStep, type History } from '../../platform/storage/history.js';
import type { AlertView } from '../alerts/alert-types.js';
import type { MaintenanceConfig } from './maintenance-schema.js';
import { alertTicketKey, HUB, type TicketService } from './ticket-service.js';
import { FINISHED_STATES, type TicketView, type TrendSnapshot } from './ticket-types.js';

const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;
const DAY_MS = 86_400_000;
/** Wait this long before reading the trend, so the last readings have reached storage. */
export const EVIDENCE_DELAY_MS = 3_000;
const MAX_TREND_POINTS = 8;
const AGG_OF_KIND = { measurement: 'mean', counter: 'last', state: 'max', command: 'last' } as const;

/**
 * Tickets from alerts. One unfinished ticket per (asset, rule): a repeat raises its occurrence count, a clear
 * adds a note (and, by policy, closes a ticket nobody has accepted yet once the fault has stayed away), and
 * a recurrence within `recurrenceDays` of the last ticket reopens or links it. Each new ticket keeps the
 * alert and a trend snapshot of its points around the event, from the History API.
 */
export class AlertTickets {
  private readonly policy: MaintenanceConfig['fromAlerts'];
  private readonly offs: (() => void)[] = [];
  private readonly timers = new Set<unknown>();

  constructor(
    private readonly tickets: TicketService,
    private readonly deps: {
      config: MaintenanceConfig;
      site: SiteModel;
      bus: EventBus;
      clock: Clock;
      log: Logger;
      history: () => History | undefined;
      ruleName: (ruleId: string) => string | undefined;
    },
  ) {
    this.policy = deps.config.fromAlerts;
  }

  start(): void {
    if (!this.policy.enabled) return;
    this.offs.push(
      this.deps.bus.on('alert.raised', (e) => this.raised(e.alert)),
      this.deps.bus.on('alert.cleared', (e) => this.cleared(e.alert)),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    for (const t of this.timers) this.deps.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** Whether this alert opens tickets at all. */
  wants(alert: AlertView): boolean {
    const p = this.policy;
    if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[p.minSeverity]) return false;
    if (p.rules && !p.rules.includes(alert.ruleId)) return false;
    return !p.exceptRules.includes(alert.ruleId);
  }

  /** Transient faults: close the tickets nobody took whose alert has stayed clear long enough. */
  tick(now: number): void {
    const minutes = this.policy.closeAfterClearMinutes;
    if (minutes === undefined) return;
    for (const t of this.tickets.store.inStatesSince(
      ['submitted', 'approved', 'dispatched'],
      'alert_cleared_at',
      now - minutes * 60_000,
    ))
      this.tickets.record(
        t.id,
        'close',
        { state: 'closed', closedAt: now, dedupeKey: null, resolution: 'cleared by itself' },
        `the alert stayed clear for ${minutes} min before anyone accepted the ticket (a transient fault)`,
      );
  }

  private raised(alert: AlertView): void {
    if (!this.wants(alert)) return;
    const key = alertTicketKey(alert.assetId, alert.ruleId);
    const open = this.tickets.store.byDedupeKey(key);
    if (open && open.state !== 'resolved') {
      this.tickets.record(
        open.id,
        'occurrence',
        { occurrences: open.occurrences + 1, alertId: alert.id, alertClearedAt: null },
        `alert raised again (${open.occurrences + 1} times): ${alert.message}`,
        { alertId: alert.id, value: alert.value },
      );
      return;
    }
    const last = open ?? this.tickets.store.lastFor(alert.assetId, alert.ruleId);
    const recurrence = last !== undefined && this.recent(last);
    if (
      recurrence &&
      this.policy.onRecurrence === 'reopen' &&
      (last.state === 'resolved' || last.state === 'closed')
    ) {
      this.tickets.act(last.id, 'reopen', HUB, {
        comment: `the fault came back within ${this.policy.recurrenceDays} days: ${alert.message}`,
      });
      this.tickets.update(last.id, {
        occurrences: last.occurrences + 1,
        alertId: alert.id,
        alertClearedAt: null,
        dedupeKey: key,
      });
      return;
    }
    if (open) this.tickets.update(open.id, { dedupeKey: null }); // a new ticket takes over the fault
    this.open(alert, key, recurrence ? last.id : undefined);
  }

  private cleared(alert: AlertView): void {
    if (!this.wants(alert)) return;
    const open = this.tickets.store.byDedupeKey(alertTicketKey(alert.assetId, alert.ruleId));
    if (!open || FINISHED_STATES.includes(open.state)) return;
    this.tickets.record(
      open.id,
      'alert-cleared',
      { alertClearedAt: this.deps.clock.now() },
      `alert cleared: ${alert.message}`,
      {
        alertId: alert.id,
        value: alert.value,
      },
    );
  }

  /** Resolved or finished within the recurrence window. */
  private recent(t: TicketView): boolean {
    const end = t.resolvedAt ?? t.closedAt;
    return end !== null && end >= this.deps.clock.now() - this.policy.recurrenceDays * DAY_MS;
  }

  private open(alert: AlertView, key: string, linkedTicketId?: number): void {
    const asset = this.deps.site.assetById.get(alert.assetId);
    const what = this.deps.ruleName(alert.ruleId) ?? alert.ruleId;
    const ticket = this.tickets.create(
      {
        kind: 'fault',
        source: 'alert',
        title: `${asset?.name ?? alert.assetId}: ${what}`,
        description: alert.message,
        assetId: asset ? alert.assetId : undefined,
        location: asset ? undefined : alert.assetId,
        // a fault code's own severity may be above the rule's: the more urgent wins
        priority: Math.min(alert.priority, 5 - SEVERITY_RANK[alert.severity]),
        ruleId: alert.ruleId,
        alertId: alert.id,
        dedupeKey: key,
        linkedTicketId,
        preApproved: this.policy.skipApproval,
      },
      HUB,
    );
    this.tickets.store.putEvidence(ticket.id, alert, null, null, null);
    const timer = this.deps.clock.setTimeout(() => {
      this.timers.delete(timer);
      void this.captureTrend(ticket.id, alert);
    }, EVIDENCE_DELAY_MS);
    this.timers.add(timer);
  }

  /** The involved points' trend from `trendMinutes` before the raise to now, kept with the ticket. */
  private async captureTrend(ticketId: number, alert: AlertView): Promise<void> {
    const { site, clock, log } = this.deps;
    const to = clock.now();
    const from = (alert.raisedAt ?? to) - this.policy.trendMinutes * 60_000;
    const points = (
      alert.pointId
        ? [site.pointById.get(alert.pointId)]
        : (site.pointsByAsset.get(alert.assetId) ?? []).filter((p) => p.type === 'number')
    )
      .filter((p) => p !== undefined)
      .slice(0, MAX_TREND_POINTS);
    const history = this.deps.history();
    let trend: TrendSnapshot | null = null;
    let error: string | null = null;
    if (!history) error = 'no history: storage is off';
    else if (!points.length) error = 'the alert names no numeric point';
    else {
      const stepMs = chooseStep(from, to, 300);
      try {
        // per point, by its kind: measurements averaged, counters' last value, states (fault codes,
        // on/off) their highest in the step so a short fault still shows
        const results = await Promise.all(
          points.map((p) => history.series({ pointIds: [p.id], from, to, stepMs, agg: AGG_OF_KIND[p.kind] })),
        );
        trend = {
          from,
          to,
          stepMs,
          series: results.flatMap((r) =>
            r.series.map((x) => ({
              pointId: x.pointId,
              unit: site.pointById.get(x.pointId)?.unit ?? '',
              values: x.values,
            })),
          ),
        };
      } catch (err) {
        error = `history query failed: ${(err as Error).message}`;
        log.warn({ err, ticket: ticketId }, 'trend snapshot for a ticket failed');
      }
    }
    try {
      this.tickets.store.putEvidence(ticketId, alert, trend, error, clock.now());
    } catch (err) {
      // the hub may be stopping (database closed)
      log.debug({ err, ticket: ticketId }, 'trend snapshot not stored');
    }
  }
}
