import type { GateDecisionEvent, GatePassageEvent } from './gate-types.js';
import type { PassView } from './pass-types.js';

/** Events of the visitors domain: gates and passes (see core/bus.ts). */
declare module '../../core/bus.js' {
  interface EventMap {
    /** A gate asked and the hub answered (every decision, also those replayed from a gate's offline sync). */
    'gate.scanned': GateDecisionEvent;
    /** Someone passed a gate (in or out). */
    'gate.passed': GatePassageEvent;
    /** A gate's door: opened, closed, forced, held-open. */
    'gate.door': {
      gateId: string;
      event: 'opened' | 'closed' | 'forced' | 'held-open';
      ts: number;
      offline: boolean;
    };
    /** A visitor registered and waits for their host's approval. */
    'pass.requested': { pass: PassView };
    /** A pass was approved (its code issued) or declined: by its host, security, or policy at registration. */
    'pass.decided': { pass: PassView };
    /** A pass was withdrawn before its end: revoked, or cancelled (`pass.state` says which). */
    'pass.revoked': { pass: PassView };
  }
}
