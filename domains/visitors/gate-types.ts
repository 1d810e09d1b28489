/**
 * The gate protocol's shapes (MQTT, JSON payloads, topics `site/<site>/<gate asset>/<channel>`), documented in
 * the README's "Visitors and gates". Inbound channels (gate → hub): scan, door, passage, sync, status.
 * Outbound (hub → gate): decision, allowlist (retained).
 */

// The channel names themselves are core's (core/model/asset-channels.ts): the MQTT driver routes them.

export const CREDENTIAL_TYPES = ['code', 'qr', 'card', 'id'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** gate → hub `…/scan` */
export interface ScanMessage {
  credential: { type: CredentialType; value: string };
  /** Unique per scan; echoed in the decision. */
  nonce: string;
  /** The gate's clock (ms UTC). */
  ts: number;
  direction?: 'in' | 'out';
}

export type DenyReason =
  | 'unknown'
  | 'not-approved'
  | 'not-yet-valid'
  | 'expired'
  | 'used-up'
  | 'revoked'
  | 'anti-passback'
  | 'wrong-gate'
  | 'outside-schedule'
  | 'malformed'
  /** A scan repeating an earlier scan's nonce with another credential (a retry must be the same scan). */
  | 'nonce-reused'
  /** The gate's own answer, hub unreachable: a typed code or ID card is checked by the hub only. */
  | 'hub-unreachable';

/** hub → gate `…/decision` */
export interface DecisionMessage {
  nonce: string;
  decision: 'open' | 'deny';
  reason?: DenyReason;
  passId?: number;
  /** Shown on the gate's display: the visitor's or staff member's name. */
  name?: string;
  ts: number;
}

export interface GateDecisionEvent {
  gateId: string;
  nonce: string;
  credentialType: CredentialType | 'unknown';
  decision: 'open' | 'deny';
  reason?: DenyReason;
  passId?: number;
  badge?: string;
  direction?: 'in' | 'out';
  ts: number;
  /** Decided by the gate itself from its allow-list while the hub was unreachable, reported by sync. */
  offline: boolean;
}

export interface GatePassageEvent {
  gateId: string;
  direction: 'in' | 'out';
  passId?: number;
  badge?: string;
  ts: number;
  offline: boolean;
}
