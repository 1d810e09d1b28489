import { PERMISSIONS, type Permission } from '../../core/actor.js';
/**
 * Who may do what. Routes declare the permission they need; roles are bundles of permissions; API tokens
 * carry a subset of their owner's permissions as scopes. Later domains add their permissions here.
 */
export const ROLES = [
  'viewer',
  'requester',
  'engineer',
  'technician',
  'dispatcher',
  'approver',
  'supervisor',
  'security',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

const ALL_ROLES_READ: Permission[] = ['site:read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ALL_ROLES_READ,
  requester: [...ALL_ROLES_READ, 'tickets:submit', 'passes:register'],
  engineer: [
    ...ALL_ROLES_READ,
    'setpoint:write',
    'devices:diagnose',
    'alerts:ack',
    'alerts:manage',
    'tickets:submit',
    'passes:register',
    'energy:manage',
    'control:manage',
    'notify:read',
  ],
  technician: [...ALL_ROLES_READ, 'alerts:ack', 'tickets:submit', 'tickets:work', 'passes:register'],
  dispatcher: [
    ...ALL_ROLES_READ,
    'alerts:ack',
    'tickets:submit',
    'tickets:dispatch',
    'passes:register',
    'notify:read',
  ],
  approver: [...ALL_ROLES_READ, 'tickets:submit', 'tickets:approve', 'passes:register'],
  supervisor: [
    ...ALL_ROLES_READ,
    'alerts:ack',
    'tickets:submit',
    'tickets:approve',
    'tickets:dispatch',
    'tickets:manage',
    'passes:register',
    'notify:read',
    'oncall:manage',
  ],
  security: [
    ...ALL_ROLES_READ,
    'gate:command',
    'alerts:ack',
    'alerts:security',
    'tickets:submit',
    'passes:register',
    'passes:manage',
    'notify:read',
  ],
  admin: [...PERMISSIONS],
};

export const ROLE_TEXT: Record<Role, string> = {
  viewer: 'sees the site, values and alerts',
  requester: 'anyone on site: reports faults (报修), follows and rates their own tickets',
  engineer:
    "facility engineer: also writes setpoints to equipment, reads raw device data, acknowledges and shelves alerts, takes assets out of service (their alerts suppressed); gates' alerts are security's",
  technician: 'maintenance technician: acknowledges alerts, accepts (接单) and works on tickets',
  dispatcher: 'service desk: acknowledges alerts, dispatches tickets (派工), closes resolved ones',
  approver: 'approves tickets and visitor passes for their department',
  supervisor:
    'maintenance supervisor: approves, dispatches, cancels, reopens and re-prioritises tickets; escalations and service KPIs',
  security:
    "visitors and gates: opens gates, manages passes, acknowledges alerts; the only ones (with admins) who shelve or suppress a gate's alerts",
  admin: 'everything, including users, device credentials and the audit log',
};

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r] ?? []) out.add(p);
  return out;
}
