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
  /** session, token, cli, rules (the engine), timer (a shelf or maintenance that ran out). */
  via: string;
  comment: string | null;
  value: unknown;
}

export interface MaintenanceView {
  assetId: string;
  since: number;
  until: number | null;
  by: string;
  comment: string | null;
}
