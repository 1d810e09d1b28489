/** The public shapes of tickets (API, bus events, notifications). */

export const TICKET_STATES = [
  'submitted',
  'approved',
  'rejected',
  'dispatched',
  'accepted',
  'in-progress',
  'resolved',
  'closed',
  'cancelled',
  'reopened',
] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/** Finished: no person acts on these any more except a reopen of a closed one. */
export const FINISHED_STATES: readonly TicketState[] = ['closed', 'cancelled', 'rejected'];

/** What a person can do to a ticket (who may, in which state: ticket-state.ts). */
export const TICKET_ACTIONS = [
  'approve',
  'reject',
  'dispatch',
  'accept',
  'decline',
  'start',
  'resolve',
  'rate',
  'close',
  'reopen',
  'cancel',
] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

export const TICKET_KINDS = ['fault', 'preventive', 'inspection'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];
export type TicketSource = 'person' | 'alert' | 'plan';

export interface ChecklistResult {
  item: string;
  ok: boolean;
  value?: number;
  note?: string;
}

/** A type (not an interface) so it is assignable to Record<string, unknown> (notification payloads). */
export type TicketView = {
  id: number;
  kind: TicketKind;
  source: TicketSource;
  title: string;
  description: string;
  assetId: string | null;
  zoneId: string | null;
  assetKind: string | null;
  location: string | null;
  /** 1 urgent … 4 low. */
  priority: number;
  state: TicketState;
  requester: string;
  department: string | null;
  ruleId: string | null;
  alertId: number | null;
  planId: string | null;
  /** How many times its alert was raised while the ticket was open. */
  occurrences: number;
  linkedTicketId: number | null;
  assignee: string | null;
  team: string | null;
  etaAt: number | null;
  createdAt: number;
  updatedAt: number;
  approvedAt: number | null;
  dispatchedAt: number | null;
  acceptedAt: number | null;
  startedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  /** Service-level deadlines (business time from submission). */
  respondDueAt: number | null;
  resolveDueAt: number | null;
  respondBreachedAt: number | null;
  resolveBreachedAt: number | null;
  resolution: string | null;
  rating: number | null;
  ratingComment: string | null;
  /** When its alert last cleared (null while the fault is active, or for other tickets). */
  alertClearedAt: number | null;
  /** How many times it was reopened. */
  reopened: number;
  checklist: { item: string; unit?: string }[] | null;
  checklistResults: ChecklistResult[] | null;
};

export interface TicketEventView {
  id: number;
  ticketId: number;
  ts: number;
  event: string;
  from: TicketState | null;
  to: TicketState | null;
  actor: string;
  via: string;
  comment: string | null;
  data: unknown;
}

export interface TicketPhotoView {
  id: number;
  ticketId: number;
  file: string;
  mime: string;
  bytes: number;
  stage: 'report' | 'work' | 'resolution';
  uploadedBy: string;
  ts: number;
}

export interface TrendSnapshot {
  from: number;
  to: number;
  stepMs: number;
  series: { pointId: string; unit: string; values: [number, unknown][] }[];
}

export interface TicketEvidence {
  alert: unknown;
  trend: TrendSnapshot | null;
  trendError: string | null;
  capturedAt: number | null;
}
