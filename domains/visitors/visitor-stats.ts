import type { Clock } from '../../core/clock.js';
import { invalid } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { intervalStart, nextInterval, wallTime } from '../../core/time/zoned-time.js';
import type { GateStore } from './gate-store.js';
import { localClock } from './local-clock.js';
import type { PassService } from './pass-service.js';
import {
  type CountRow,
  NO_DEPARTMENT,
  type PeakRow,
  type TodayStatus,
  type TodayVisitor,
  type VisitorStats,
} from './stats-types.js';
import type { VisitorStatsStore } from './visitor-stats-store.js';

const DAY = 86_400_000;
const TODAY_MAX = 500;

/**
 * The security desk's statistics of entries: visits and passages by hour of day, day, gate and the host's
 * department (maintenance.departments members); the peak number inside per day, replayed from the passages;
 * denied scans by reason; and today's expected visitors with where they are.
 */
export class VisitorStatsService {
  constructor(
    private readonly d: {
      site: SiteModel;
      gates: GateStore;
      store: VisitorStatsStore;
      passes: PassService;
      /** Gate asset ids the hub decides for. */
      gateIds: readonly string[];
      clock: Clock;
      /** How far before `from` to look for who was already inside: the longest pass window. */
      lookbackMs: number;
    },
  ) {}

  private get tz(): string {
    return this.d.site.site.timezone;
  }

  private dayKey(ts: number): string {
    const w = wallTime(ts, this.tz);
    return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  }

  /** The statistics of [from, to), at most a year at a time. */
  stats(from: number, to: number): VisitorStats {
    if (to <= from) throw invalid('to must be after from');
    if (to - from > 366 * DAY) throw invalid('at most a year at a time (to − from ≤ 366 days)');
    const { site, gates, store } = this.d;
    const passages = gates.passages(from, to);
    const local = localClock(this.tz);

    // the buckets, every one listed even when empty: a chart and a CSV need the zeros
    const row = (key: string, label = key): CountRow => ({ key, label, visits: 0, entries: 0, exits: 0 });
    const hour = Array.from({ length: 24 }, (_, h) => row(String(h).padStart(2, '0')));
    const days = new Map<string, CountRow>();
    const dayStarts: [string, number][] = [];
    for (let d = intervalStart(from, '1d', this.tz); d < to; d = nextInterval(d, '1d', this.tz)) {
      const key = this.dayKey(d);
      days.set(key, row(key));
      dayStarts.push([key, Math.max(d, from)]);
    }
    const gateRows = new Map<string, CountRow>(
      this.d.gateIds.map((g) => [g, row(g, site.assetById.get(g)?.name ?? g)]),
    );
    const departments = site.config.maintenance.departments;
    const deptRows = new Map<string, CountRow>(departments.map((d) => [d.id, row(d.id, d.name)]));
    const noDept = row(NO_DEPARTMENT, '');
    const hosts = store.hosts([...new Set(passages.flatMap((p) => (p.pass_id === null ? [] : [p.pass_id])))]);
    const deptsOfHost = (host: string | undefined): CountRow[] => {
      if (host === undefined) return [];
      const of = departments.filter((d) => d.members.includes(host)).map((d) => deptRows.get(d.id)!);
      return of.length ? of : [noDept];
    };

    const totals = { visits: 0, entries: 0, exits: 0, opened: 0, denied: 0 };
    const visited = new Set<number>();
    for (const p of passages) {
      const dir = p.direction === 'in' ? 'entries' : 'exits';
      const firstVisit = dir === 'entries' && p.pass_id !== null && !visited.has(p.pass_id);
      if (firstVisit) visited.add(p.pass_id!);
      const gate =
        gateRows.get(p.gate_id) ?? row(p.gate_id, site.assetById.get(p.gate_id)?.name ?? p.gate_id);
      gateRows.set(p.gate_id, gate);
      const buckets = [
        hour[local(p.ts).hour]!,
        days.get(local(p.ts).day)!,
        gate,
        ...(p.pass_id === null ? [] : deptsOfHost(hosts.get(p.pass_id))),
      ];
      for (const b of buckets) {
        b[dir]++;
        if (firstVisit) b.visits++;
      }
      totals[dir]++;
      if (firstVisit) totals.visits++;
    }

    const denied = new Map<string, number>();
    for (const d of gates.decisionCounts(from, to)) {
      if (d.decision === 'open') totals.opened += d.n;
      else {
        totals.denied += d.n;
        const reason = d.reason ?? 'unknown';
        denied.set(reason, (denied.get(reason) ?? 0) + d.n);
      }
    }

    return {
      from,
      to,
      timeZone: this.tz,
      totals,
      hour,
      day: [...days.values()],
      gate: [...gateRows.values()],
      department: [...deptRows.values(), ...(noDept.entries || noDept.exits ? [noDept] : [])],
      peak: this.peaks(from, passages, dayStarts, local),
      denied: [...denied].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    };
  }

