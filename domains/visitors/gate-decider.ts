import type { BusinessCalendar } from '../../core/time/business-time.js';
import type { CredentialType, DenyReason } from './gate-types.js';

/** What the decider needs to know about a pass (a row of `passes` with its visitor's name). */
export interface PassFacts {
  id: number;
  state: string;
  validFrom: number;
  validUntil: number;
  maxEntries: number;
  entriesUsed: number;
  /** Gate asset ids it may use; null: every visitor gate. */
  gates: string[] | null;
  inside: boolean;
  name: string;
}

export interface BadgeFacts {
  id: number;
  holder: string;
  /** The gate zones it opens, expanded to sub-zones. */
  zones: ReadonlySet<string>;
  schedule?: BusinessCalendar;
  inside: boolean;
  disabled: boolean;
}

export interface Verdict {
  decision: 'open' | 'deny';
  reason?: DenyReason;
  passId?: number;
  badgeId?: number;
  name?: string;
}

export interface DecideInput {
  type: CredentialType;
  gateId: string;
  gateZone: string;
  direction: 'in' | 'out';
  now: number;
}

export interface DecisionPolicy {
  antiPassback: boolean;
  /** A pass opens this long before its window. */
  earlyMs: number;
}

const deny = (reason: DenyReason, more: Omit<Verdict, 'decision' | 'reason'> = {}): Verdict => ({
  decision: 'deny',
  reason,
  ...more,
});

/**
 * The gate's question, answered: may this pass or badge go through this gate in this direction now? Pure:
 * the caller looks the credential up and records the outcome.
 */
export function decide(
  input: DecideInput,
  found: { pass?: PassFacts; badge?: BadgeFacts },
  policy: DecisionPolicy,
): Verdict {
  const { pass, badge } = found;
  const { now, direction } = input;
  if (badge) {
    const who = { badgeId: badge.id, name: badge.holder };
    if (badge.disabled) return deny('revoked', who);
    if (!badge.zones.has(input.gateZone)) return deny('wrong-gate', who);
    if (badge.schedule && !badge.schedule.isOn(now)) return deny('outside-schedule', who);
    if (policy.antiPassback && badge.inside === (direction === 'in')) return deny('anti-passback', who);
    return { decision: 'open', ...who };
  }
  if (!pass) return deny('unknown');
  const who = { passId: pass.id, name: pass.name };
  if (pass.state === 'revoked' || pass.state === 'cancelled') return deny('revoked', who);
  if (pass.state !== 'approved') return deny('not-approved', who);
  if (pass.gates && !pass.gates.includes(input.gateId)) return deny('wrong-gate', who);
  // leaving is always allowed while the visitor is inside, even after the window (never trap anyone)
  if (direction === 'out') {
    if (policy.antiPassback && !pass.inside) return deny('anti-passback', who);
    return { decision: 'open', ...who };
  }
  if (now < pass.validFrom - policy.earlyMs) return deny('not-yet-valid', who);
  if (now >= pass.validUntil) return deny('expired', who);
  if (policy.antiPassback && pass.inside) return deny('anti-passback', who);
  if (pass.maxEntries > 0 && pass.entriesUsed >= pass.maxEntries) return deny('used-up', who);
  return { decision: 'open', ...who };
}
