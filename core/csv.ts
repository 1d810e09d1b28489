/**
 * CSV for spreadsheets (RFC 4180, CRLF, a header row). Text a spreadsheet would run as a formula (`=`, `+`,
 * `-`, `@` first) is prefixed with `'` (OWASP CSV injection): names are whatever people typed.
 */

export type CsvColumn<T> = [header: string, value: (row: T) => string | number | null | undefined];

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvTable<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map(([h]) => h).join(',')];
  for (const r of rows) lines.push(columns.map(([, value]) => cell(value(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
