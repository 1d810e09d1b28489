import type { LinkHealth } from '../hub-types.js';
import { $, flash, h } from './dom.js';
import { formatCount, linkStateText, statText } from './format.js';
import { type LinkData, type LinkEntry, type Stats, state } from './state.js';

/** The links (the connections adapters hold) and the pipeline's counters, beside the site tree. */

/** Render GET /devices' links; `since` as for the devices (renderDevices). */
export function renderLinks(links: LinkHealth[], since: number): void {
  const list = $('links');
  const seen = new Set<string>();
  for (const l of links) {
    seen.add(l.linkId);
    let entry = state.links.get(l.linkId);
    if (!entry) {
      entry = createLinkRow(l);
      state.links.set(l.linkId, entry);
      list.append(entry.row);
    }
    updateLink(entry, entry.eventSeq > since ? { ...l, state: entry.data.state } : l, false);
  }
  for (const [id, entry] of state.links)
    if (!seen.has(id)) {
      entry.row.remove();
      state.links.delete(id);
    }
}

function createLinkRow(l: LinkHealth): LinkEntry {
  const stateEl = h('span', { class: 'link-state' });
  const errorEl = h('p', { class: 'link-error' });
  const statsEl = h('dl', { class: 'stats stats-inline' });
  const row = h(
    'li',
    { class: 'link', 'data-link-id': l.linkId, 'data-state': l.state },
    h(
      'div',
      { class: 'device-main' },
      h('span', { class: 'state-dot', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'device-title' },
        h('span', { class: 'device-name' }, l.linkId),
        h('span', { class: 'device-id mono' }, l.protocol),
      ),
      stateEl,
    ),
    errorEl,
    statsEl,
  );
  return { data: { ...l }, row, stateEl, errorEl, statsEl, eventSeq: 0 };
}

/** Show a link's state, error and statistics (`l`: what changed). */
export function updateLink(entry: LinkEntry, l: Partial<LinkData>, animate: boolean): void {
  const previous = entry.data.state;
  entry.data = { ...entry.data, ...l };
  const data = entry.data;
  entry.row.dataset.state = data.state;
  entry.stateEl.textContent = linkStateText(data.state);
  const message = l.error ?? data.lastError?.message;
  const showError = data.state !== 'up' && message;
  entry.errorEl.textContent = showError ? message : '';
  entry.errorEl.hidden = !showError;
  if (data.stats) renderStats(entry.statsEl, data.stats);
  if (animate && previous !== data.state) flash(entry.row, 0.3);
}

function renderStats(dl: HTMLDListElement, stats: Stats): void {
  dl.replaceChildren();
  for (const [k, v] of Object.entries(stats)) {
    dl.append(
      h(
        'div',
        { class: 'stat' },
        h('dt', null, statText(k)),
        h('dd', null, typeof v === 'number' ? formatCount(v) : String(v)),
      ),
    );
  }
}

export function renderPipeline(counters: Stats): void {
  state.pipeline = counters;
  renderStats($('pipeline'), counters);
}

/** The language changed: the links' states and statistics, and the pipeline's counters again. */
export function relabelLinks(): void {
  for (const entry of state.links.values()) {
    entry.stateEl.textContent = linkStateText(entry.data.state);
    if (entry.data.stats) renderStats(entry.statsEl, entry.data.stats);
  }
  if (state.pipeline) renderPipeline(state.pipeline);
}
