/**
 * The trends chart's data: History API series on one time axis (uPlot's aligned arrays), with gaps where a
 * point had no data for much longer than it reports, and live readings put into their buckets as they come.
 *
 * In the y arrays `undefined` means "no bucket here for this point" (the line joins over it: other points
 * may have buckets where this one has none) and `null` means a gap (the line breaks).
 */

export interface HistoryAnswer {
  from: number;
  to: number;
  step: number;
  agg: string;
  source: 'raw' | '1m';
  series: { pointId: string; unit: string; values: [number, number | boolean | string | null][] }[];
}

export interface TrendData {
  xs: number[];
  ys: (number | null | undefined)[][];
  /** The bucket size the store used. */
  step: number;
  /** Per series: a silence longer than this is a gap. */
  gapMs: number[];
  /** Per series: the last bucket with a value. */
  lastAt: (number | undefined)[];
  /** Samples in a bucket filled live (series|bucket → count), for its running mean. */
  counts: Map<string, number>;
}

/** What the store used: the 1-minute rollup rounds the step to whole minutes. */
export const effectiveStep = (a: Pick<HistoryAnswer, 'step' | 'source'>) =>
  a.source === '1m' ? Math.max(60_000, Math.round(a.step / 60_000) * 60_000) : a.step;

/**
 * A silence counts as a gap after 3 buckets or 3 of the point's reporting intervals, whichever is longer, and
 * never under 2 minutes (a few missed readings of a fast point are not worth breaking the line for).
 */
export const gapFor = (step: number, intervalMs: number | undefined) =>
  Math.max(3 * step, 3 * (intervalMs ?? 60_000), 120_000);

export function alignSeries(
  answer: HistoryAnswer,
  pointIds: string[],
  intervalOf: (pointId: string) => number | undefined,
): TrendData {
  const step = effectiveStep(answer);
  const gapMs = pointIds.map((id) => gapFor(step, intervalOf(id)));
  const byId = new Map(answer.series.map((s) => [s.pointId, s]));
  const cells = new Map<number, Map<number, number | null>>();
  const put = (x: number, i: number, v: number | null) => {
    let row = cells.get(x);
    if (!row) {
      row = new Map();
      cells.set(x, row);
    }
    row.set(i, v);
  };
  const lastAt: (number | undefined)[] = [];
  pointIds.forEach((id, i) => {
    let prev: number | undefined;
    for (const [x, raw] of byId.get(id)?.values ?? []) {
      const v = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? Number(raw) : null;
      if (v === null) continue;
      if (prev !== undefined && x - prev > gapMs[i]!) put(prev + step, i, null);
      put(x, i, v);
      prev = x;
    }
    lastAt.push(prev);
  });
  const xs = [...cells.keys()].sort((a, b) => a - b);
  const ys = pointIds.map((_, i) =>
    xs.map((x) => (cells.get(x)!.has(i) ? cells.get(x)!.get(i)! : undefined)),
  );
  return { xs, ys, step, gapMs, lastAt, counts: new Map() };
}

/** Index of x in the sorted xs, or where it would go (as -(index + 1)). */
function find(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  // live readings land at the end: look there first
  if (hi >= 0 && xs[hi]! < x) return -(hi + 2);
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = xs[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

function column(d: TrendData, x: number): number {
  const at = find(d.xs, x);
  if (at >= 0) return at;
  const idx = -at - 1;
  d.xs.splice(idx, 0, x);
  for (const y of d.ys) y.splice(idx, 0, undefined);
  return idx;
}

/** Put a live reading of series i into its bucket (a running mean with what the bucket had). */
export function putLive(d: TrendData, i: number, ts: number, value: number): void {
  const x = Math.floor(ts / d.step) * d.step;
  const last = d.lastAt[i];
  if (last !== undefined && x > last && x - last > d.gapMs[i]!) d.ys[i]![column(d, last + d.step)] = null;
  const col = column(d, x);
  const key = `${i}|${x}`;
  const had = d.ys[i]![col];
  const n = d.counts.get(key) ?? (typeof had === 'number' ? 1 : 0);
  d.ys[i]![col] = n && typeof had === 'number' ? had + (value - had) / (n + 1) : value;
  d.counts.set(key, n + 1);
  if (last === undefined || x > last) d.lastAt[i] = x;
}

/** Drop the buckets before `from` (a live window moving on). */
export function trimBefore(d: TrendData, from: number): void {
  let n = 0;
  while (n < d.xs.length && d.xs[n]! < from) n++;
  if (!n) return;
  d.xs.splice(0, n);
  for (const y of d.ys) y.splice(0, n);
}

/** A step as people say it: 2 s, 1 min, 30 min, 1 h, 1 d. */
export function stepText(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1_000} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}
