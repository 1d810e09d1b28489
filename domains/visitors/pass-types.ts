/** Visitor passes as the rest of the hub sees them (bus, API, notifications) and as the gate engine reads them. */

export const PASS_STATES = ['requested', 'approved', 'declined', 'revoked', 'cancelled'] as const;
export type PassState = (typeof PASS_STATES)[number];

/**
 * A `passes` row joined with its visitor's name and masked fields, snake_case as stored: what the gate engine
 * decides on. Never the code (only its hash), never an ID number or a full phone.
 */
export interface PassRow {
  id: number;
  visitor_id: number;
  host: string;
  purpose: string;
  state: PassState;
  valid_from: number;
  valid_until: number;
  /** 0: any number within the window. */
  max_entries: number;
  entries_used: number;
  code_hash: string | null;
  code_sealed: string | null;
  /** JSON array of gate asset ids; null: every visitor gate. */
  gates: string | null;
  /** Anti-passback: 1 after an entry, 0 after an exit. */
  inside: number;
  created_at: number;
  created_by: string;
  decided_at: number | null;
  decided_by: string | null;
  decision_comment: string | null;
  revoked_at: number | null;
  revoked_by: string | null;
  /** 'erased' once the visitor's record passed its retention. */
  visitor_name: string;
  visitor_company: string | null;
  phone_masked: string | null;
  id_masked: string | null;
}

/** A pass for people and listeners: masked personal fields only, never the code or its hash. */
export interface PassView {
  id: number;
  state: PassState;
  visitorId: number;
  visitorName: string;
  company: string | null;
  phoneMasked: string | null;
  idMasked: string | null;
  host: string;
  purpose: string;
  validFrom: number;
  validUntil: number;
  /** Gates accept it from here: validFrom − visitors.pass.earlyMinutes. */
  opensAt: number;
  maxEntries: number;
  entriesUsed: number;
  gates: string[] | null;
  inside: boolean;
  /** A code was issued (shown once, to whoever approved it). */
  issued: boolean;
  createdAt: number;
  createdBy: string;
  decidedAt: number | null;
  decidedBy: string | null;
  decisionComment: string | null;
  revokedAt: number | null;
  revokedBy: string | null;
}

export function toPassView(r: PassRow, earlyMs: number): PassView {
  return {
    id: r.id,
    state: r.state,
    visitorId: r.visitor_id,
    visitorName: r.visitor_name,
    company: r.visitor_company,
    phoneMasked: r.phone_masked,
    idMasked: r.id_masked,
    host: r.host,
    purpose: r.purpose,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    opensAt: r.valid_from - earlyMs,
    maxEntries: r.max_entries,
    entriesUsed: r.entries_used,
    gates: r.gates === null ? null : (JSON.parse(r.gates) as string[]),
    inside: r.inside === 1,
    issued: r.code_hash !== null,
    createdAt: r.created_at,
    createdBy: r.created_by,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    decisionComment: r.decision_comment,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}
