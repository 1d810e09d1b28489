import { type CsvColumn, csvTable } from '../../core/csv.js';
import type { TicketView } from './ticket-types.js';

/**
 * Tickets as CSV for a spreadsheet: what happened when, who, the service level and the rating. Titles,
 * descriptions and resolutions are what people typed: core/csv.ts defuses formulas.
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const minutes = (from: number | null, to: number | null) =>
  from === null || to === null ? null : Math.round((to - from) / 6_000) / 10;

const COLUMNS: CsvColumn<TicketView>[] = [
  ['ticket_id', (t) => t.id],
  ['kind', (t) => t.kind],
  ['source', (t) => t.source],
  ['state', (t) => t.state],
  ['priority', (t) => t.priority],
  ['title', (t) => t.title],
  ['asset_id', (t) => t.assetId],
  ['zone_id', (t) => t.zoneId],
  ['location', (t) => t.location],
  ['requester', (t) => t.requester],
  ['department', (t) => t.department],
  ['team', (t) => t.team],
  ['assignee', (t) => t.assignee],
  ['created_at', (t) => iso(t.createdAt)],
  ['dispatched_at', (t) => iso(t.dispatchedAt)],
  ['accepted_at', (t) => iso(t.acceptedAt)],
  ['resolved_at', (t) => iso(t.resolvedAt)],
  ['closed_at', (t) => iso(t.closedAt)],
  ['minutes_to_accept', (t) => minutes(t.createdAt, t.acceptedAt)],
  ['minutes_to_resolve', (t) => minutes(t.createdAt, t.resolvedAt)],
  ['respond_breached', (t) => (t.respondBreachedAt === null ? 'no' : 'yes')],
  ['resolve_breached', (t) => (t.resolveBreachedAt === null ? 'no' : 'yes')],
  ['reopened', (t) => t.reopened],
  ['rating', (t) => t.rating],
  ['resolution', (t) => t.resolution],
];

export function ticketCsv(tickets: readonly TicketView[]): string {
  return csvTable(COLUMNS, tickets);
}
