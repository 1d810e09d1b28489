import { useEffect, useRef, useState } from 'preact/hooks';
import { api, useHubEvent } from '../hub.js';
import {
  type Alert,
  type AlertEvent,
  type AlertList,
  type Counts,
  type Filter,
  listPath,
  needsAck,
  upsert,
} from './alerts-model.js';
import { beep } from './alerts-sound.js';

/**
 * The alerts console's list: loaded for the filter (older pages on demand), kept current by live `alert`
 * events (also those that arrive while it loads), loaded again when the connection is back; the counts; the
 * newly raised alerts (highlighted for a while); the critical ones that wait in the banner.
 */

/** How long a newly raised alert's row stays highlighted. */
const FRESH_MS = 30_000;

export function useAlertList(filter: Filter, selected: number | null) {
  const [list, setList] = useState<{ alerts: Alert[]; next?: number }>();
  const [counts, setCounts] = useState<Counts>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [olderBusy, setOlderBusy] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const [banner, setBanner] = useState<Alert[]>([]);
  const [detailVersion, setDetailVersion] = useState(0);
  const [connLost, setConnLost] = useState(false);
  const path = listPath(filter);

  // what the live handler needs without being registered again
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  /** Events that arrive while the list loads: applied to the answer too, so none is lost. */
  const during = useRef<Alert[] | null>(null);
  const seq = useRef(0);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const countsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const countsSeq = useRef(0);
  const wasLive = useRef(true);

  const load = () => {
    const my = ++seq.current;
    during.current = [];
    setLoading(true);
    api<AlertList>(path).then(
      (r) => {
        if (my !== seq.current) return;
        let alerts = r.alerts;
        for (const a of during.current ?? []) alerts = upsert(alerts, a, filterRef.current);
        during.current = null;
        setList({ alerts, next: r.next });
        setCounts(r.counts);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (my !== seq.current) return;
        during.current = null;
        setError(err);
        setLoading(false);
      },
    );
  };

  const loadOlder = () => {
    if (list?.next === undefined) return;
    setOlderBusy(true);
    const my = seq.current;
    api<AlertList>(listPath(filter, list.next)).then(
      (r) => {
        setOlderBusy(false);
        if (my !== seq.current) return;
        setList((l) => {
          if (!l) return l;
          const have = new Set(l.alerts.map((a) => a.id));
          return { alerts: [...l.alerts, ...r.alerts.filter((a) => !have.has(a.id))], next: r.next };
        });
      },
      (err: unknown) => {
        setOlderBusy(false);
        setError(err);
      },
    );
  };

  useEffect(load, [path]);

  useEffect(
    () => () => {
      for (const id of timers.current) clearTimeout(id);
      clearTimeout(countsTimer.current);
    },
    [],
  );

  /** The counts after a burst of events (one request, the latest answer wins). */
  const refreshCounts = () => {
    clearTimeout(countsTimer.current);
    countsTimer.current = setTimeout(() => {
      const my = ++countsSeq.current;
      api<AlertList>('/alerts?limit=1').then(
        (r) => my === countsSeq.current && setCounts(r.counts),
        () => undefined,
      );
    }, 100);
  };

  const markFresh = (id: number) => {
    setFresh((s) => new Set(s).add(id));
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setFresh((s) => {
        const next = new Set(s);
        next.delete(id);
        return next;
      });
    }, FRESH_MS);
    timers.current.add(timer);
  };

  /** An alert changed (live, or the answer to an action): the list, the banner, the details. */
  const changed = (a: Alert) => {
    during.current?.push(a);
    setList((l) => l && { ...l, alerts: upsert(l.alerts, a, filterRef.current) });
    setBanner((b) => (needsAck(a) ? b.map((x) => (x.id === a.id ? a : x)) : b.filter((x) => x.id !== a.id)));
    if (a.id === selectedRef.current) setDetailVersion((v) => v + 1);
    refreshCounts();
  };

  useHubEvent<AlertEvent>('alert', (e) => {
    const a = e?.alert;
    if (!a || typeof a.id !== 'number') return;
    changed(a);
    if (e.event === 'raised') {
      markFresh(a.id);
      if (a.severity === 'critical') {
        setBanner((b) => [a, ...b.filter((x) => x.id !== a.id)]);
        beep();
      }
    }
  });

  // events missed while the socket was away: load again when it is back
  useHubEvent<string>('conn', (s) => {
    const live = s === 'live';
    setConnLost(!live);
    if (live && !wasLive.current) load();
    wasLive.current = live;
  });

  return {
    list,
    counts,
    loading,
    error,
    olderBusy,
    fresh,
    banner,
    setBanner,
    detailVersion,
    connLost,
    load,
    loadOlder,
    changed,
  };
}
