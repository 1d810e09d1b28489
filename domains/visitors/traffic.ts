import { wallTime } from '../../core/time/zoned-time.js';
import type { GateStore } from './gate-store.js';

export interface Traffic {
  from: number;
  to: number;
  entries: number;
  exits: number;
  /** Distinct visitor passes that entered. */
  visitors: number;
  byGate: Record<string, { in: number; out: number }>;
  /** Local hour of day (0–23) → entries and exits. */
  byHour: { hour: number; in: number; out: number }[];
  /** Local date (YYYY-MM-DD) → entries and exits. */
  byDay: Record<string, { in: number; out: number }>;
  decisions: { open: number; deny: number; denyReasons: Record<string, number> };
}

/** Entries and exits by gate, hour and day in the site's time zone, for the access-management report. */
export function traffic(store: GateStore, timeZone: string, from: number, to: number): Traffic {
  const out: Traffic = {
    from,
    to,
    entries: 0,
    exits: 0,
    visitors: 0,
    byGate: {},
    byHour: Array.from({ length: 24 }, (_, hour) => ({ hour, in: 0, out: 0 })),
    byDay: {},
    decisions: { open: 0, deny: 0, denyReasons: {} },
  };
  const passes = new Set<number>();
  for (const p of store.passages(from, to)) {
    const dir = p.direction === 'in' ? 'in' : 'out';
    if (dir === 'in') {
      out.entries++;
      if (p.pass_id !== null) passes.add(p.pass_id);
    } else out.exits++;
    const w = wallTime(p.ts, timeZone);
    const day = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
    count(out.byGate, p.gate_id, dir);
    out.byHour[w.hour]![dir]++;
    count(out.byDay, day, dir);
  }
  out.visitors = passes.size;
  for (const d of store.decisionCounts(from, to)) {
    if (d.decision === 'open') out.decisions.open += d.n;
    else {
      out.decisions.deny += d.n;
      const r = d.reason ?? 'unknown';
      out.decisions.denyReasons[r] = (out.decisions.denyReasons[r] ?? 0) + d.n;
    }
  }
  return out;
}

function count(table: Record<string, { in: number; out: number }>, key: string, dir: 'in' | 'out'): void {
  const row = table[key] ?? { in: 0, out: 0 };
  row[dir]++;
  table[key] = row;
}
