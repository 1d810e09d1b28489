import { type CsvColumn, csvTable } from '../../core/csv.js';
import type { AlertView } from './alert-types.js';

/** Alerts as CSV for a spreadsheet (the alarm log's summary: one row per alert, its latest occurrence). */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const COLUMNS: CsvColumn<AlertView>[] = [
  ['alert_id', (a) => a.id],
  ['rule_id', (a) => a.ruleId],
  ['asset_id', (a) => a.assetId],
  ['point_id', (a) => a.pointId],
  ['severity', (a) => a.severity],
  ['priority', (a) => a.priority],
  ['state', (a) => a.state],
  ['active', (a) => (a.active ? 'yes' : 'no')],
  ['message', (a) => a.message],
  [
    'value',
    (a) =>
      a.value === null || a.value === undefined
        ? null
        : typeof a.value === 'object'
          ? JSON.stringify(a.value)
          : String(a.value),
  ],
  ['raised_at', (a) => iso(a.raisedAt)],
  ['cleared_at', (a) => iso(a.clearedAt)],
  ['acked_at', (a) => iso(a.ackedAt)],
  ['acked_by', (a) => a.ackedBy],
  ['ack_comment', (a) => a.ackComment],
  ['shelved_until', (a) => iso(a.shelvedUntil)],
  ['occurrences', (a) => a.occurrences],
];

export function alertCsv(alerts: readonly AlertView[]): string {
  return csvTable(COLUMNS, alerts);
}
