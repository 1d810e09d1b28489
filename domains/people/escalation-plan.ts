import type { Severity } from '../../core/model/severity.js';
import type { AlertState } from '../alerts/alert-types.js';
import type { EscalationStep, EscalationTarget } from './oncall-schema.js';
import type { EscalationState } from './oncall-store.js';
import type { OnCall } from './rota.js';

/**
 * The escalation chain as pure rules: which steps an alert gets, when each is due, whom a step tells, and what
 * change of the alert stops the chain. The service (oncall-service.ts) persists and runs them.
 */

const MINUTE = 60_000;
/** A severity without a chain of its own: the person on call is told once. */
export const TELL_ONCE: readonly EscalationStep[] = [{ to: 'oncall', afterMinutes: 0 }];

export interface OncallRules {
  escalation: Partial<Record<Severity, EscalationStep[]>>;
  digest: { severities: Severity[] };
}

/** `digest` for the severities collected into digests, else the chain's steps. */
export function planFor(severity: Severity, rules: OncallRules): 'digest' | readonly EscalationStep[] {
  if (rules.digest.severities.includes(severity)) return 'digest';
  return rules.escalation[severity] ?? TELL_ONCE;
}

/** When step i is due (ms), or null when the chain has no step i. */
export function dueAt(steps: readonly EscalationStep[], i: number, startedAt: number): number | null {
  const step = steps[i];
  return step ? startedAt + step.afterMinutes * MINUTE : null;
}

/** The person a step tells, from who is on call when the step runs. */
export function targetOf(to: EscalationTarget, who: OnCall): string {
  return to === 'oncall' ? who.username : to === 'next' ? who.next : who.supervisor;
}

/**
 * What an alert's change does to its running chain: an acknowledgement stops it as acknowledged; shelving,
 * suppression or a return to normal without one stop it as cleared; anything else leaves it running.
 */
export function stopFor(to: AlertState, event: 'changed' | 'cleared'): EscalationState | undefined {
  if (event === 'cleared') return 'cleared';
  if (to === 'acked') return 'acknowledged';
  if (to === 'shelved' || to === 'suppressed' || to === 'normal') return 'cleared';
  return undefined;
}
