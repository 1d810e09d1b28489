import type { AlertService } from '../rules/alert-service.js';
import type { RuleEngine } from '../rules/rule-engine.js';
import type { RuleStore } from '../rules/rule-store.js';
import type { AuditLog } from './audit/audit-log.js';
import type { EventBus } from './bus.js';
import type { Clock } from './clock.js';
import type { CommandService } from './commands/command-service.js';
import type { Db } from './db/database.js';
import type { EnergyService } from './energy/energy-service.js';
import type { LatestValues } from './latest/latest-values.js';
import type { LiveGateway } from './live/live-gateway.js';
import type { SiteModel } from './model/site-model.js';
import type { Notifier } from './notify/notifier.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { AuthService } from './security/auth-service.js';
import type { DeviceCredentialStore } from './security/device-credentials.js';
import type { CounterEventLog } from './storage/counter-events.js';
import type { StorageService } from './storage/storage-service.js';
import type { Supervisor } from './supervisor/supervisor.js';
import type { Maintenance } from './tickets/maintenance.js';
import type { Visitors } from './visitors/visitors.js';

/** What the API plugins may use. They never reach an adapter: writes go through the command service. */
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
  storage: StorageService;
  counterEvents: CounterEventLog;
  alerts: AlertService;
  rules: RuleEngine;
  ruleStore: RuleStore;
  /** Webhook and e-mail actions, for alerts and tickets. */
  notifier: Notifier;
  maintenance: Maintenance;
  /** Visitor registration, host approval and passes (hub/visitors). */
  visitors: Visitors;
  /** Meters, the ledger, reports, baselines (hub/energy). */
  energy: EnergyService;
  live?: LiveGateway;
  startedAt: number;
}
