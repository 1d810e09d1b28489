import { useEffect, useState } from 'preact/hooks';
// The site page owns the login, the session and the socket; the views use them through here.
import { currentSession, type Session, api as siteApi } from './site/api.js';
import { hubEvents } from './site/events.js';

export type { Session };

/** An API error: the problem+json body's detail when there is one. */
export interface ApiProblem extends Error {
  status: number;
  problem?: { detail?: string; title?: string; errors?: { path: string; message: string }[] };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * JSON in and out (or `raw`: a Blob sent with its content type, e.g. a photo), CSRF on unsafe methods; a 401
 * ends the session (the login form comes back).
 */
export function api<T = unknown>(
  path: string,
  opts: { method?: Method; body?: unknown; raw?: { data: Blob; type: string } } = {},
): Promise<T> {
  return siteApi<T>(path, opts);
}

export const session = (): Session | null => currentSession();
export const can = (permission: string): boolean => session()?.permissions.includes(permission) ?? false;

/** Listen to a live event (`alert`, `ticket`, `gate`, `pass`, `values`, `device`, `link`, `conn`, `session`). */
export function onHub<T = unknown>(type: string, fn: (detail: T) => void): () => void {
  const listener = (e: Event) => fn((e as CustomEvent<T>).detail);
  hubEvents.addEventListener(type, listener);
  return () => hubEvents.removeEventListener(type, listener);
}

export function useHubEvent<T = unknown>(type: string, fn: (detail: T) => void, deps: unknown[] = []): void {
  useEffect(() => onHub<T>(type, fn), deps);
}

/** The current session, re-rendering when it starts or ends. */
export function useSession(): Session | null {
  const [s, set] = useState(session());
  useHubEvent<Session | null>('session', set);
  return s;
}

/**
 * GET a path and keep the answer: `{ data, error, loading, reload }`. It loads again when the path changes
 * or reload() is called; an answer to an older request is dropped.
 */
export function useApi<T>(path: string | null) {
  const [state, setState] = useState<{ data?: T; error?: ApiProblem; loading: boolean }>({ loading: true });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: ApiProblem) => live && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [path, version]);
  return { ...state, reload: () => setVersion((v) => v + 1) };
}

export function problemText(err: unknown): string {
  const e = err as ApiProblem;
  return e?.problem?.detail ?? e?.message ?? String(err);
}
