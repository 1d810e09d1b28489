import { type ApiProblem, api } from '../hub.js';
import { priorityText, stateText } from './tickets-text.js';

/**
 * What the tickets view's parts share: the API's shapes (domains/tickets/ticket-types.ts, hub/api/ticket-routes.ts),
 * the site's assets, the state and priority badges, and small helpers (the words: tickets-text.ts).
 */

import {
  FINISHED_STATES,
  TICKET_ACTIONS,
  TICKET_KINDS,
  TICKET_STATES,
  type TicketAction,
  type TicketEventView,
  type TicketKind,
  type TicketPhotoView,
  type TicketState,
  type TicketView,
  type TrendSnapshot,
} from '../../../domains/tickets/ticket-types.js';

/** The API's shapes are the hub's own (domains/tickets/ticket-types.ts). */
export const STATES = TICKET_STATES;
export const ACTIONS = TICKET_ACTIONS;
export const KINDS = TICKET_KINDS;
export const FINISHED = FINISHED_STATES;
export type { TicketAction, TicketKind, TicketState, TrendSnapshot };
export type Ticket = TicketView;
export type TicketEvent = TicketEventView;
export type TicketPhoto = TicketPhotoView;

export interface AlertSnapshot {
  id?: number;
  ruleId?: string;
  assetId?: string;
  pointId?: string | null;
  severity?: string;
  message?: string;
  value?: unknown;
  raisedAt?: number | null;
  clearedAt?: number | null;
}

export interface TicketDetail {
  ticket: Ticket;
  actions: TicketAction[];
  /** The caller may add notes and photos (the hub's one rule: involved, and the ticket not finished). */
  mayAdd: boolean;
  events: TicketEvent[];
  photos: TicketPhoto[];
  evidence: {
    alert: AlertSnapshot | null;
    trend: TrendSnapshot | null;
    trendError: string | null;
    capturedAt: number | null;
  } | null;
}

export interface Asset {
  id: string;
  name: string;
  kind: string;
  zone: string;
}

let assets: Promise<Map<string, Asset>> | undefined;
/** The site's assets by id, fetched once (a failure is tried again next time). */
export function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= api<Asset[]>('/assets').then(
    (list) => new Map(list.map((a) => [a.id, a])),
    (err) => {
      assets = undefined;
      throw err;
    },
  );
  return assets;
}

/** The problem's detail and, for a 400, which fields were wrong. */
export function problemLines(err: unknown): string {
  const e = err as ApiProblem;
  const base = e?.problem?.detail ?? e?.problem?.title ?? e?.message ?? String(err);
  const fields = e?.problem?.errors?.map((x) => `${x.path}: ${x.message}`) ?? [];
  return [base, ...fields.filter((f) => !base.includes(f))].join(' · ');
}

const STATE_TONE: Record<TicketState, string> = {
  submitted: 'warn',
  approved: 'info',
  rejected: 'muted',
  dispatched: 'info',
  accepted: 'info',
  'in-progress': 'warn',
  resolved: 'good',
  closed: 'muted',
  cancelled: 'muted',
  reopened: 'bad',
};

export function StateBadge({ state }: { state: TicketState }) {
  return (
    <span class={`badge badge-${STATE_TONE[state] ?? 'info'} tk-state`} data-badge-state={state}>
      {stateText(state)}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: number }) {
  const tone = priority === 1 ? 'bad' : priority === 2 ? 'warn' : 'muted';
  return (
    <span class={`badge badge-${tone} tk-prio`} data-priority={priority}>
      {`P${priority} ${priorityText(priority)}`}
    </span>
  );
}

/** Late: a deadline missed (recorded), or passed and not yet met. */
export function lateness(tk: Ticket, now = Date.now()): 'breached' | 'overdue' | null {
  if (tk.respondBreachedAt || tk.resolveBreachedAt) return 'breached';
  if (FINISHED.includes(tk.state) || tk.state === 'resolved') return null;
  const respondLate = tk.acceptedAt === null && tk.respondDueAt !== null && tk.respondDueAt < now;
  const resolveLate = tk.resolvedAt === null && tk.resolveDueAt !== null && tk.resolveDueAt < now;
  return respondLate || resolveLate ? 'overdue' : null;
}

/** Where: the asset's name, else the location. */
export function placeOf(tk: Ticket, assets: Map<string, Asset> | undefined): string {
  if (tk.assetId) return assets?.get(tk.assetId)?.name ?? tk.assetId;
  return tk.location ?? '—';
}
