import type { EventBus } from '../core/bus.js';
import type { Clock } from '../core/clock.js';
import type { CommandService } from '../core/devices/command-service.js';
import type { Pipeline } from '../core/devices/pipeline.js';
import type { Supervisor } from '../core/devices/supervisor.js';
import type { LatestValues } from '../core/latest-values.js';
import type { SiteModel } from '../core/model/site-model.js';
import type { AlertService } from '../domains/alerts/alert-service.js';
import type { DemandService } from '../domains/control/demand-service.js';
import type { OccupancyService } from '../domains/control/occupancy-service.js';
import type { PriorityArrays } from '../domains/control/priority-array.js';
import type { SceneService } from '../domains/control/scene-service.js';
import type { ScheduleEngine } from '../domains/control/schedule-engine.js';
import type { ScheduleService } from '../domains/control/schedule-service.js';
import type { EnergyService } from '../domains/energy/energy-service.js';
import type { EdgeNode } from '../domains/fleet/edge-node.js';
import type { FleetHost } from '../domains/fleet/host-app.js';
import type { Oncall } from '../domains/people/oncall.js';
import type { RuleEngine } from '../domains/rules/rule-engine.js';
import type { RuleService } from '../domains/rules/rule-service.js';
import type { Maintenance } from '../domains/tickets/maintenance.js';
import type { Visitors } from '../domains/visitors/visitors.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import type { Db } from '../platform/db/database.js';
import type { DeliveryLog } from '../platform/notify/delivery-log.js';
import type { Notifier } from '../platform/notify/notifier.js';
import type { PersonNotifier } from '../platform/people/person-notifier.js';
import type { ProfileStore } from '../platform/people/profile-store.js';
import type { AuthService } from '../platform/security/auth-service.js';
import type { DeviceCredentialStore } from '../platform/security/device-credentials.js';
import type { CounterEventLog } from '../platform/storage/counter-events.js';
import type { StorageService } from '../platform/storage/storage-service.js';
import type { LiveGateway } from './live/live-gateway.js';

/**
 * What the hub is made of, as the composition root (hub/app.ts) holds it and the Hub exposes it. No route plugin
 * gets this bag: each declares the few services it uses (its *RouteServices), and none reaches an adapter (writes
 * go through the command service).
 */
export interface HubServices {
  site: SiteModel;
  bus: EventBus;
  clock: Clock;
  pipeline: Pipeline;
  latest: LatestValues;
  supervisor: Supervisor;
  db: Db;
  audit: AuditLog;
  auth: AuthService;
  deviceCredentials: DeviceCredentialStore;
  commands: CommandService;
  /** The command priority arrays: how operators and automation command points (domains/control). */
  control: PriorityArrays;
  /** Scenes: named sets of commands, role-gated, confirmed, audited (domains/control). */
  scenes: SceneService;
  /** Occupancy-driven control: DCV, lighting off, setback (domains/control). */
  occupancy: OccupancyService;
  /** Demand limiting: shed and restore loads against the 15-minute demand forecast (domains/control). */
  demand: DemandService;
  /** The schedules running on the arrays (domains/control/schedule-engine.ts). */
  scheduleEngine: ScheduleEngine;
  /** Schedules and calendars as people manage them (site file read only; the API's stored, audited). */
  scheduleService: ScheduleService;
  storage: StorageService;
  counterEvents: CounterEventLog;
  alerts: AlertService;
  rules: RuleEngine;
  /** Rules as people manage them (the API's, checked, stored, audited). */
  ruleService: RuleService;
  /** Webhook and e-mail actions, for alerts and tickets. */
  notifier: Notifier;
  /** Every delivery's course (notify_deliveries): queued, held, sent, failed (why), dropped, unreachable. */
  deliveries: DeliveryLog;
  /** Users' contacts, channels per kind of message, quiet hours, language (user_profiles). */
  profiles: ProfileStore;
  /** Tells one person on their channel, in their language, after their quiet hours (platform/people). */
  people: PersonNotifier;
  /** On-call rotas, overrides, alert escalation and digests, the acknowledge link (domains/people). */
  oncall: Oncall;
  maintenance: Maintenance;
  /** Visitor registration, host approval and passes (domains/visitors). */
  visitors: Visitors;
  /** Meters, the ledger, reports, baselines (domains/energy). */
  energy: EnergyService;
  /** hub.mode central: the Sparkplug B host application over the fleet's sites (domains/fleet). */
  fleet?: FleetHost;
  /** With `upstream:`, this hub as a Sparkplug B edge node (domains/fleet). */
  upstream?: EdgeNode;
  live?: LiveGateway;
  startedAt: number;
}
