import type { LatestValue, PointAnswer } from '../hub-types.js';
import { noteDeviceSeen } from './devices.js';
import { flash, h, tx } from './dom.js';
import { formatFull, formatTime, formatUnit, formatValue, qualityText } from './format.js';
import { type AssetEntry, type PointEntry, state } from './state.js';
import { queueSummary } from './summary.js';
import { t } from './text.js';

/** A point's row on its asset card: its value, unit, quality and details, updated in place. */

export function renderPoint(p: PointAnswer, assetId: string): HTMLLIElement {
  const numEl = h('span', { class: 'num' });
  const unitEl = h('span', { class: 'unit' });
  const valueEl = h(
    'span',
    { class: 'value', 'data-point-id': p.id, 'data-quality': p.latest?.quality ?? 'bad' },
    numEl,
    unitEl,
  );
  const badge = h('span', { class: 'badge' });
  const label = h(
    'span',
    { class: 'point-label', title: p.label ? `${p.label}\n${p.id}` : p.id },
    p.label || p.name,
    p.kind === 'command' ? tx('span', 'cmd', undefined, { class: 'chip chip-cmd' }) : null,
  );
  const row = h('li', { class: 'point', 'data-status': 'nodata' }, label, valueEl, badge);
  state.points.set(p.id, {
    def: p,
    assetId,
    row,
    valueEl,
    numEl,
    unitEl,
    badge,
    value: undefined,
    quality: undefined,
    ts: undefined,
    reason: undefined,
  });
  return row;
}

/** Apply one latest value in place. */
export function applyValue(v: LatestValue, animate: boolean): void {
  const pt = state.points.get(v?.pointId);
  if (!pt) return;
  const value = v.value ?? null;
  const changed = pt.value !== undefined && value !== null && value !== pt.value;
  const same = value === pt.value && v.quality === pt.quality && v.ts === pt.ts && v.reason === pt.reason;
  if (same) return;
  const ts = v.ts;
  const newerTs = typeof ts === 'number' && (pt.ts == null || ts > pt.ts);
  pt.value = value;
  pt.quality = v.quality;
  pt.ts = v.ts;
  pt.reason = v.reason;

  paintPoint(pt);

  if (newerTs) {
    const asset = state.assets.get(pt.assetId);
    if (asset && (asset.ts == null || ts > asset.ts)) {
      asset.ts = ts;
      paintAssetTime(asset);
    }
    if (pt.def.deviceId) noteDeviceSeen(pt.def.deviceId, ts);
  }
  if (animate && changed) flash(pt.valueEl);
  queueSummary();
}

/** Show a point's value, status, quality and details (again, in a new language). */
export function paintPoint(pt: PointEntry): void {
  const { def, valueEl, numEl, unitEl, badge, row, value, quality, ts, reason } = pt;
  let status: string;
  if (!def.deviceId) status = 'awaiting';
  else if (value === null) status = 'nodata';
  else status = String(quality);

  valueEl.dataset.quality = String(quality);
  valueEl.dataset.status = status;
  row.dataset.status = status;

  if (status === 'awaiting') {
    numEl.textContent = t('awaitingDevice');
    unitEl.textContent = '';
  } else if (status === 'nodata') {
    numEl.textContent = t('noData');
    unitEl.textContent = '';
  } else {
    numEl.textContent = formatValue(value ?? null);
    unitEl.textContent = typeof value === 'number' ? formatUnit(def.unit) : '';
  }

  const badgeText = status === 'awaiting' || status === 'nodata' ? '' : qualityText(quality);
  badge.textContent = badgeText;
  badge.hidden = !badgeText;

  const tip: string[] = [];
  if (status === 'awaiting') tip.push(t('pointNoDevice'));
  if (reason) tip.push(t('reason', { reason }));
  if (typeof ts === 'number') tip.push(t('time', { time: formatFull(ts) }));
  const title = tip.join('\n');
  valueEl.title = title;
  badge.title = title;
}

export function paintAssetTime(asset: AssetEntry): void {
  if (asset.ts == null) return;
  asset.timeEl.textContent = formatTime(asset.ts);
  asset.timeEl.dateTime = new Date(asset.ts).toISOString();
  asset.timeEl.title = formatFull(asset.ts);
}

/** The language changed: every point and asset time again. */
export function relabelPoints(): void {
  for (const pt of state.points.values()) if (pt.value !== undefined) paintPoint(pt);
  for (const asset of state.assets.values()) paintAssetTime(asset);
}
