import type { ActingPerson } from '../../core/actor.js';
import { conflict, type DomainError, forbidden } from '../../core/errors.js';
import type { PassState, PassView } from './pass-types.js';

/**
 * A pass's lifecycle as one table, checked here and nowhere else:
 *
 *   requested ─approve→ approved ─revoke→ revoked
 *       └decline→ declined
 *   requested | approved ─cancel→ cancelled   (an approved pass only before it is used and before its window)
 */

export const PASS_ACTIONS = ['approve', 'decline', 'revoke', 'cancel'] as const;
export type PassAction = (typeof PASS_ACTIONS)[number];

/** A person (or the hub) acting on a pass. */
export type PassActor = ActingPerson;

interface Step {
  from: readonly PassState[];
  to: PassState;
  /** Said in a 403 when the state allows the action but the person may not take it. */
  who: string;
  may(p: PassView, a: PassActor): boolean;
  /** Why the action is not possible now although the state allows it (a 409), or undefined. */
  blocked?(p: PassView, now: number): string | undefined;
}

const security = (a: PassActor) => a.permissions.has('passes:manage');
const isHost = (p: PassView, a: PassActor) => p.host === a.username;

export const PASS_STEPS: Record<PassAction, Step> = {
  approve: {
    from: ['requested'],
    to: 'approved',
    who: 'its host or security (passes:manage)',
    may: (p, a) => isHost(p, a) || security(a),
    blocked: (p, now) => (now >= p.validUntil ? 'its window is over' : undefined),
  },
  decline: {
    from: ['requested'],
    to: 'declined',
    who: 'its host or security (passes:manage)',
    may: (p, a) => isHost(p, a) || security(a),
  },
  revoke: {
    from: ['approved'],
    to: 'revoked',
    who: 'its host or security (passes:manage)',
    may: (p, a) => isHost(p, a) || security(a),
  },
  cancel: {
    from: ['requested', 'approved'],
    to: 'cancelled',
    who: 'its host or the person who registered it',
    may: (p, a) => isHost(p, a) || p.createdBy === a.username,
    blocked: (p, now) => {
      if (p.state !== 'approved') return undefined; // a request was never usable
      if (p.entriesUsed > 0) return 'it has been used (revoke it instead)';
      if (now >= p.validFrom) return 'its window has started (revoke it instead)';
      return undefined;
    },
  },
};

/** The action is not possible in the pass's state, or not now: a conflict with `state` and the `allowed` ones. */
function refused(p: PassView, action: PassAction, allowed: PassAction[], reason?: string): DomainError {
  return conflict(
    `cannot ${action} pass ${p.id} in state ${p.state}${reason ? `: ${reason}` : ''}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
    { state: p.state, allowed },
  );
}

/** The actions this person may take on the pass now (the dashboard offers exactly these). */
export function passActions(p: PassView, a: PassActor, now: number): PassAction[] {
  return PASS_ACTIONS.filter((action) => {
    const step = PASS_STEPS[action];
    return step.from.includes(p.state) && !step.blocked?.(p, now) && step.may(p, a);
  });
}

/** The state the action leads to, or the refusal: a conflict for the state or the moment, forbidden for the person. */
export function checkPassAction(p: PassView, action: PassAction, a: PassActor, now: number): PassState {
  const step = PASS_STEPS[action];
  if (!step.from.includes(p.state)) throw refused(p, action, passActions(p, a, now));
  if (!step.may(p, a)) throw forbidden(`only ${step.who} may ${action} pass ${p.id}`);
  const reason = step.blocked?.(p, now);
  if (reason) throw refused(p, action, passActions(p, a, now), reason);
  return step.to;
}
