import type { PassView } from './pass-types.js';

/**
 * Visitor records as CSV (RFC 4180, CRLF, a header row) for a spreadsheet: masked fields only, never a hash.
 * Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'` (OWASP CSV
 * injection): a visitor's name is whatever they typed.
 */

const COLUMNS: [header: string, value: (p: PassView) => string | number | null][] = [
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

function cell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function visitorCsv(passes: readonly PassView[]): string {
  const lines = [COLUMNS.map(([h]) => h).join(',')];
  for (const p of passes) lines.push(COLUMNS.map(([, value]) => cell(value(p))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
