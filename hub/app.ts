import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { adapterFactories } from '../adapters/index.js';
import { SYSTEM } from '../core/actor.js';
import { EventBus } from '../core/bus.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { BackoffOptions } from '../core/devices/backoff.js';
import { CommandService } from '../core/devices/command-service.js';
import type { DriverFactory } from '../core/devices/driver.js';
import { Pipeline } from '../core/devices/pipeline.js';
import { Supervisor } from '../core/devices/supervisor.js';
import { pointTransforms } from '../core/devices/transform.js';
import { LatestValues } from '../core/latest-values.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { SiteModel } from '../core/model/site-model.js';
import { AlertService } from '../domains/alerts/alert-service.js';
import { SYSTEM_RULE_NAMES, wireSystemAlerts } from '../domains/alerts/system-alerts.js';
import { ControlStore } from '../domains/control/control-store.js';
import { DemandService } from '../domains/control/demand-service.js';
import { DemandStore } from '../domains/control/demand-store.js';
import { OccupancyService } from '../domains/control/occupancy-service.js';
import { OptimumStart } from '../domains/control/optimum-start.js';
import { PriorityArrays } from '../domains/control/priority-array.js';
import { SceneService } from '../domains/control/scene-service.js';
import { SceneStore } from '../domains/control/scene-store.js';
import { ScheduleEngine } from '../domains/control/schedule-engine.js';
import { ScheduleService } from '../domains/control/schedule-service.js';
import { ControlItemStore } from '../domains/control/schedule-store.js';
import { EnergyOverview } from '../domains/energy/energy-overview.js';
import { EnergyService } from '../domains/energy/energy-service.js';
import { EdgeCommands } from '../domains/fleet/edge-commands.js';
import { EdgeNode } from '../domains/fleet/edge-node.js';
import { FleetHistory } from '../domains/fleet/fleet-history.js';
import { FleetHost } from '../domains/fleet/host-app.js';
import { buildOncall } from '../domains/people/oncall.js';
import { wireTicketRouting } from '../domains/people/ticket-routing.js';
import { wireVisitorRouting } from '../domains/people/visitor-routing.js';
import { wireAlertActions } from '../domains/rules/alert-actions.js';
import { CommandActions } from '../domains/rules/command-action.js';
import { RuleEngine } from '../domains/rules/rule-engine.js';
import { RuleService, storedRules } from '../domains/rules/rule-service.js';
import { RuleStore } from '../domains/rules/rule-store.js';
import { buildMaintenance } from '../domains/tickets/maintenance.js';
import { GATE_RULE_NAMES } from '../domains/visitors/gate-alerts.js';
import { buildVisitors } from '../domains/visitors/visitors.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { recordSiteVersion } from '../platform/audit/site-history.js';
import { openDatabase } from '../platform/db/database.js';
import { writeBatchOf } from '../platform/db/write-batch.js';
import { DeliveryLog } from '../platform/notify/delivery-log.js';
import { Notifier } from '../platform/notify/notifier.js';
import { PersonNotifier } from '../platform/people/person-notifier.js';
import { ProfileService } from '../platform/people/profile-service.js';
import { ProfileStore } from '../platform/people/profile-store.js';
import { AuthService } from '../platform/security/auth-service.js';
import { DeviceCredentialStore } from '../platform/security/device-credentials.js';
import type { ScryptCost } from '../platform/security/password-hasher.js';
import { CounterEventLog } from '../platform/storage/counter-events.js';
import { influxClient } from '../platform/storage/influx-setup.js';
import { StorageService } from '../platform/storage/storage-service.js';
import type { RouteAccess } from './api/access.js';
import { alertRoutes } from './api/alert-routes.js';
import { assetLabelRoutes } from './api/asset-label-routes.js';
import { auditRoutes } from './api/audit-routes.js';
import { authRoutes } from './api/auth-routes.js';
import { commandRoutes } from './api/command-routes.js';
import { controlRoutes } from './api/control-routes.js';
import { controlSceneRoutes } from './api/control-scene-routes.js';
import { controlScheduleRoutes } from './api/control-schedule-routes.js';
import { deviceRoutes } from './api/device-routes.js';
import { energyRoutes } from './api/energy-routes.js';
import { exportRoutes } from './api/export-routes.js';
import { fleetCommandRoutes } from './api/fleet-command-routes.js';
import { fleetRoutes } from './api/fleet-routes.js';
import { gateRoutes } from './api/gate-routes.js';
import { healthRoutes } from './api/health-routes.js';
import { historyRoutes } from './api/history-routes.js';
import { createHttpServer, serveDashboard } from './api/http-server.js';
import { kioskRoutes } from './api/kiosk-routes.js';
import { notificationRoutes } from './api/notification-routes.js';
import { oncallRoutes } from './api/oncall-routes.js';
import { opcuaCertificateRoutes } from './api/opcua-certificate-routes.js';
import { profileRoutes } from './api/profile-routes.js';
import { ruleRoutes } from './api/rule-routes.js';
import { siteRoutes } from './api/site-routes.js';
import { slipRoutes } from './api/slip-routes.js';
import { ticketRoutes } from './api/ticket-routes.js';
import { tokenRoutes } from './api/token-routes.js';
import { userRoutes } from './api/user-routes.js';
import { visitorRoutes } from './api/visitor-routes.js';
import { visitorStatsRoutes } from './api/visitor-stats-routes.js';
import { ControlActivityRecorder } from './control-activity.js';
import { siteSummarySource } from './fleet-summary.js';
import { hubVersion } from './hub-version.js';
import { LiveGateway } from './live/live-gateway.js';
import type { HubServices } from './services.js';
import { HttpsCertificate } from './tls/https-certificate.js';
import { HttpsRedirect } from './tls/https-redirect.js';

