import { type CsvColumn, csvTable } from '../../core/csv.js';
import type { EnergyReport, MeterRow } from './report.js';

/** A report as CSV: one row per meter of its scope, with the period and the scope in every row. */
export function reportCsv(r: EnergyReport): string {
  const columns: CsvColumn<MeterRow>[] = [
    ['period', () => r.period.label],
    ['scope', () => r.zone ?? 'site'],
    ['meter', (m) => m.id],
    ['name', (m) => m.name],
    ['medium', (m) => m.medium],
    ['unit', (m) => m.unit],
    ['zone', (m) => m.zone],
    ['parent', (m) => m.parent],
    ['virtual', (m) => (m.virtual ? 'yes' : 'no')],
    ['consumption', (m) => m.consumption],
    ['completeness', (m) => m.completeness],
    [`cost_${r.currency}`, (m) => m.cost],
    ['peak_demand_kw', (m) => m.peakDemandKw],
    ['peak_at', (m) => (m.peakAt === undefined ? null : new Date(m.peakAt).toISOString())],
    ['previous_consumption', (m) => m.previous.consumption],
    ['change_pct', (m) => m.changePct],
    ['baseline_expected', (m) => m.baseline?.expected],
    ['baseline_deviation_pct', (m) => m.baseline?.deviationPct],
    ['after_hours_consumption', (m) => m.afterHours?.consumption],
    ['after_hours_waste', (m) => m.afterHours?.waste],
    ['carbon_kg', (m) => m.carbonKg],
  ];
  return csvTable(columns, r.meters);
}
