import type { Severity } from '../../core/model/severity.js';
import type { AlertEvent, AlertState, UserAction } from './alert-state.js';

export type { AlertEvent, AlertState, UserAction };

/** The public JSON shape of an alert (API, bus events). */
/** A type (not an interface) so it is assignable to Record<string, unknown> (webhook payloads). */
export type AlertView = {
  id: number;
  /** One alert per rule instance: `<ruleId>|<assetId>|<pointId or ''>`. */
  key: string;
  ruleId: string;
  assetId: string;
  pointId: string | null;
  severity: Severity;
  priority: number;
  state: AlertState;
  /** Whether the condition is active now (remembered while shelved or suppressed). */
  active: boolean;
  message: string;
  value: unknown;
  /** The start of the latest occurrence. */
  raisedAt: number | null;
  clearedAt: number | null;
  ackedAt: number | null;
  ackedBy: string | null;
  ackComment: string | null;
  shelvedUntil: number | null;
  shelvedBy: string | null;
  /** Chattering: flips update `active` only, without events, until quiet for the rule's window. */
  flapping: boolean;
  occurrences: number;
  updatedAt: number;
  /** What shelving, unshelving or suppressing it takes: `alerts:security` for a gate's, else `alerts:manage`. */
  managePermission: 'alerts:manage' | 'alerts:security';
};

/** What a stored transition records; flapping starts and ends are recorded too. */
export type TransitionEvent = AlertEvent | 'flapping' | 'flapping-ended';

export interface AlertTransitionView {
  id: number;
  alertId: number;
  ts: number;
  from: AlertState;
  to: AlertState;
  event: TransitionEvent;
  /** A username or 'system'. */
  actor: string;
  /** session, token, cli, rules (the engine), timer (a shelf or out-of-service window that ran out). */
  via: string;
  comment: string | null;
  value: unknown;
}

/** An asset out of service: its alerts are suppressed (ISA-18.2 out-of-service suppression) until `until`. */
export interface OutOfServiceView {
  assetId: string;
  since: number;
  /** Every window ends (at most alerts.maxOutOfServiceHours after it was set). */
  until: number;
  by: string;
  comment: string | null;
}

/** One rule instance as the rules engine knows it (or one of the hub's own alerts). */
export interface AlertInstance {
  /** `<ruleId>|<assetId>|<pointId or ''>` */
  key: string;
  ruleId: string;
  assetId: string;
  pointId?: string;
  severity: Severity;
  priority: number;
  /** `transitions` flips within `withinMs` make the alert flapping until it has been quiet that long. */
  chatter: { transitions: number; withinMs: number };
}

/** What a condition says now. */
export interface AlertVerdict {
  active: boolean;
  message: string;
  value?: unknown;
  severity?: Severity;
}

export type ActiveCounts = Record<Severity, number> & {
  /** Alerts whose condition is active and that are neither shelved nor suppressed. */
  total: number;
  /** Alerts waiting for an acknowledgement (unacked or rtn-unacked). */
  unacked: number;
};

/** The key of a rule instance's alert: one alert per rule, asset and point. */
export const alertKey = (ruleId: string, assetId: string, pointId?: string) =>
  `${ruleId}|${assetId}|${pointId ?? ''}`;

/** A severity's priority when nothing else says (1 most urgent). */
export const DEFAULT_PRIORITY: Record<Severity, number> = { critical: 1, high: 2, medium: 3, low: 4 };
