/** The entry statistics as the API answers them (no imports: the dashboard reads these types too). */

/** The tables of the entry statistics, each also a CSV (stats-csv.ts). */
export const STATS_TABLES = ['hour', 'day', 'gate', 'department', 'peak', 'denied'] as const;
export type StatsTable = (typeof STATS_TABLES)[number];

/**
 * One bucket: `visits` counts visitor passes at their first entry in the period (a visit), `entries` and
 * `exits` every passage through a gate (visitors and staff; for `department`, the host's visitors only).
 */
export interface CountRow {
  key: string;
  label: string;
  visits: number;
  entries: number;
  exits: number;
}

/** The most people inside at once on one day (site time), and when that was first reached. */
export interface PeakRow {
  day: string;
  visitors: number;
  visitorsAt: number | null;
  /** Visitors and staff together. */
  people: number;
  peopleAt: number | null;
}

export interface DeniedRow {
  reason: string;
  count: number;
}

export interface VisitorStats {
  from: number;
  to: number;
  timeZone: string;
  totals: { visits: number; entries: number; exits: number; opened: number; denied: number };
  hour: CountRow[];
  day: CountRow[];
  gate: CountRow[];
  department: CountRow[];
  peak: PeakRow[];
  denied: DeniedRow[];
}

/** Where a visitor of today is: not yet come, inside, gone again; or still waiting for the host. */
export type TodayStatus = 'awaiting' | 'expected' | 'inside' | 'left';

export interface TodayVisitor {
  passId: number;
  visitorName: string;
  company: string | null;
  host: string;
  purpose: string;
  validFrom: number;
  validUntil: number;
  state: string;
  status: TodayStatus;
  entriesUsed: number;
  maxEntries: number;
  /** First entry today. */
  arrivedAt: number | null;
  /** Last exit today, when not inside. */
  leftAt: number | null;
}

/** The department key of hosts in none (not a valid department id, so never one of them). */
export const NO_DEPARTMENT = '(none)';