  /** Replays who went in and out: first the passages before `from` (who was inside then), then the period's. */
  private peaks(
    from: number,
    passages: ReturnType<GateStore['passages']>,
    dayStarts: [string, number][],
    local: (ts: number) => { day: string },
  ): PeakRow[] {
    const inside = new Set<string>();
    let visitorsInside = 0;
    const who = (p: { pass_id: number | null; badge_id: number | null }) =>
      p.pass_id !== null ? `p${p.pass_id}` : p.badge_id !== null ? `b${p.badge_id}` : undefined;
    const apply = (p: (typeof passages)[number]) => {
      const k = who(p);
      if (k === undefined) return; // a passage nobody was recognised for: not counted as anyone
      const visitor = k.startsWith('p');
      if (p.direction === 'in' && !inside.has(k)) {
        inside.add(k);
        if (visitor) visitorsInside++;
      } else if (p.direction !== 'in' && inside.delete(k) && visitor) visitorsInside--;
    };
    for (const p of this.d.gates.passages(from - this.d.lookbackMs, from)) apply(p);
    const peaks = new Map<string, PeakRow>();
    let i = 0;
    for (const [day, start] of dayStarts) {
      const peak: PeakRow = { day, visitors: 0, visitorsAt: null, people: 0, peopleAt: null };
      const consider = (at: number) => {
        const v = visitorsInside;
        if (v > peak.visitors) Object.assign(peak, { visitors: v, visitorsAt: at });
        if (inside.size > peak.people) Object.assign(peak, { people: inside.size, peopleAt: at });
      };
      consider(start);
      while (i < passages.length && local(passages[i]!.ts).day === day) {
        apply(passages[i]!);
        consider(passages[i]!.ts);
        i++;
      }
      peaks.set(day, peak);
    }
    return [...peaks.values()];
  }

  /** Today's visitors (site time): approved or awaiting approval, with where they are now. */
  today(): { day: string; from: number; to: number; visitors: TodayVisitor[] } {
    const now = this.d.clock.now();
    const from = intervalStart(now, '1d', this.tz);
    const to = nextInterval(from, '1d', this.tz);
    const ids = this.d.store.expected(from, to, TODAY_MAX);
    const arrived = new Map<number, number>();
    const left = new Map<number, number>();
    for (const p of this.d.store.passagesOf(ids, from, to)) {
      if (p.direction === 'in' && !arrived.has(p.pass_id)) arrived.set(p.pass_id, p.ts);
      if (p.direction === 'out') left.set(p.pass_id, p.ts);
    }
    const visitors = ids.flatMap((id) => {
      const p = this.d.passes.get(id);
      if (!p) return [];
      const status: TodayStatus =
        p.state === 'requested'
          ? 'awaiting'
          : p.inside
            ? 'inside'
            : arrived.has(id) || p.entriesUsed > 0
              ? 'left'
              : 'expected';
      return [
        {
          passId: p.id,
          visitorName: p.visitorName,
          company: p.company,
          host: p.host,
          purpose: p.purpose,
          validFrom: p.validFrom,
          validUntil: p.validUntil,
          state: p.state,
          status,
          entriesUsed: p.entriesUsed,
          maxEntries: p.maxEntries,
          arrivedAt: arrived.get(id) ?? null,
          leftAt: status === 'left' ? (left.get(id) ?? null) : null,
        },
      ];
    });
    return { day: this.dayKey(now), from, to, visitors };
  }
}
