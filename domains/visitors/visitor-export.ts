import { type CsvColumn, csvTable } from '../../core/csv.js';
import type { PassView } from './pass-types.js';

/** Visitor records as CSV for a spreadsheet: masked fields only, never a hash. */

const COLUMNS: CsvColumn<PassView>[] = [
  ['pass_id', (p) => p.id],
  ['state', (p) => p.state],
  ['visitor_name', (p) => p.visitorName],
  ['company', (p) => p.company],
  ['phone_masked', (p) => p.phoneMasked],
  ['id_masked', (p) => p.idMasked],
  ['host', (p) => p.host],
  ['purpose', (p) => p.purpose],
  ['valid_from', (p) => iso(p.validFrom)],
  ['valid_until', (p) => iso(p.validUntil)],
  ['max_entries', (p) => p.maxEntries],
  ['entries_used', (p) => p.entriesUsed],
  ['gates', (p) => p.gates?.join(' ') ?? ''],
  ['registered_at', (p) => iso(p.createdAt)],
  ['registered_by', (p) => p.createdBy],
  ['decided_at', (p) => iso(p.decidedAt)],
  ['decided_by', (p) => p.decidedBy],
  ['revoked_at', (p) => iso(p.revokedAt)],
  ['revoked_by', (p) => p.revokedBy],
];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function visitorCsv(passes: readonly PassView[]): string {
  return csvTable(COLUMNS, passes);
}
