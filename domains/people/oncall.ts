import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { Db } from '../../platform/db/database.js';
import type { PeopleNotifier } from '../../platform/people/people-types.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { AlertService } from '../alerts/alert-service.js';
import { ackLinkKey } from './ack-link.js';
import { AlertAck } from './alert-ack.js';
import { AlertRouting } from './alert-routing.js';
import { OncallStore } from './oncall-store.js';
import { RotaService } from './rota-service.js';

export interface Oncall {
  /** Rotas, who is on call when, overrides. */
  rotas: RotaService;
  /** Alerts to the people on call: escalation chains and digests. */
  routing: AlertRouting;
  /** The signed acknowledge link. */
  ack: AlertAck;
  start(): void;
  stop(): void;
}

/** On-call (domains/people): the site's rotas, the stored overrides, alert routing and the acknowledge link. */
export function buildOncall(deps: {
  site: SiteModel;
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  users: UserStore;
  alerts: AlertService;
  people: PeopleNotifier;
  /** The visitors' key: the acknowledge links are signed with a key derived from it. */
  visitorKey: Buffer;
}): Oncall {
  const { site, clock } = deps;
  const config = site.config.people;
  const now = () => clock.now();
  const store = new OncallStore(deps.db);
  const rotas = new RotaService({
    rotas: config.oncall,
    teams: site.config.maintenance.teams,
    timeZone: site.site.timezone,
    store,
    users: deps.users,
    audit: deps.audit,
    now,
  });
  const ack = new AlertAck({
    key: ackLinkKey(deps.visitorKey),
    alerts: deps.alerts,
    users: deps.users,
    now,
    linkHours: config.ackLinkHours,
    publicUrl: config.publicUrl ?? site.config.visitors.publicUrl,
  });
  const routing = new AlertRouting({
    site,
    bus: deps.bus,
    clock,
    log: deps.log,
    store,
    rotas,
    people: deps.people,
    rules: { escalation: config.escalation, digest: config.digest },
    digestEveryMinutes: config.digest.everyMinutes,
    alertById: (id) => {
      const found = deps.alerts.get(id);
      if (!found) return undefined;
      const { transitions: _, ...alert } = found;
      return alert;
    },
    ackLink: (alertId, username) => ack.link(alertId, username),
  });
  return {
    rotas,
    routing,
    ack,
    start: () => routing.start(),
    stop: () => routing.stop(),
  };
}