export interface HubOptions {
  site: SiteModel;
  log?: Logger;
  clock?: Clock;
  factories?: ReadonlyMap<string, DriverFactory>;
  backoff?: BackoffOptions;
  /** Serve the live gateway (socket.io); off for tests that only inject HTTP. */
  live?: boolean;
  /** The first admin, created on the first start only (HUB_ADMIN_USERNAME, HUB_ADMIN_PASSWORD). */
  admin?: { username?: string; password?: string };
  /** Password hashing cost; tests lower it. */
  passwordCost?: ScryptCost;
  /**
   * Tell people about tickets and visitors (domains/people routing); default true. The demo's history hub
   * turns it off: its generated past is nobody's news.
   */
  personalNotifications?: boolean;
}

export interface Hub extends HubServices {
  http: FastifyInstance;
  log: Logger;
  /** Every route with the access it declares (the route × role test walks it). */
  routes: readonly RouteAccess[];
  /** Set by start() when it created the first admin with a generated password: print it once. */
  firstAdmin?: { username: string; generatedPassword?: string };
  /** With hub.http.tls: the certificate served (reload() on SIGHUP). */
  tls?: HttpsCertificate;
  /** Listen on HTTP(S) (and the redirect port) and connect every link. Returns the dashboard URL. */
  start(): Promise<string>;
  /** Close links, then the HTTP server; flushes the pipeline. */
  stop(): Promise<void>;
}

/**
 * Wire the hub together. Opens (and migrates) the state database in the data dir; nothing listens and no
 * device is contacted until start(). A TLS certificate or key that cannot be used rejects with a TlsFileError
 * before anything is opened.
 */
