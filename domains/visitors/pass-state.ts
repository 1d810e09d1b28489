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

/** What the site's policy adds to the table (visitors.kiosks, visitors.pass.selfHostAllowed). */
export interface PassPolicy {
  kiosks: ReadonlySet<string>;
  selfHostAllowed: boolean;
}

/** The decisions on a pass, which a kiosk never takes. */
const DECISIONS: ReadonlySet<PassAction> = new Set(['approve', 'decline', 'revoke']);

/**
 * Why this person may never take the step, whatever their permissions, or undefined: a kiosk never
 * decides; whoever registered a visitor as their own host does not approve it too (someone else does,
 * unless visitors.pass.selfHostAllowed).
 */
function barred(p: PassView, action: PassAction, a: PassActor, policy: PassPolicy): string | undefined {
  if (DECISIONS.has(action) && policy.kiosks.has(a.username))
    return `${a.username} is a kiosk (visitors.kiosks): kiosks register visitors and never ${action} a pass`;
  if (action === 'approve' && !policy.selfHostAllowed && p.createdBy === a.username && p.host === a.username)
    return `${a.username} registered this visitor as their own host: someone else (security, passes:manage) approves pass ${p.id} (visitors.pass.selfHostAllowed)`;
  return undefined;
}

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
export function passActions(p: PassView, a: PassActor, now: number, policy: PassPolicy): PassAction[] {
  return PASS_ACTIONS.filter((action) => {
    const step = PASS_STEPS[action];
    return (
      step.from.includes(p.state) &&
      !step.blocked?.(p, now) &&
      step.may(p, a) &&
      !barred(p, action, a, policy)
    );
  });
}

/** The state the action leads to, or the refusal: a conflict for the state or the moment, forbidden for the person. */
export function checkPassAction(
  p: PassView,
  action: PassAction,
  a: PassActor,
  now: number,
  policy: PassPolicy,
): PassState {
  const step = PASS_STEPS[action];
  if (!step.from.includes(p.state)) throw refused(p, action, passActions(p, a, now, policy));
  if (!step.may(p, a)) throw forbidden(`only ${step.who} may ${action} pass ${p.id}`);
  const bar = barred(p, action, a, policy);
  if (bar) throw forbidden(bar);
  const reason = step.blocked?.(p, now);
  if (reason) throw refused(p, action, passActions(p, a, now, policy), reason);
  return step.to;
}
