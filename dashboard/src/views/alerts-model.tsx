/**
 * The alerts console's data: the API's alert shape, the filter (some applied by the API, the asset text here),
 * sorting, and what a person may do to an alert in each state (the hub's transition table, domains/alerts/alert-state.ts).
 */

import type { Severity } from '../../../core/model/severity.js';
import type {
  AlertState,
  AlertTransitionView,
  AlertView,
  TransitionEvent,
  UserAction,
} from '../../../domains/alerts/alert-types.js';

/** The API's shapes are the hub's own (domains/alerts/alert-types.ts); the orders below are the console's. */
export type { AlertState, Severity, TransitionEvent };
export type Alert = AlertView;
export type Transition = AlertTransitionView;
export type Action = UserAction;

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
/** In the order a person deals with them. */
export const STATES: readonly AlertState[] = [
  'unacked',
  'rtn-unacked',
  'acked',
  'shelved',
  'suppressed',
  'normal',
];

export type AlertDetail = Alert & { transitions: Transition[] };

export interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  total: number;
  unacked: number;
}

export interface AlertList {
  alerts: Alert[];
  counts: Counts;
  next?: number;
}

/** The live socket's `alert` event (hub/live/live-gateway.ts). */
export interface AlertEvent {
  event: 'raised' | 'changed' | 'cleared';
  alert: Alert;
  from?: AlertState;
  to?: AlertState;
  by?: string;
}

export type SortBy = 'time' | 'severity';

export interface Filter {
  severity: Severity | '';
  state: AlertState | '';
  active: boolean;
  /** Matched here, in the asset id, the point and the message (the API matches one asset id exactly). */
  text: string;
  sort: SortBy;
}

export const PAGE = 200;

export function filterFromQuery(q: URLSearchParams): Filter {
  const severity = q.get('severity') ?? '';
  const state = q.get('state') ?? '';
  return {
    severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : '',
    state: (STATES as readonly string[]).includes(state) ? (state as AlertState) : '',
    active: q.get('active') === 'true',
    text: (q.get('q') ?? '').slice(0, 64),
    sort: q.get('sort') === 'severity' ? 'severity' : 'time',
  };
}

/** The hash query that restores the filter (only what differs from the default). */
export function filterToQuery(f: Filter): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.severity) q.severity = f.severity;
  if (f.state) q.state = f.state;
  if (f.active) q.active = 'true';
  if (f.text.trim()) q.q = f.text.trim();
  if (f.sort !== 'time') q.sort = f.sort;
  return q;
}

/** The API path for the filter's server-side part. */
export function listPath(f: Filter, before?: number): string {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (f.severity) q.set('severity', f.severity);
  if (f.state) q.set('state', f.state);
  if (f.active) q.set('active', 'true');
  if (before !== undefined) q.set('before', String(before));
  return `/alerts?${q}`;
}

/** What the API filters on: a live alert that does not match this does not belong in the loaded list. */
export const matchesServer = (a: Alert, f: Filter): boolean =>
  (!f.severity || a.severity === f.severity) && (!f.state || a.state === f.state) && (!f.active || a.active);

export function matchesText(a: Alert, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [a.assetId, a.pointId ?? '', a.message, a.ruleId].some((s) => s.toLowerCase().includes(needle));
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const when = (a: Alert) => a.raisedAt ?? a.updatedAt;

export function sortAlerts(list: Alert[], by: SortBy): Alert[] {
  const byTime = (a: Alert, b: Alert) => when(b) - when(a) || b.id - a.id;
  return [...list].sort(
    by === 'severity' ? (a, b) => RANK[a.severity] - RANK[b.severity] || byTime(a, b) : byTime,
  );
}

/** Put a changed alert in the list: replace it, add it if it now matches, drop it if it no longer does. */
export function upsert(list: Alert[], a: Alert, f: Filter): Alert[] {
  const i = list.findIndex((x) => x.id === a.id);
  const keep = matchesServer(a, f);
  if (i < 0) return keep ? [a, ...list] : list;
  // an older copy (a late answer) never replaces a newer one
  if ((list[i]?.updatedAt ?? 0) > a.updatedAt) return list;
  return keep ? list.map((x) => (x.id === a.id ? a : x)) : list.filter((x) => x.id !== a.id);
}

/** The actions the hub's transition table allows in a state (shelving a normal alert is left to the API). */
export function allowedActions(state: AlertState): Action[] {
  switch (state) {
    case 'unacked':
    case 'rtn-unacked':
      return ['ack', 'shelve'];
    case 'acked':
      return ['shelve'];
    case 'shelved':
      return ['unshelve'];
    default:
      return [];
  }
}

/** The permission an action on this alert takes: shelving a gate's alert is security's (the hub says which). */
export const actionPermission = (a: Alert, action: Action): string =>
  action === 'ack' ? 'alerts:ack' : a.managePermission;

/** A gate's alert: only security staff (and admins) shelve it. */
export const isSecurityAlert = (a: Alert) => a.managePermission === 'alerts:security';

/** Waiting for someone: unacknowledged, whether or not the condition is still there. */
export const needsAck = (a: Alert) => a.state === 'unacked' || a.state === 'rtn-unacked';

export const SEVERITY_TONE: Record<Severity, string> = {
  critical: 'critical',
  high: 'high',
  medium: 'warn',
  low: 'info',
};

export const STATE_TONE: Record<AlertState, string> = {
  unacked: 'critical',
  'rtn-unacked': 'warn',
  acked: 'info',
  shelved: 'muted',
  suppressed: 'muted',
  normal: 'good',
};

export const SHELVE_MINUTES = [15, 30, 60, 120, 240, 480, 1440] as const;
