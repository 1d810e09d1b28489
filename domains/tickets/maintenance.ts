import { join } from 'node:path';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { ALWAYS_ON } from '../../core/time/business-time.js';
import { Schedule } from '../../core/time/schedule.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { Db } from '../../platform/db/database.js';
import type { Notifier } from '../../platform/notify/notifier.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { History } from '../../platform/storage/history.js';
import type { AlertService } from '../alerts/alert-service.js';
import { AlertTickets } from './alert-tickets.js';
import { equipmentFile } from './equipment-file.js';
import { PhotoStore } from './photo-store.js';
import { PlanScheduler } from './plan-scheduler.js';
import { SlaPolicy, SlaWatch } from './sla.js';
import { TicketPhotos } from './ticket-photos.js';
import { TicketService } from './ticket-service.js';
import { TicketStore } from './ticket-store.js';

/** Ticket events that reach people outside the dashboard; notes and repeats of an alert stay on the timeline. */
const NOTIFIED_EVENTS = new Set([
  'approve',
  'reject',
  'dispatch',
  'accept',
  'decline',
  'resolve',
  'rate',
  'close',
  'reopen',
  'cancel',
  'escalate',
]);

export interface Maintenance {
  tickets: TicketService;
  photos: TicketPhotos;
  plans: PlanScheduler;
  /** An asset's equipment file (设备档案). */
  equipmentFile(assetId: string): ReturnType<typeof equipmentFile>;
  start(): void;
  /** Time passes: SLA deadlines, unrated tickets, transient faults, calendar plans. */
  tick(now: number): void;
  stop(): void;
}

/** The maintenance domain (domains/tickets), wired: tickets, tickets from alerts, SLA timers, plans, photos, notifications. */
export function buildMaintenance(deps: {
  site: SiteModel;
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  users: UserStore;
  notifier: Notifier;
  history: () => History | undefined;
  ruleName: (ruleId: string) => string | undefined;
  /** For the equipment files: live points, alerts. */
  latest: LatestValues;
  alerts: AlertService;
}): Maintenance {
  const { site, bus, clock, log } = deps;
  const config = site.config.maintenance;
  const schedule = config.calendar && site.config.schedules.find((s) => s.id === config.calendar);
  const calendar = schedule ? new Schedule(schedule, site.site.timezone) : ALWAYS_ON;
  const store = new TicketStore(deps.db);
  const tickets = new TicketService(store, {
    site,
    config,
    sla: new SlaPolicy(config, calendar),
    users: deps.users,
    bus,
    clock,
    audit: deps.audit,
    log,
  });
  const fromAlerts = new AlertTickets(tickets, {
    config,
    site,
    bus,
    clock,
    log,
    history: deps.history,
    ruleName: deps.ruleName,
  });
  const watch = new SlaWatch(tickets, config);
  const plans = new PlanScheduler(tickets, { plans: config.plans, site, bus, clock, log });
  const photos = new TicketPhotos(
    tickets,
    new PhotoStore(join(site.hub.dataDir, 'photos'), config.photoMaxBytes),
    {
      limits: {
        perTicket: config.photosPerTicket,
        perUserPerDay: config.photosPerUserPerDay,
        totalBytes: config.photosMaxTotalBytes,
      },
      clock,
      timeZone: site.site.timezone,
      log,
    },
  );
  const files = { site, latest: deps.latest, alerts: deps.alerts, tickets, plans: config.plans, clock };

  const offs = [
    bus.on('ticket.created', ({ ticket }) =>
      deps.notifier.notify(
        { topic: 'ticket', event: 'created', subject: ticket, summary: ticket.title },
        config.notify,
      ),
    ),
    bus.on('ticket.changed', ({ ticket, event }) => {
      if (!NOTIFIED_EVENTS.has(event)) return;
      const ids =
        event === 'escalate' ? [...new Set([...config.notify, ...config.escalation.notify])] : config.notify;
      deps.notifier.notify({ topic: 'ticket', event, subject: ticket, summary: ticket.title }, ids);
    }),
  ];

  return {
    tickets,
    photos,
    plans,
    equipmentFile: (assetId) => equipmentFile(assetId, files),
    start() {
      fromAlerts.start();
      plans.start();
    },
    tick(now) {
      watch.tick(now);
      fromAlerts.tick(now);
      plans.tick(now);
    },
    stop() {
      for (const off of offs) off();
      fromAlerts.stop();
      plans.stop();
    },
  };
}
