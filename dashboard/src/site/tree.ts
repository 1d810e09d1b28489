import type { AssetAnswer, SiteAnswer, ZoneNode } from '../hub-types.js';
import { addChip, chipTitle } from './devices.js';
import { $, h, textOrKey, tx } from './dom.js';
import { setSiteTimeZone } from './format.js';
import { applyValue, renderPoint } from './points.js';
import { state } from './state.js';
import { queueSummary } from './summary.js';
import { t } from './text.js';

/** The site tree: the zones, nested, with their assets' cards (each with its points and device chip). */

/** Asset kind → its category (the category colours the chip); the label is `asset.<kind>`. */
const ASSET_CATEGORY: Record<string, string> = {
  'env-sensor': 'env',
  gate: 'access',
  'electricity-meter': 'energy',
  'water-meter': 'energy',
  'gas-meter': 'energy',
  chiller: 'hvac',
  ahu: 'hvac',
  pump: 'hvac',
  elevator: 'other',
};

/** A zone as drawn; the assets whose zone is not in the tree are drawn as one with no id and no kind. */
type TreeZone = Pick<ZoneNode, 'id' | 'name' | 'assets'> & { kind: string; children: TreeZone[] };

export function renderSite(siteInfo: SiteAnswer, assets: AssetAnswer[]): void {
  const { site, zones, counts } = siteInfo;
  setSiteTimeZone(site.timezone);
  state.site = { site, counts };
  renderSiteName();
  $('site-meta').textContent = [site.id, site.timezone].filter(Boolean).join(' · ');

  const assetById = new Map(assets.map((a) => [a.id, a]));
  const placed = new Set<string>();
  const tree = $('tree');
  tree.replaceChildren();
  state.points.clear();
  state.assets.clear();
  state.deviceChips.clear();

  for (const zone of zones) tree.append(renderZone(zone, 0, assetById, placed));

  // Assets whose zone is not in the tree still get shown.
  const orphans = assets.filter((a) => !placed.has(a.id));
  if (orphans.length)
    tree.append(
      renderZone(
        { id: '', name: '', kind: '', children: [], assets: orphans.map((a) => a.id) },
        0,
        assetById,
        placed,
      ),
    );
  if (!tree.childElementCount)
    tree.append(tx('p', 'noAssetsConfigured', undefined, { class: 'placeholder' }));
  tree.removeAttribute('aria-busy');
  queueSummary();
}

/** The site's name in the top bar and the page title, with its counts; the app's name without a site. */
export function renderSiteName(): void {
  const site = state.site?.site;
  const name = site ? site.name || site.id : '';
  $('site-name').textContent = name || t('appTitle');
  document.title = name ? t('pageTitle', { site: name }) : t('appTitle');
  const counts = state.site?.counts;
  $('site-counts').textContent = counts
    ? t('siteCounts', { zones: counts.zones, assets: counts.assets, points: counts.points })
    : '';
}

/** The tree as it is before the site is loaded (and after a session ended). */
export function showTreeLoading(): void {
  const tree = $('tree');
  tree.replaceChildren(tx('p', 'loading', undefined, { class: 'placeholder' }));
  tree.setAttribute('aria-busy', 'true');
}

function countAssets(zone: TreeZone): number {
  let n = zone.assets?.length ?? 0;
  for (const c of zone.children ?? []) n += countAssets(c);
  return n;
}

function renderZone(
  zone: TreeZone,
  depth: number,
  assetById: Map<string, AssetAnswer>,
  placed: Set<string>,
): HTMLDetailsElement {
  const total = countAssets(zone);
  const summary = h(
    'summary',
    { class: 'zone-head' },
    zone.name || zone.id
      ? h('span', { class: 'zone-name' }, zone.name || zone.id)
      : tx('span', 'otherZone', undefined, { class: 'zone-name' }),
    zone.kind ? textOrKey('span', 'zone', zone.kind, { class: 'chip chip-zone' }) : null,
    tx('span', 'zoneAssets', { n: total }, { class: 'zone-count muted' }),
  );
  const children = zone.children ?? [];
  const details = h(
    'details',
    {
      class: 'zone',
      open: true,
      'data-zone-id': zone.id,
      'data-depth': depth,
      'data-nested': children.length > 0,
    },
    summary,
  );
  // Small leaf zones (a floor with one sensor) sit side by side; the width they ask for grows with assets.
  details.style.setProperty('--cards', String(Math.max(1, zone.assets?.length ?? 0)));

  const own = (zone.assets ?? []).map((id) => assetById.get(id)).filter((a) => a !== undefined);
  if (own.length) {
    const grid = h('div', { class: 'asset-grid' });
    for (const a of own) {
      placed.add(a.id);
      grid.append(renderAsset(a));
    }
    details.append(grid);
  }
  if (children.length) {
    const nested = h('div', { class: 'zone-children' });
    for (const c of children) nested.append(renderZone(c, depth + 1, assetById, placed));
    details.append(nested);
  }
  if (!own.length && !children.length)
    details.append(tx('p', 'noAssets', undefined, { class: 'placeholder' }));
  return details;
}

function renderAsset(asset: AssetAnswer): HTMLElement {
  const category = ASSET_CATEGORY[asset.kind] ?? 'other';
  const deviceChip = asset.deviceId
    ? h(
        'span',
        {
          class: 'chip chip-device',
          'data-device-ref': asset.deviceId,
          'data-state': 'unknown',
          title: chipTitle(asset.deviceId),
        },
        h('span', { class: 'state-dot', 'aria-hidden': 'true' }),
        asset.deviceId,
      )
    : tx('span', 'noDevice', undefined, {
        class: 'chip chip-nodevice',
        title: t('noDeviceTip'),
        'data-i18n-title': 'noDeviceTip',
      });
  if (asset.deviceId) addChip(asset.deviceId, deviceChip);

  const list = h('ul', { class: 'points' });
  for (const p of asset.points ?? []) list.append(renderPoint(p, asset.id));

  const timeEl = h('time', { class: 'asset-updated' }, '—');
  const card = h(
    'article',
    {
      class: 'asset',
      'data-asset-id': asset.id,
      'data-category': category,
      // nothing on this asset is connected yet: the card steps back
      'data-awaiting': (asset.points ?? []).every((p) => !p.deviceId),
    },
    h(
      'header',
      { class: 'asset-head' },
      h(
        'h3',
        { class: 'asset-name', title: asset.id },
        // the asset's page (dashboard/src/views/asset.tsx)
        h('a', { href: `#/assets/${encodeURIComponent(asset.id)}` }, asset.name || asset.id),
      ),
      h(
        'div',
        { class: 'asset-tags' },
        textOrKey('span', 'asset', asset.kind, { class: `chip chip-kind cat-${category}` }),
        deviceChip,
      ),
    ),
    list,
    h(
      'footer',
      { class: 'asset-foot muted' },
      h('span', null, asset.model ?? asset.id),
      h('span', null, tx('span', 'updated'), ' ', timeEl),
    ),
  );
  state.assets.set(asset.id, { card, timeEl, ts: null });
  for (const p of asset.points ?? []) if (p.latest) applyValue(p.latest, false);
  return card;
}
