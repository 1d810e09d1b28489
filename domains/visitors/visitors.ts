import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';
import { Schedule } from '../../core/time/schedule.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { Db } from '../../platform/db/database.js';
import type { Notifier } from '../../platform/notify/notifier.js';
import type { PeopleNotifier } from '../../platform/people/people-types.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { AlertService } from '../alerts/alert-service.js';
import { AllowListPublisher } from './allow-list.js';
import { wireGateAlerts } from './gate-alerts.js';
import { GateReports } from './gate-reports.js';
import { GateService, visitorGates } from './gate-service.js';
import { GateStore } from './gate-store.js';
import { PassService } from './pass-service.js';
import { PassSlips } from './pass-slip.js';
import { PassStore } from './pass-store.js';
import { loadVisitorKey } from './privacy.js';
import { SelfService } from './self-service.js';
import { VisitorStatsService } from './visitor-stats.js';
import { VisitorStatsStore } from './visitor-stats-store.js';

export interface Visitors {
  passes: PassService;
  gates: GateService;
  gateStore: GateStore;
  /** Gate states, occupancy, traffic, the allow-list keys. */
  reports: GateReports;
  allowList: AllowListPublisher;
  /** The printable slip of an approved pass (PDF and print view). */
  slips: PassSlips;
  /** Entry statistics and the desk's today list. */
  stats: VisitorStatsService;
  /** The public registration page's service (visitors.selfService). */
  selfService: SelfService;
  /** Hashes codes, IDs, phones and badges; signs approval links and allow-lists. */
  key: Buffer;
  /** Gates start answering; allow-lists go out. */
  start(): void;
  stop(): void;
}

/** The visitors domain (domains/visitors), wired: the key, passes, and the hosts' notifications. */
export function buildVisitors(deps: {
  site: SiteModel;
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  users: UserStore;
  notifier: Notifier;
  alerts: AlertService;
  /** The one door to devices: decisions and allow-lists go out through the supervisor. */
  send(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  /** A device's link state (online, offline, unknown), for the gate summaries. */
  deviceState(deviceId: string): string;
  env?: NodeJS.ProcessEnv;
  /** Personal messages (platform/people): a self-registered visitor is told their code through it. */
  people?: () => PeopleNotifier | undefined;
}): Visitors {
  const { site, bus, notifier } = deps;
  const config = site.config.visitors;
  const gateList = visitorGates(site, config);
  const key = loadVisitorKey(site.hub.dataDir, config.secretEnv, deps.env);
  // set just below: the pass service's onIssued hands the code to it
  let selfService: SelfService | undefined;
  const passes = new PassService(new PassStore(deps.db), {
    config,
    gates: new Set(gateList.map((g) => g.id)),
    key,
    users: deps.users,
    bus,
    clock: deps.clock,
    audit: deps.audit,
    log: deps.log,
    // The code reaches the notify actions once (e.g. a webhook that texts the visitor); it is stored nowhere.
    onIssued: (issued) => {
      const { pass, code, qr } = issued;
      notifier.notify(
        {
          topic: 'visitor',
          event: 'approved',
          subject: { ...pass, code, qr },
          summary: `Visitor ${pass.visitorName} for ${pass.host}: pass approved`,
        },
        config.notify,
      );
      selfService?.issued(issued);
    },
  });
  selfService = new SelfService({
    passes,
    config,
    users: deps.users,
    key,
    db: deps.db,
    clock: deps.clock,
    timeZone: site.site.timezone,
    log: deps.log,
    people: deps.people ?? (() => undefined),
  });
  const kiosk = selfService;

  const offs = [
    // a self-registered visitor's contact is kept only until the pass is settled
    bus.on('pass.decided', ({ pass }) => kiosk.settled(pass)),
    bus.on('pass.revoked', ({ pass }) => kiosk.settled(pass)),
    bus.on('pass.requested', ({ pass }) => {
      const link = passes.approvalLink(pass);
      notifier.notify(
        {
          topic: 'visitor',
          event: 'requested',
          subject: {
            ...pass,
            ...(link.url ? { approvalUrl: link.url, approvalExpiresAt: link.expiresAt } : {}),
          },
          summary: `Visitor ${pass.visitorName} for ${pass.host}: approve or decline`,
        },
        config.notify,
      );
    }),
    bus.on('pass.decided', ({ pass }) => {
      // approvals are told by onIssued, with the code
      if (pass.state === 'declined')
        notifier.notify(
          {
            topic: 'visitor',
            event: 'declined',
            subject: { ...pass },
            summary: `Visitor ${pass.visitorName} for ${pass.host}: declined`,
          },
          config.notify,
        );
    }),
    bus.on('pass.revoked', ({ pass }) =>
      notifier.notify(
        {
          topic: 'visitor',
          event: pass.state,
          subject: { ...pass },
          summary: `Visitor ${pass.visitorName} for ${pass.host}: pass ${pass.state}`,
        },
        config.notify,
      ),
    ),
  ];

  const calendars = new Map(site.config.schedules.map((s) => [s.id, new Schedule(s, site.site.timezone)]));
  const gateStore = new GateStore(deps.db);
  const gates = new GateService(gateStore, {
    site,
    config,
    key,
    bus,
    clock: deps.clock,
    log: deps.log,
    calendars,
    audit: deps.audit,
    gates: gateList,
    send: (assetId, channel, payload) => deps.send(assetId, channel, payload),
  });
  const allowList = new AllowListPublisher(gateStore, {
    gates: gateList,
    key,
    config,
    // site-file badges are known in clear: each gate's list carries those of its zones
    badgesFor: (gate) =>
      config.staff
        .filter((b) => b.zones.some((z) => zoneSubtree(site.zones, z).has(gate.zone)))
        .map((b) => b.badge),
    clock: deps.clock,
    log: deps.log,
    send: (assetId, channel, payload, opts) => deps.send(assetId, channel, payload, opts),
  });
  offs.push(
    bus.on('pass.decided', () => allowList.changed()),
    bus.on('pass.revoked', () => allowList.changed()),
    // a gate link (re)connected: its controllers get the current list now, not at the next refresh
    bus.on('link.changed', (e) => {
      if (e.state === 'up') allowList.changed();
    }),
    wireGateAlerts({ bus, clock: deps.clock, alerts: deps.alerts, config }),
  );

  const reports = new GateReports({
    gates,
    store: gateStore,
    site,
    key,
    clock: deps.clock,
    audit: deps.audit,
    deviceState: deps.deviceState,
  });

  const slips = new PassSlips({ passes, key, site, users: deps.users, clock: deps.clock, audit: deps.audit });
  const stats = new VisitorStatsService({
    site,
    gates: gateStore,
    store: new VisitorStatsStore(deps.db),
    passes,
    gateIds: gateList.map((g) => g.id),
    clock: deps.clock,
    lookbackMs: (config.pass.maxDays + 1) * 86_400_000,
  });

  let sweepTimer: unknown;
  return {
    passes,
    gates,
    gateStore,
    reports,
    allowList,
    slips,
    stats,
    selfService: kiosk,
    key,
    start() {
      gates.start();
      allowList.start();
      kiosk.sweep(deps.clock.now());
      sweepTimer = deps.clock.setInterval(() => kiosk.sweep(deps.clock.now()), 15 * 60_000);
    },
    stop() {
      deps.clock.clearInterval(sweepTimer);
      for (const off of offs) off();
      gates.stop();
      allowList.stop();
    },
  };
}