export async function buildHub(opts: HubOptions): Promise<Hub> {
  const { site } = opts;
  const log = opts.log ?? createLogger(site.hub.logLevel);
  const clock = opts.clock ?? systemClock;
  const tlsSettings = site.hub.http.tls;
  const tls = tlsSettings
    ? await HttpsCertificate.open(tlsSettings, site.hub.dataDir, log.child({ component: 'tls' }))
    : undefined;
  const redirect =
    tlsSettings?.redirectHttpPort !== undefined
      ? new HttpsRedirect({
          host: site.hub.http.host,
          port: tlsSettings.redirectHttpPort,
          log: log.child({ component: 'http' }),
        })
      : undefined;
  const bus = new EventBus(log.child({ component: 'bus' }));
  const db = openDatabase(site.hub.dataDir, log.child({ component: 'db' }));
  // group commit of the audit log's and the priority arrays' rows (one transaction per turn of the event loop)
  const batch = writeBatchOf(db);
  const audit = new AuditLog(db, () => clock.now(), { batch });
  const auth = new AuthService(
    db,
    site.hub.auth,
    clock,
    audit,
    bus,
    log.child({ component: 'auth' }),
    opts.passwordCost,
  );
  const deviceCredentials = new DeviceCredentialStore(db, site, clock, audit);
  const factories = opts.factories ?? adapterFactories;
  const transforms = pointTransforms(site, factories);
  const pipeline = new Pipeline(site, bus, clock, log.child({ component: 'pipeline' }), transforms);
  const latest = new LatestValues(site, bus);
  const supervisor = new Supervisor({
    site,
    factories,
    bus,
    clock,
    log: log.child({ component: 'supervisor' }),
    transforms,
    publish: pipeline.ingest,
    markBad: pipeline.markBad,
    backoff: opts.backoff,
    credentials: deviceCredentials,
  });
  const storage = new StorageService(site, bus, clock, log.child({ component: 'storage' }));
  // hub.mode central: the Sparkplug B host application over the fleet's sites (domains/fleet)
  const fleet =
    site.hub.mode === 'central' && site.config.central
      ? new FleetHost({
          settings: site.config.central,
          dataDir: site.hub.dataDir,
          storage,
          clock,
          log: log.child({ component: 'fleet' }),
          backoff: opts.backoff,
        })
      : undefined;
  const commands = new CommandService(
    site,
    supervisor,
    transforms,
    latest,
    audit,
    bus,
    clock,
    log.child({ component: 'commands' }),
  );
  // the command priority arrays: every writer of a command point (operators, rules, schedules, scenes, plans)
  const control = new PriorityArrays({
    site,
    store: new ControlStore(db, batch),
    commands,
    audit,
    bus,
    clock,
    log: log.child({ component: 'control' }),
    deviceState: (deviceId) =>
      supervisor.deviceHealth().find((d) => d.deviceId === deviceId)?.state ?? 'unknown',
    devicesOfLink: (linkId) =>
      supervisor
        .deviceHealth()
        .filter((d) => d.linkId === linkId)
        .map((d) => d.deviceId),
  });
  // schedules command the arrays at their level (14 by default); optimum start moves each first period earlier
  const schedulesLog = log.child({ component: 'schedules' });
  const optimumStart = new OptimumStart({
    db,
    bus,
    clock,
    log: schedulesLog,
    timeZone: site.site.timezone,
    history: () => storage.history,
    latest: (pointId) => {
      const v = latest.get(pointId)?.value;
      return typeof v === 'number' ? v : undefined;
    },
  });
  const scheduleEngine = new ScheduleEngine({
    site,
    control,
    clock,
    log: schedulesLog,
    advisor: optimumStart,
  });
  const scheduleService = new ScheduleService({
    site,
    schedules: new ControlItemStore(db, 'control_schedules'),
    calendars: new ControlItemStore(db, 'control_calendars'),
    engine: scheduleEngine,
    audit,
    clock,
    log: schedulesLog,
    optimum: optimumStart,
  });
  const energy = new EnergyService({
    site,
    db,
    audit,
    clock,
    log: log.child({ component: 'energy' }),
    history: () => storage.history,
    settledBefore: () => storage.settledBefore(),
    schedules: site.schedules,
  });
  const controlActivity = new ControlActivityRecorder({ bus, clock, control, store: energy.activity });
  const alerts = new AlertService({
    db,
    bus,
    clock,
    log: log.child({ component: 'alerts' }),
    audit,
    assetKind: (id) => site.assetById.get(id)?.kind,
    limits: site.config.alerts,
  });
  const ruleStore = new RuleStore(db);
  const rulesLog = log.child({ component: 'rules' });
  const rules = new RuleEngine({
    site,
    bus,
    clock,
    log: rulesLog,
    alerts,
    baselines: energy,
    rules: [...site.config.rules, ...storedRules(ruleStore, site, rulesLog)],
  });
  const ruleService = new RuleService({
    site,
    store: ruleStore,
    engine: rules,
    audit,
    clock,
    history: () => storage.history,
  });
  // the delivery log: what a previous run left queued was never sent (the notifier's queues live in memory)
  const deliveries = new DeliveryLog(db, () => clock.now());
  deliveries.dropInterrupted();
  const notifier = new Notifier({
    actions: site.config.actions,
    smtp: site.hub.smtp,
    clock,
    log: log.child({ component: 'notify' }),
    deliveryLog: deliveries,
  });
  // personal notifications: who is told on which channel, in which language, when (platform/people)
  const profiles = new ProfileStore(db);
  const people = new PersonNotifier({
    routing: site.config.people,
    users: auth.users,
    profiles,
    notifier,
    deliveries,
    timeZone: site.site.timezone,
    clock,
    log: log.child({ component: 'people' }),
  });
  // rules command through the priority array at level 12 (automation)
  const commandActions = new CommandActions({ control, log: log.child({ component: 'rule-commands' }) });
  wireAlertActions({
    site,
    bus,
    log,
    notifier,
    commands: commandActions,
    ruleOf: (id) => rules.ruleById(id),
  });
  const systemAlerts = wireSystemAlerts({ site, bus, clock, alerts });
  const maintenance = buildMaintenance({
    site,
    db,
    bus,
    clock,
    log: log.child({ component: 'tickets' }),
    audit,
    users: auth.users,
    notifier,
    history: () => storage.history,
    ruleName: (id) => rules.ruleById(id)?.name ?? SYSTEM_RULE_NAMES[id] ?? GATE_RULE_NAMES[id],
    latest,
    alerts,
  });
  const visitors = buildVisitors({
    site,
    db,
    bus,
    clock,
    log: log.child({ component: 'visitors' }),
    audit,
    users: auth.users,
    notifier,
    alerts,
    send: (assetId, channel, payload, o) => commands.send(SYSTEM, assetId, channel, payload, o),
    deviceState: (deviceId) =>
      supervisor.deviceHealth().find((d) => d.deviceId === deviceId)?.state ?? 'unknown',
    people: () => people,
  });
  // alerts to the people on call: rotas, escalation chains, digests, the signed acknowledge link (domains/people)
  const oncall = buildOncall({
    site,
    db,
    bus,
    clock,
    log: log.child({ component: 'oncall' }),
    audit,
    users: auth.users,
    alerts,
    people,
    visitorKey: visitors.key,
  });
  // tickets and visitors to the people concerned, beside the site-wide notify actions (domains/people)
  const peopleLog = log.child({ component: 'people' });
  const unwirePeople = !(opts.personalNotifications ?? true)
    ? []
    : [
        wireTicketRouting({
          bus,
          people,
          tickets: maintenance.tickets,
          displayName: (u) => auth.users.findByName(u)?.displayName,
          teamName: (id) => site.config.maintenance.teams.find((t) => t.id === id)?.name,
          publicUrl: site.config.people.publicUrl ?? site.config.visitors.publicUrl,
          timeZone: site.site.timezone,
          log: peopleLog,
        }),
        wireVisitorRouting({
          bus,
          people,
          passes: visitors.passes,
          timeZone: site.site.timezone,
          log: peopleLog,
        }),
      ];
  // scenes, occupancy-driven control and demand limiting command through the arrays (domains/control)
  const scenes = new SceneService({
    site,
    control,
    store: new SceneStore(db),
    audit,
    clock,
    log: log.child({ component: 'scenes' }),
    permissionFor: (pointId) => commands.permissionFor(site.pointById.get(pointId)!),
  });
  const occupancy = new OccupancyService({
    site,
    control,
    bus,
    clock,
    latest,
    log: log.child({ component: 'occupancy' }),
    peopleOnSite: () => {
      const o = visitors.reports.occupancy();
      return o.visitors + o.staff;
    },
  });
  const demand = new DemandService({
    site,
    control,
    bus,
    clock,
    latest,
    store: new DemandStore(db),
    audit,
    log: log.child({ component: 'demand-limit' }),
  });
  const energyOverview = new EnergyOverview({ energy, latest, site, hasHistory: () => !!storage.history });
  // commands from upstream (DCMD): at their level of the points' priority arrays, checked and audited by the site
  const edgeCommands = site.config.upstream
    ? new EdgeCommands({
        settings: site.config.upstream.commands,
        site,
        commands,
        levels: control,
        audit,
        log: log.child({ component: 'upstream-commands' }),
        now: () => clock.now(),
      })
    : undefined;
  // with upstream: the site as a Sparkplug B edge node, its summary from the domains (domains/fleet)
  const upstream = site.config.upstream
    ? new EdgeNode({
        site,
        settings: site.config.upstream,
        bus,
        latest,
        clock,
        log: log.child({ component: 'upstream' }),
        hubVersion: hubVersion(),
        backoff: opts.backoff,
        commands: edgeCommands,
        deviceState: (deviceId) =>
          supervisor.deviceHealth().find((d) => d.deviceId === deviceId)?.state ?? 'unknown',
        summary: siteSummarySource({
          alerts,
          tickets: maintenance.tickets,
          devices: supervisor,
          overview: energyOverview,
          log: log.child({ component: 'upstream' }),
        }),
      })
    : undefined;
  const services: HubServices = {
    site,
    bus,
    clock,
    pipeline,
    latest,
    supervisor,
    db,
    audit,
    auth,
    deviceCredentials,
    commands,
    control,
    scenes,
    occupancy,
    demand,
    scheduleEngine,
    scheduleService,
    storage,
    counterEvents: new CounterEventLog(db, bus),
    alerts,
    rules,
    ruleService,
    notifier,
    deliveries,
    profiles,
    people,
    oncall,
    maintenance,
    visitors,
    energy,
    fleet,
    upstream,
    startedAt: clock.now(),
  };

  const { http, routes } = await createHttpServer({ site, log, auth, audit, tls });
  // Each plugin gets the services it uses, nothing else.
  const routePlugins: ((app: FastifyInstance) => Promise<void>)[] = [
    (app) =>
      healthRoutes(app, {
        siteId: site.site.id,
        clock,
        startedAt: services.startedAt,
        pipeline,
        supervisor,
        storage,
        liveClients: () => services.live?.clientCount ?? 0,
        photos: maintenance.photos,
        fleet,
        upstream: upstream && (() => ({ ...upstream.health(), commands: edgeCommands!.stats() })),
      }),
    (app) => authRoutes(app, { auth, limits: site.hub.auth }),
    (app) => userRoutes(app, { auth }),
    (app) =>
      profileRoutes(app, {
        profiles: new ProfileService({
          users: auth.users,
          profiles,
          routing: site.config.people,
          audit,
          now: () => clock.now(),
        }),
      }),
    (app) => notificationRoutes(app, { deliveries, notifier, people, routing: site.config.people }),
    (app) => tokenRoutes(app, { auth }),
    (app) => auditRoutes(app, { audit }),
    (app) => siteRoutes(app, { site, latest }),
    (app) => historyRoutes(app, { site, clock, storage, counterEvents: services.counterEvents }),
    (app) =>
      deviceRoutes(app, { site, health: supervisor, diagnostics: supervisor, pipeline, deviceCredentials }),
    (app) => opcuaCertificateRoutes(app, { dataDir: site.hub.dataDir, audit }),
    (app) => commandRoutes(app, { commands, control, latest, site, clock }),
    (app) => controlRoutes(app, { site, control, commands }),
    (app) => controlScheduleRoutes(app, { schedules: scheduleService }),
    (app) => controlSceneRoutes(app, { scenes, occupancy, demand }),
    (app) => alertRoutes(app, { alerts, site }),
    (app) => ruleRoutes(app, { rules: ruleService }),
    (app) =>
      ticketRoutes(app, {
        tickets: maintenance.tickets,
        photos: maintenance.photos,
        equipmentFile: maintenance.equipmentFile,
      }),
    (app) => exportRoutes(app, { tickets: maintenance.tickets, alerts, audit }),
    (app) => assetLabelRoutes(app, { site, publicUrl: site.config.visitors.publicUrl }),
    (app) =>
      visitorRoutes(app, {
        passes: visitors.passes,
        timeZone: site.site.timezone,
      }),
    (app) =>
      kioskRoutes(app, {
        selfService: visitors.selfService,
        config: site.config.visitors.selfService,
        users: auth.users,
        defaultLanguage: site.config.people.defaultLanguage,
        publicUrl: site.config.visitors.publicUrl,
      }),
    (app) => gateRoutes(app, { gates: visitors.reports }),
    (app) => slipRoutes(app, { slips: visitors.slips }),
    (app) => visitorStatsRoutes(app, { stats: visitors.stats }),
    (app) =>
      oncallRoutes(app, {
        oncall,
        site,
        now: () => clock.now(),
        languageOf: (username) => people.profile(username)?.language,
      }),
    (app) =>
      energyRoutes(app, {
        energy,
        overview: energyOverview,
        now: () => clock.now(),
      }),
  ];
  if (fleet) {
    const history =
      site.storage.mode === 'influxdb' ? new FleetHistory(influxClient(site.storage.influxdb)) : undefined;
    routePlugins.push((app) => fleetRoutes(app, { fleet, history, clock }));
    // writes to the sites' points as DCMDs (central.commands), audited here; each site decides for itself
    routePlugins.push((app) =>
      fleetCommandRoutes(app, { host: fleet, enabled: site.config.central!.commands, audit, clock }),
    );
  }
  for (const plugin of routePlugins) await http.register(plugin);
  await serveDashboard(http);
  if (opts.live !== false)
    services.live = new LiveGateway(http.server, services, log.child({ component: 'live' }));

  let purgeTimer: unknown;
  let learnTimer: unknown;
  let alertTimer: unknown;
  let ticketTimer: unknown;
  let visitorTimer: unknown;
  const hub: Hub = {
    ...services,
    get live() {
      return services.live;
    },
    http,
    log,
    routes,
    tls,
    async start() {
      hub.firstAdmin = await auth.bootstrapAdmin(opts.admin ?? {});
      recordSiteVersion(db, audit, site.config, clock.now());
      deliveries.purge(clock.now());
      purgeTimer = clock.setInterval(() => {
        auth.sessions.purgeExpired(clock.now());
        deliveries.purge(clock.now());
      }, 3_600_000);
      people.start(); // messages held for quiet hours that ended while stopped go first
      oncall.start(); // escalation steps that fell due while stopped run first, then every second
      // shelves and out-of-service windows that run out, flapping alerts that went quiet
      alertTimer = clock.setInterval(() => services.alerts.tick(clock.now()), 1_000);
      storage.start();
      fleet?.start(); // the fleet's lines go to storage's outbox
      energy.start(); // warms the ledger from history in the background
      control.start(); // before the links: each held value is re-asserted once its device is online
      controlActivity.start(); // which automation measure acts where (the energy savings per measure)
      // the schedules' current values (the arrays write nothing a level already holds), then edge to edge
      optimumStart.start();
      await scheduleService.apply();
      void scheduleEngine.start();
      void scheduleService.learn(); // from history, in the background, then daily
      learnTimer = clock.setInterval(() => void scheduleService.learn(), 86_400_000);
      occupancy.start();
      demand.start(); // the sheds a restart found are put back
      rules.start(); // before readings flow, so none is missed
      maintenance.start(); // listens for alerts and counter readings
      // SLA deadlines, unrated and transient tickets, calendar plans: what fell due while stopped goes first
      maintenance.tick(clock.now());
      ticketTimer = clock.setInterval(() => maintenance.tick(clock.now()), 5_000);
      // visitor records past their retention: what fell due while stopped goes first
      visitors.passes.purge(clock.now());
      visitors.start(); // before the links: the first scan is answered
      visitorTimer = clock.setInterval(() => visitors.passes.purge(clock.now()), 3_600_000);
      upstream?.start(); // before the links: the first readings are reported (or spooled)
      pipeline.startStaleness();
      supervisor.start();
      const { host, port } = site.hub.http;
      const address = await http.listen({ host, port });
      const url = new URL(address);
      await redirect?.start((http.server.address() as AddressInfo).port);
      if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
      log.info({ url: url.href }, 'hub started');
      return url.href;
    },
    async stop() {
      await edgeCommands?.close(); // no command from upstream after this; those in flight finish first
      clock.clearInterval(purgeTimer);
      clock.clearInterval(alertTimer);
      clock.clearInterval(ticketTimer);
      clock.clearInterval(visitorTimer);
      occupancy.stop();
      demand.stop();
      await Promise.all([occupancy.settled(), demand.settled()]);
      clock.clearInterval(learnTimer);
      scheduleEngine.stop();
      optimumStart.stop();
      await scheduleEngine.idle();
      await control.stop(); // writes in flight finish before the links close
      controlActivity.stop();
      await supervisor.stop();
      pipeline.stop(); // flushes the last readings onto the bus, so storage gets them
      rules.stop();
      systemAlerts.stop();
      maintenance.stop();
      visitors.stop();
      energy.stop();
      oncall.stop();
      for (const unwire of unwirePeople) unwire();
      people.stop();
      await notifier.stop();
      await fleet?.stop(); // STATE offline; its last lines into the outbox before storage closes it
      await upstream?.stop(); // after the bus's last readings, before storage: NDEATH, the rest spooled
      await storage.stop();
      await services.live?.close();
      await redirect?.stop();
      await http.close();
      batch.commit();
      if (db.open) db.close();
      log.info('hub stopped');
    },
  };
  return hub;
}
