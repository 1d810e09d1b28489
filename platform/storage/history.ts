import type { PointValue } from '../../core/model/reading.js';

/** The read side of storage, served by InfluxDB or by the embedded store alike. */
export type Aggregate = 'mean' | 'min' | 'max' | 'last' | 'sum' | 'count';
export const AGGREGATES: readonly Aggregate[] = ['mean', 'min', 'max', 'last', 'sum', 'count'];

export interface SeriesQuery {
  pointIds: string[];
  from: number;
  to: number;
  stepMs: number;
  agg: Aggregate;
}

export interface Series {
  pointId: string;
  /** [bucket start (ms), value]; buckets without data are absent. */
  values: [number, PointValue | null][];
}

export interface History {
  /** Where data of this age and step comes from ('raw' or '1m'), as the query would choose it. */
  series(q: SeriesQuery): Promise<{ source: 'raw' | '1m'; series: Series[] }>;
  /** A counter's last value in every 15-minute interval of [from, to) that has data. */
  counterLasts(pointId: string, from: number, to: number): Promise<[number, number][]>;
  /** counterLasts of many points at once (one query per measurement and field where the store can). */
  counterLastsMany(
    pointIds: readonly string[],
    from: number,
    to: number,
  ): Promise<Map<string, [number, number][]>>;
}

export const QUARTER_HOUR_MS = 15 * 60_000;

const NICE_STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 604_800,
].map((s) => s * 1000);

/** The smallest nice step that gives at most `maxPoints` buckets over [from, to). */
export function chooseStep(from: number, to: number, maxPoints = 2_000): number {
  const want = Math.ceil((to - from) / maxPoints);
  return NICE_STEPS_MS.find((s) => s >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

/** Parse "15m", "1h", "30s", "1d" or a number of ms. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] ?? 'ms']!;
  const ms = Number(m[1]) * unit;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

/** Which source answers a query: raw while it is kept and the step is fine, else the 1-minute rollup. */
export function chooseSource(
  q: { from: number; stepMs: number },
  now: number,
  rawDays: number,
): 'raw' | '1m' {
  const rawFrom = now - rawDays * 86_400_000;
  return q.from >= rawFrom && q.stepMs < 15 * 60_000 ? 'raw' : '1m';
}
