import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useApi, useHubEvent } from '../hub.js';
import type { ControlPoint, ControlPointsAnswer, ControlState, LatestValue } from '../hub-types.js';
import { DEFAULT_OVERRIDE_MINUTES, MAX_OVERRIDE_MINUTES, pointsOf } from './control-model.js';

/** An asset of GET /assets: its name and zone (for the groups) and its points' latest values. */
export interface AssetLite {
  id: string;
  name: string;
  zone: string;
  points: { id: string; latest?: LatestValue }[];
}

/**
 * The command points (GET /control/points) kept current: the socket's `control` events (a point's array,
 * effective value or pending state changed) and `values` (what the device reads back), and a reload after the
 * live connection was down. `assetId` narrows it to one asset's points (the asset page).
 */
export function useControlPoints(assetId?: string) {
  const answer = useApi<ControlPointsAnswer | ControlPoint[]>('/control/points');
  const [points, setPoints] = useState<ControlPoint[]>([]);
  useEffect(() => {
    const all = pointsOf(answer.data);
    setPoints(assetId ? all.filter((p) => p.assetId === assetId) : all);
  }, [answer.data, assetId]);

  /** A new state of one point (an event, or the answer to a write). */
  const apply = (s: ControlState) =>
    setPoints((list) =>
      list.map((p) => (p.pointId === s.pointId ? { ...p, ...s, mayWrite: p.mayWrite } : p)),
    );
  useHubEvent<ControlState>('control', (s) => s?.pointId && apply(s), []);

  // what the devices read back
  const ids = useMemo(() => new Set(points.map((p) => p.pointId)), [points]);
  const [readBack, setReadBack] = useState(new Map<string, LatestValue>());
  useHubEvent<LatestValue[]>(
    'values',
    (batch) => {
      let next: Map<string, LatestValue> | undefined;
      for (const v of batch) {
        if (!ids.has(v.pointId)) continue;
        next ??= new Map(readBack);
        next.set(v.pointId, v);
      }
      if (next) setReadBack(next);
    },
    [ids, readBack],
  );
  const latest = useApi<AssetLite[]>(assetId ? null : '/assets?values=true');
  const one = useApi<AssetLite>(assetId ? `/assets/${encodeURIComponent(assetId)}` : null);
  useEffect(() => {
    const assets = assetId ? (one.data ? [one.data] : []) : (latest.data ?? []);
    const m = new Map<string, LatestValue>();
    for (const a of assets) for (const p of a.points) if (p.latest) m.set(p.id, p.latest);
    setReadBack(m);
  }, [latest.data, one.data, assetId]);

  // after the live connection was down, the events missed come from the API
  const conn = useRef('live');
  useHubEvent<string>('conn', (s) => {
    if (s === 'live' && conn.current !== 'live') answer.reload();
    conn.current = s;
  });

  const meta = Array.isArray(answer.data) ? undefined : answer.data;
  return {
    points,
    readBack,
    assets: latest.data ?? (one.data ? [one.data] : []),
    apply,
    loading: answer.loading && !answer.data,
    error: answer.error,
    reload: answer.reload,
    overrideMinutes: meta?.overrideMinutes ?? DEFAULT_OVERRIDE_MINUTES,
    maxOverrideMinutes: meta?.maxOverrideMinutes ?? MAX_OVERRIDE_MINUTES,
  };
}

export type ControlPoints = ReturnType<typeof useControlPoints>;
