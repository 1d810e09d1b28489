import { state } from './state.js';

/** The tiles above the site tree: devices online and offline, points good, stale, bad and pending. */

let summaryQueued = false;

/** Count again at the next frame (many values arrive at once). */
export function queueSummary(): void {
  if (summaryQueued) return;
  summaryQueued = true;
  requestAnimationFrame(() => {
    summaryQueued = false;
    renderSummary();
  });
}

type Counts = Record<
  'online' | 'offline' | 'devices' | 'good' | 'uncertain' | 'bad' | 'pending' | 'points',
  number
>;

export function renderSummary(): void {
  const c: Counts = {
    online: 0,
    offline: 0,
    devices: state.devices.size,
    good: 0,
    uncertain: 0,
    bad: 0,
    pending: 0,
    points: 0,
  };
  for (const d of state.devices.values()) {
    if (d.data.state === 'online') c.online++;
    else if (d.data.state === 'offline') c.offline++;
  }
  for (const p of state.points.values()) {
    const s = p.row.dataset.status;
    if (s === 'good' || s === 'uncertain' || s === 'bad') c[s]++;
    else c.pending++;
  }
  c.points = state.points.size;
  for (const el of document.querySelectorAll<HTMLElement>('#summary [data-sum]')) {
    const key = el.dataset.sum as keyof Counts;
    el.textContent = key === 'devices' || key === 'points' ? `/ ${c[key]}` : String(c[key]);
  }
  // only the site page's own tiles: the views' tiles (ui.tsx Tile) carry their own data-nonzero
  for (const tile of document.querySelectorAll<HTMLElement>('#summary [data-tile]')) {
    const n = c[tile.dataset.tile as keyof Counts] ?? 0;
    tile.dataset.nonzero = n > 0 ? 'true' : 'false';
  }
}
