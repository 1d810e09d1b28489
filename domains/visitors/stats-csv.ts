import { type CsvColumn, csvTable } from '../../core/csv.js';
import type { CountRow, DeniedRow, PeakRow, StatsTable, VisitorStats } from './stats-types.js';

/** Each table of the entry statistics as CSV (times ISO 8601 UTC, days as the site's dates). */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const counts = (keyHeader: string, withLabel: boolean): CsvColumn<CountRow>[] => [
  [keyHeader, (r) => r.key],
  ...(withLabel ? [['name', (r: CountRow) => r.label] as CsvColumn<CountRow>] : []),
  ['visits', (r) => r.visits],
  ['entries', (r) => r.entries],
  ['exits', (r) => r.exits],
];

const PEAK: CsvColumn<PeakRow>[] = [
  ['day', (r) => r.day],
  ['peak_visitors', (r) => r.visitors],
  ['peak_visitors_at', (r) => iso(r.visitorsAt)],
  ['peak_people', (r) => r.people],
  ['peak_people_at', (r) => iso(r.peopleAt)],
];

const DENIED: CsvColumn<DeniedRow>[] = [
  ['reason', (r) => r.reason],
  ['count', (r) => r.count],
];

export function statsCsv(s: VisitorStats, table: StatsTable): string {
  switch (table) {
    case 'hour':
      return csvTable(counts('hour', false), s.hour);
    case 'day':
      return csvTable(counts('day', false), s.day);
    case 'gate':
      return csvTable(counts('gate', true), s.gate);
    case 'department':
      return csvTable(counts('department', true), s.department);
    case 'peak':
      return csvTable(PEAK, s.peak);
    case 'denied':
      return csvTable(DENIED, s.denied);
  }
}
