import type { Db } from '../../platform/db/database.js';

export const KPI_GROUPS = ['team', 'zone', 'asset-kind', 'kind', 'technician'] as const;
export type KpiGroup = (typeof KPI_GROUPS)[number];

const COLUMN: Record<KpiGroup, string> = {
  team: 'team',
  zone: 'zone_id',
  'asset-kind': 'asset_kind',
  kind: 'kind',
  // the technician the ticket is assigned to now (a reassigned ticket counts for the last one)
  technician: 'assignee',
};

export interface KpiRow {
  /**
   * The group's value (a team id, zone id, asset kind, ticket kind, technician's username); null: none set;
   * 'all' for the total.
   */
  key: string | null;
  /** The technician's display name (group technician only). */
  name?: string | null;
  tickets: number;
  resolved: number;
  /** Mean minutes from submission to a technician's acceptance (接单). */
  mttaMinutes: number | null;
  /** Mean minutes from dispatch (派工) to acceptance: what the technician controls, unlike the desk's part. */
  acceptMinutes: number | null;
  /** Mean minutes from submission to resolution. */
  mttrMinutes: number | null;
  /** Share of tickets with a service level that met both targets (of those resolved or already breached). */
  slaCompliance: number | null;
  breaches: number;
  /** Share of resolved tickets never reopened. */
  firstTimeFix: number | null;
  /** Mean rating (1–5) and how many ratings it is from. */
  satisfaction: number | null;
  ratings: number;
}

const round = (v: unknown, digits: number) =>
  typeof v === 'number' ? Math.round(v * 10 ** digits) / 10 ** digits : null;

/**
 * The service evaluation (服务评价) over tickets submitted in [from, to): mean time to accept and to repair,
 * SLA compliance, first-time fix and satisfaction, for the whole site and per team, zone, asset kind or
 * ticket kind or technician. Cancelled and rejected tickets are left out.
 */
export function ticketKpis(
  db: Db,
  from: number,
  to: number,
  group?: KpiGroup,
): { total: KpiRow; groups: KpiRow[] } {
  const select = (key: string) => `
    SELECT ${key} AS key,
      COUNT(*) AS tickets,
      SUM(resolved_at IS NOT NULL) AS resolved,
      AVG(accepted_at - created_at) / 60000.0 AS mtta,
      AVG(accepted_at - dispatched_at) / 60000.0 AS accept,
      AVG(resolved_at - created_at) / 60000.0 AS mttr,
      SUM(respond_breached_at IS NOT NULL OR resolve_breached_at IS NOT NULL) AS breaches,
      SUM(resolve_due_at IS NOT NULL AND (resolved_at IS NOT NULL
        OR respond_breached_at IS NOT NULL OR resolve_breached_at IS NOT NULL)) AS sla_judged,
      SUM(resolve_due_at IS NOT NULL AND resolved_at IS NOT NULL
        AND respond_breached_at IS NULL AND resolve_breached_at IS NULL) AS sla_met,
      SUM(resolved_at IS NOT NULL AND reopened = 0) AS first_fix,
      AVG(rating) AS satisfaction,
      COUNT(rating) AS ratings
    FROM tickets
    WHERE created_at >= ? AND created_at < ? AND state NOT IN ('cancelled', 'rejected')`;
  const toRow = (r: Record<string, unknown>): KpiRow => {
    const n = (k: string) => Number(r[k] ?? 0);
    return {
      key: r.key as string | null,
      tickets: n('tickets'),
      resolved: n('resolved'),
      mttaMinutes: round(r.mtta, 1),
      acceptMinutes: round(r.accept, 1),
      mttrMinutes: round(r.mttr, 1),
      slaCompliance: n('sla_judged') ? round(n('sla_met') / n('sla_judged'), 3) : null,
      breaches: n('breaches'),
      firstTimeFix: n('resolved') ? round(n('first_fix') / n('resolved'), 3) : null,
      satisfaction: round(r.satisfaction, 2),
      ratings: n('ratings'),
    };
  };
  const total = toRow(db.prepare(select("'all'")).get(from, to) as Record<string, unknown>);
  const groups = group
    ? (
        db
          .prepare(`${select(COLUMN[group])} GROUP BY ${COLUMN[group]} ORDER BY ${COLUMN[group]}`)
          .all(from, to) as Record<string, unknown>[]
      ).map(toRow)
    : [];
  return { total, groups };
}
