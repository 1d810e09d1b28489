/**
 * Who acts, and what they may do: the vocabulary every layer shares. Roles (bundles of these permissions) and
 * how a person proves who they are live in platform/security; the audit log records an Actor.
 */

/** Who did something, and from where. */
export interface Actor {
  /** A username, 'system', 'site-file', or a device id. */
  actor: string;
  via: 'session' | 'token' | 'cli' | 'system' | 'device' | 'anonymous' | 'upstream';
  tokenId?: string;
  ip?: string;
}

export const SYSTEM: Actor = { actor: 'system', via: 'system' };

export const PERMISSIONS = [
  /** The site, assets, latest values, device health, live updates, metrics. */
  'site:read',
  /** Write a setpoint or command to equipment (not gates). */
  'setpoint:write',
  /** Open or lock a gate. */
  'gate:command',
  /** Issue and revoke MQTT device credentials. */
  'devices:manage',
  /** Read raw data from a device for commissioning (the Modbus decode preview). */
  'devices:diagnose',
  /** Create, change and remove users; see and revoke everyone's API tokens. */
  'users:manage',
  /** Read and verify the audit log. */
  'audit:read',
  /** Acknowledge alerts (reading them needs only site:read). */
  'alerts:ack',
  /** Shelve and unshelve alerts; take assets out of service (their alerts are suppressed); rules. Not gates'. */
  'alerts:manage',
  /** Shelve, unshelve and suppress the gates' alerts, and take gates out of service (security staff). */
  'alerts:security',
  /** Report a fault (a maintenance ticket), cancel or rate one's own tickets. */
  'tickets:submit',
  /** Approve or reject tickets for one's department (maintenance.departments). */
  'tickets:approve',
  /** The service desk: dispatch tickets to technicians and teams, close resolved ones. */
  'tickets:dispatch',
  /** Accept, work on and resolve the tickets dispatched to oneself or one's team. */
  'tickets:work',
  /** Supervise: cancel, reopen, close and re-prioritise any ticket; service KPIs; plans. */
  'tickets:manage',
  /** Register a visitor (as their host, or at a kiosk with a token); approve or decline one's own visitors. */
  'passes:register',
  /** Security: every pass (approve, revoke), staff badges, the evacuation list, exports of visitor records. */
  'passes:manage',
  /** Have the energy ledger worked out again from history (after an import). */
  'energy:manage',
  /** Schedules, calendars, scenes, occupancy and demand-limit plans (automation); a scene's own roles still apply. */
  'control:manage',
  /** The notification delivery log and channel health: what was sent to whom, what failed and why. */
  'notify:read',
  /** On-call rotas' overrides (who covers when), and the escalation state of alerts. */
  'oncall:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A person acting through the API, as the domain services see them (tickets, passes). */
export interface ActingPerson {
  username: string;
  permissions: ReadonlySet<Permission>;
  /** session, token, cli, or system (the hub itself). */
  via: Actor['via'];
  ip?: string;
  tokenId?: string;
}

/** A person as the audit log records them. */
export const personActor = (p: ActingPerson): Actor => ({
  actor: p.username,
  via: p.via,
  ip: p.ip,
  tokenId: p.tokenId,
});

/** What an audit entry says was done. */
export interface AuditInput {
  action: string;
  target?: string;
  outcome?: 'ok' | 'denied' | 'failed';
  before?: unknown;
  after?: unknown;
  detail?: string;
}

/** Where who did what is recorded (platform/audit keeps it in a hash chain). */
export interface AuditTrail {
  record(who: Actor, what: AuditInput): void;
}
