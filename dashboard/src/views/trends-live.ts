import { useEffect, useRef, useState } from 'preact/hooks';
import { api, useHubEvent } from '../hub.js';
import type { LatestValue } from '../hub-types.js';
import { alignSeries, type HistoryAnswer, putLive, type TrendData, trimBefore } from './trends-data.js';
import { type Latest, PRESETS, type Spec, type TrendPoint } from './trends-spec.js';

/**
 * The trends chart's data: the points' history over the range, and (for a range ending now) the live
 * readings put in as they come; the points' newest values for their chips; the connection's state. Back
 * after a break, what was missed comes from history.
 */

export interface TrendMeta {
  key: string;
  answer?: Omit<HistoryAnswer, 'series'>;
  error?: unknown;
  loading: boolean;
  window: [number, number];
}

export function useTrendData({
  spec,
  specKey,
  pointById,
}: {
  spec: Spec;
  specKey: string;
  pointById: Map<string, TrendPoint>;
}) {
  const points = spec.points;
  const pointsKey = points.join(',');

  // latest values: from the asset list, then live
  const [latest, setLatest] = useState(() => {
    const m = new Map<string, Latest>();
    for (const p of pointById.values()) if (p.latest) m.set(p.id, p.latest);
    return m;
  });

  // the data, kept in a ref and mutated by live readings; `version` re-renders
  const data = useRef<TrendData | null>(null);
  /** Which points data.current is of. */
  const dataOf = useRef('');
  /** The newest live reading put in, per point (the hub sends a value again when its quality changes). */
  const liveTs = useRef(new Map<string, number>());
  /** Live readings that came while history was loading: put in after it, if newer than what it covers. */
  const pending = useRef<{ pointId: string; ts: number; value: number }[]>([]);
  const [meta, setMeta] = useState<TrendMeta>();
  const [version, setVersion] = useState(0);
  const [conn, setConn] = useState<string>('live');
  const [reloadKey, setReloadKey] = useState(0);
  const live = spec.range !== 'custom';

  useEffect(() => {
    if (!points.length) {
      data.current = null;
      setMeta(undefined);
      return;
    }
    const now = Date.now();
    const to = spec.range === 'custom' ? spec.to! : Math.ceil(now / 1_000) * 1_000;
    const from = spec.range === 'custom' ? spec.from! : to - PRESETS[spec.range];
    let current = true;
    setMeta((m) => ({ key: specKey, answer: m?.answer, loading: true, window: [from, to] }));
    pending.current = [];
    api<HistoryAnswer>(
      `/history?points=${points.map(encodeURIComponent).join(',')}&from=${from}&to=${to}`,
    ).then(
      (answer) => {
        if (!current) return;
        const d = alignSeries(answer, points, (id) => pointById.get(id)?.intervalMs);
        data.current = d;
        dataOf.current = pointsKey;
        liveTs.current.clear();
        for (const r of pending.current) {
          const i = points.indexOf(r.pointId);
          if (i < 0 || r.ts < to || r.ts <= (liveTs.current.get(r.pointId) ?? 0)) continue;
          liveTs.current.set(r.pointId, r.ts);
          putLive(d, i, r.ts, r.value);
        }
        pending.current = [];
        const { series: _, ...rest } = answer;
        setMeta({ key: specKey, answer: rest, loading: false, window: [from, to] });
        setVersion((v) => v + 1);
      },
      (error: unknown) => {
        if (!current) return;
        setMeta({ key: specKey, error, loading: false, window: [from, to] });
      },
    );
    return () => {
      current = false;
    };
  }, [specKey, reloadKey]);

  // a live range slides with the clock
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(timer);
  }, [live]);

  useHubEvent<LatestValue[]>(
    'values',
    (batch) => {
      let changed = false;
      let next: Map<string, Latest> | undefined;
      for (const v of batch) {
        const i = points.indexOf(v.pointId);
        if (i < 0) continue;
        next ??= new Map(latest);
        next.set(v.pointId, { value: v.value, quality: v.quality, ts: v.ts });
        if (!live || typeof v.value !== 'number' || v.ts === null || v.quality === 'bad') continue;
        const d = data.current;
        if (!d || dataOf.current !== pointsKey || meta?.key !== specKey || meta.loading) {
          if (pending.current.length < 10_000)
            pending.current.push({ pointId: v.pointId, ts: v.ts, value: v.value });
          continue;
        }
        if (v.ts <= (liveTs.current.get(v.pointId) ?? 0)) continue;
        liveTs.current.set(v.pointId, v.ts);
        putLive(d, i, v.ts, v.value);
        changed = true;
      }
      if (next) setLatest(next);
      if (changed && data.current && spec.range !== 'custom') {
        trimBefore(data.current, Date.now() - PRESETS[spec.range]);
        setVersion((x) => x + 1);
        setNow(Date.now());
      }
    },
    [latest, pointsKey, live, meta, specKey],
  );
  useHubEvent<string>(
    'conn',
    (s) => {
      // back after a break: what was missed comes from history
      if (s === 'live' && conn !== 'live' && live) setReloadKey((k) => k + 1);
      setConn(s);
    },
    [conn, live],
  );

  return {
    latest,
    data,
    dataOf,
    meta,
    version,
    conn,
    now,
    live,
    reload: () => setReloadKey((k) => k + 1),
  };
}
