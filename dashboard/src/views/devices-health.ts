import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, useHubEvent } from '../hub.js';
import type { DeviceEvent, DevicesAnswer, LinkEvent } from '../hub-types.js';

/**
 * The devices view's data: GET /devices (hub/api/device-routes.ts) now, every 10 s and soon after a live
 * `device` or `link` event, with the events' newer states merged in; and how the states group (online,
 * offline, unknown) and sort (offline first).
 */

const REFRESH_MS = 10_000;
export type Bucket = 'online' | 'offline' | 'unknown';
export const RANK: Record<Bucket, number> = { offline: 0, unknown: 1, online: 2 };

export const deviceBucket = (state: string): Bucket =>
  state === 'online' ? 'online' : state === 'offline' ? 'offline' : 'unknown';
export const linkBucket = (state: string): Bucket =>
  state === 'up' ? 'online' : state === 'backoff' || state === 'down' ? 'offline' : 'unknown';
export const TONE: Record<Bucket, string> = { online: 'good', offline: 'bad', unknown: 'muted' };
export const sum = (o: Record<string, number> | undefined) =>
  Object.values(o ?? {}).reduce((n, v) => n + v, 0);

/** GET /devices now, every 10 s and soon after a live event; events newer than the answer win. */
export function useHealth() {
  const [data, setData] = useState<DevicesAnswer>();
  const [error, setError] = useState<unknown>();
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [devEvents, setDevEvents] = useState<Map<string, DeviceEvent>>(new Map());
  const [linkEvents, setLinkEvents] = useState<Map<string, LinkEvent>>(new Map());
  const seq = useRef(0);
  const soon = useRef<ReturnType<typeof setTimeout>>(undefined);

  const load = () => {
    const mine = ++seq.current;
    api<DevicesAnswer>('/devices').then(
      (h) => {
        if (mine !== seq.current) return;
        setData(h);
        setError(undefined);
        setUpdatedAt(Date.now());
      },
      (err) => mine === seq.current && setError(err),
    );
  };
  const loadSoon = () => {
    clearTimeout(soon.current);
    soon.current = setTimeout(load, 400);
  };
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      clearInterval(timer);
      clearTimeout(soon.current);
    };
  }, []);
  useHubEvent<DeviceEvent>('device', (e) => {
    if (!e || typeof e.deviceId !== 'string') return;
    setDevEvents((m) => new Map(m).set(e.deviceId, e));
    loadSoon();
  });
  useHubEvent<LinkEvent>('link', (e) => {
    if (!e || typeof e.linkId !== 'string') return;
    setLinkEvents((m) => new Map(m).set(e.linkId, e));
    loadSoon();
  });

  const merged = useMemo(() => {
    if (!data) return undefined;
    const devices = data.devices.map((d) => {
      const e = devEvents.get(d.deviceId);
      if (!e || e.ts <= d.since) return d;
      return {
        ...d,
        state: e.state,
        since: e.ts,
        lastError: e.state === 'offline' ? { message: e.reason ?? 'offline', at: e.ts } : d.lastError,
      };
    });
    const links = data.links.map((l) => {
      const e = linkEvents.get(l.linkId);
      if (!e || e.ts <= l.since) return l;
      return {
        ...l,
        state: e.state,
        since: e.ts,
        lastError: e.error ? { code: '', message: e.error, at: e.ts } : l.lastError,
      };
    });
    return { ...data, devices, links };
  }, [data, devEvents, linkEvents]);

  return { data: merged, error, updatedAt, reload: load };
}
