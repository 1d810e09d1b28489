import { addBusinessTime, type BusinessCalendar } from '../../core/time/business-time.js';
import type { MaintenanceConfig } from './maintenance-schema.js';
import type { TicketService } from './ticket-service.js';
import type { TicketView } from './ticket-types.js';

/** Response and resolution targets by priority, counted in business time (maintenance.calendar). */
export class SlaPolicy {
  private readonly targets: Map<number, { respondMinutes: number; resolveMinutes: number }>;

  constructor(
    config: MaintenanceConfig,
    readonly calendar: BusinessCalendar,
  ) {
    this.targets = new Map(config.sla.map((t) => [t.priority, t]));
  }

  /** The deadlines of a ticket of this priority submitted (or reopened) at `from`; null where no target. */
  deadlines(priority: number, from: number): { respondDueAt: number | null; resolveDueAt: number | null } {
    const t = this.targets.get(priority);
    if (!t) return { respondDueAt: null, resolveDueAt: null };
    return {
      respondDueAt: addBusinessTime(this.calendar, from, t.respondMinutes * 60_000),
      resolveDueAt: addBusinessTime(this.calendar, from, t.resolveMinutes * 60_000),
    };
  }
}

/**
 * Time-driven steps, run from the hub's tick. Deadlines live in the tickets' rows, so a restart loses
 * none: whatever fell due while the hub was down is escalated at the first tick.
 * - A response or resolution deadline passes: the breach is recorded, the ticket escalated (priority raised
 *   by one step if the policy says so) and the supervisors told.
 * - A resolved ticket nobody rated or closed is closed after `autoCloseResolvedDays`.
 */
export class SlaWatch {
  constructor(
    private readonly tickets: TicketService,
    private readonly config: MaintenanceConfig,
  ) {}

  tick(now: number): void {
    for (const t of this.tickets.store.dueBreaches(now)) this.escalate(t, now);
    const unrated = now - this.config.autoCloseResolvedDays * 86_400_000;
    for (const t of this.tickets.store.inStatesSince(['resolved'], 'resolved_at', unrated))
      this.tickets.record(
        t.id,
        'close',
        { state: 'closed', closedAt: now, dedupeKey: null },
        'closed unrated',
        {
          afterDays: this.config.autoCloseResolvedDays,
        },
      );
  }

  private escalate(t: TicketView, now: number): void {
    const response =
      t.respondBreachedAt === null &&
      t.acceptedAt === null &&
      t.respondDueAt !== null &&
      t.respondDueAt <= now;
    const resolution =
      t.resolveBreachedAt === null &&
      t.resolvedAt === null &&
      t.resolveDueAt !== null &&
      t.resolveDueAt <= now;
    if (!response && !resolution) return;
    const priority = this.config.escalation.raisePriority ? Math.max(1, t.priority - 1) : t.priority;
    const targets = [response && 'response', resolution && 'resolution'].filter(Boolean) as string[];
    this.tickets.record(
      t.id,
      'escalate',
      {
        ...(response ? { respondBreachedAt: now } : {}),
        ...(resolution ? { resolveBreachedAt: now } : {}),
        priority,
      },
      `${targets.join(' and ')} target missed`,
      {
        targets,
        respondDueAt: t.respondDueAt,
        resolveDueAt: t.resolveDueAt,
        priority: { from: t.priority, to: priority },
      },
    );
  }
}
