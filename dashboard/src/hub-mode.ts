import { useEffect, useState } from 'preact/hooks';

/**
 * What kind of hub the dashboard is talking to (GET /site `mode`): one site's hub, or the central hub over the
 * fleet. Known once the site has loaded after a login; until then the site's navigation is shown.
 */
export type HubMode = 'site' | 'central';

let current: HubMode = 'site';
const listeners = new Set<(m: HubMode) => void>();

export const hubMode = (): HubMode => current;

export function setHubMode(mode: HubMode | undefined): void {
  const next = mode === 'central' ? 'central' : 'site';
  if (next === current) return;
  current = next;
  document.body.dataset.hubMode = next;
  for (const fn of listeners) fn(next);
}

/** The hub's mode, re-rendering when it becomes known. */
export function useHubMode(): HubMode {
  const [m, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    set(current);
    return () => {
      listeners.delete(set);
    };
  }, []);
  return m;
}
