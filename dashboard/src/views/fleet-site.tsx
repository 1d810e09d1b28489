import { useMemo, useState } from 'preact/hooks';
import type { FleetAssetRow, FleetPointRow, FleetSiteRow } from '../../../domains/fleet/fleet-api-types.js';
import { fmtDateTime, fmtNumber, useLang } from '../i18n.js';
import { href, type Route } from '../router.js';
import { Tile, useNow } from '../ui.js';
import { unitText } from './chart.js';
import {
  Age,
  countText,
  energyText,
  powerText,
  Since,
  StateBadge,
  useFleetSite,
  valueText,
} from './fleet-common.js';
import { type FleetKey, ft } from './fleet-text.js';

/** Points shown on an asset's card; the rest are on its page. */
const CARD_POINTS = 6;

/** `#/fleet/<site>`: one site from the central's data: its figures, then its assets by zone with their latest values. */
export default function FleetSiteView({ siteId }: { siteId: string; route: Route }) {
  useLang();
  const answer = useFleetSite(siteId, 'site');
  const now = useNow();
  const [q, setQ] = useState('');

  const zones = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = (answer.data?.assets ?? []).filter(
      (a) =>
        !needle || [a.id, a.name, a.kind, a.zone, a.zoneName].some((f) => f?.toLowerCase().includes(needle)),
    );
    const byZone = new Map<string, { id: string; name: string; assets: FleetAssetRow[] }>();
    for (const a of list) {
      const id = a.zone || '';
      let z = byZone.get(id);
      if (!z) {
        z = { id, name: a.zoneName || a.zone || '', assets: [] };
        byZone.set(id, z);
      }
      z.assets.push(a);
    }
    return [...byZone.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [answer.data, q]);

  if (!answer.data) return answer.fallback;

  const { site, assets } = answer.data;
  const offlineAssets = assets.filter((a) => a.state === 'offline').length;
  return (
    <section
      class="view fl"
      data-view-id="fleet"
      data-fleet-page="site"
      data-site={site.id}
      data-state={site.state}
    >
      <SiteHead site={site} now={now} />
      <StateNotice site={site} />
      <div class="fl-tiles">
        <Tile
          name="alerts"
          label={ft('alerts')}
          value={countText(site.alertsActive)}
          sub={alertSub(site)}
          tone={site.alertsCritical ? 'bad' : site.alertsActive ? 'warn' : undefined}
        />
        <Tile
          name="tickets"
          label={ft('tickets')}
          value={countText(site.ticketsOpen)}
          sub={site.ticketsOverdue ? ft('overdue', { n: fmtNumber(site.ticketsOverdue, 0) }) : undefined}
          tone={site.ticketsOverdue ? 'warn' : undefined}
        />
        <Tile
          name="devices-offline"
          label={ft('devicesOffline')}
          value={countText(site.devicesOffline)}
          tone={site.devicesOffline ? 'bad' : undefined}
        />
        <Tile
          name="power"
          label={ft('power')}
          value={powerText(site.powerW)}
          tone={site.state !== 'online' ? 'muted' : undefined}
        />
        <Tile
          name="energy"
          label={ft('energy')}
          value={energyText(site.energyTodayKwh)}
          tone={site.state !== 'online' ? 'muted' : undefined}
        />
      </div>
      <section class="panel fl-panel" data-section="assets">
        <div class="section-head">
          <h2>
            {ft('assets')}{' '}
            <small class="muted">
              {fmtNumber(assets.length, 0)} · {ft('pointsCount', { n: fmtNumber(site.points, 0) })}
              {offlineAssets ? ` · ${ft('offlineAssets', { n: offlineAssets })}` : ''}
            </small>
          </h2>
          {assets.length > 0 && (
            <label class="fl-filter">
              <input
                type="search"
                value={q}
                placeholder={ft('filterPlaceholder')}
                aria-label={ft('filter')}
                data-filter="assets"
                onInput={(e) => setQ((e.target as HTMLInputElement).value)}
              />
            </label>
          )}
        </div>
        {!assets.length && <p class="placeholder">{ft('noAssets')}</p>}
        {assets.length > 0 && !zones.length && <p class="placeholder">{ft('noMatch', { q })}</p>}
        {zones.map((z) => (
          <section key={z.id} class="fl-zone" data-zone={z.id}>
            <h3 class="fl-zone-name">{z.name || ft('zoneNone')}</h3>
            <div class="fl-assets">
              {z.assets.map((a) => (
                <AssetCard key={a.id} site={site} asset={a} now={now} />
              ))}
            </div>
          </section>
        ))}
      </section>
    </section>
  );
}

const alertSub = (s: FleetSiteRow) =>
  [
    s.alertsCritical ? ft('critical', { n: fmtNumber(s.alertsCritical, 0) }) : '',
    s.alertsUnacked ? ft('unacked', { n: fmtNumber(s.alertsUnacked, 0) }) : '',
  ]
    .filter(Boolean)
    .join(' · ') || undefined;

function Back({ site }: { site?: FleetSiteRow }) {
  return (
    <nav class="fl-path" data-part="path">
      <a href={href('fleet')} data-link="fleet">
        {ft('fleetBack')}
      </a>
      {site && (
        <>
          {' › '}
          <a href={href('fleet', [site.id])} data-link="site">
            {site.name || site.id}
          </a>
        </>
      )}
    </nav>
  );
}

export function SiteHead({ site, now, asset }: { site: FleetSiteRow; now: number; asset?: FleetAssetRow }) {
  return (
    <header class="panel fl-site-head">
      <Back site={asset ? site : undefined} />
      <div class="fl-site-title">
        <h1>{asset ? asset.name || asset.id : site.name || site.id}</h1>
        {asset ? <AssetState asset={asset} /> : <StateBadge state={site.state} />}
        {!asset && site.since !== null && <Since ms={site.since} now={now} />}
      </div>
      <div class="fl-facts">
        {asset ? (
          <>
            <span class="chip">{asset.kind}</span>
            {(asset.zoneName || asset.zone) && <span>{asset.zoneName || asset.zone}</span>}
            <span class="muted">
              {site.name || site.id} <StateBadge state={site.state} />
            </span>
          </>
        ) : (
          <>
            <span>
              <span class="muted">{ft('group')}:</span> {site.group}
              {site.id !== site.name && <span class="muted"> · {site.id}</span>}
            </span>
            {site.timezone && (
              <span>
                <span class="muted">{ft('timezone')}:</span> {site.timezone}
              </span>
            )}
          </>
        )}
        <span>
          <span class="muted">{ft('lastMessage')}:</span> <Age ms={site.lastMessageAt} now={now} />
        </span>
      </div>
    </header>
  );
}

export function StateNotice({ site }: { site: FleetSiteRow }) {
  if (site.state === 'online') return null;
  const when = fmtDateTime(site.state === 'stale' ? (site.lastMessageAt ?? site.since) : site.since);
  const key = site.state === 'offline' ? 'offlineNote' : site.state === 'stale' ? 'staleNote' : 'unknownNote';
  return (
    <p
      class={`fl-notice fl-notice-${site.state === 'offline' ? 'bad' : 'warn'}`}
      role="status"
      data-part="state-notice"
    >
      {ft(key, { when })}
    </p>
  );
}

export function AssetState({ asset }: { asset: FleetAssetRow }) {
  return asset.state === 'offline' ? (
    <span class="badge badge-bad" data-asset-state="offline" title={ft('assetOfflineTip')}>
      {ft('assetOffline')}
    </span>
  ) : null;
}

const KINDS = ['command', 'counter', 'state'];
export const kindWord = (p: FleetPointRow) => (KINDS.includes(p.kind) ? ft(`k-${p.kind}` as FleetKey) : '');

/** A value with its unit; not current (stale, or not good) greyed with why. */
export function PointValue({ p }: { p: FleetPointRow }) {
  const unit = unitText(p.unit);
  return (
    <span class="fl-value" data-stale={p.stale ? 'true' : undefined} data-quality={p.quality}>
      <b>{valueText(p.value)}</b>
      {unit && p.value !== null && <span class="fl-unit"> {unit}</span>}
      {p.stale && p.value !== null && <small class="fl-lastknown-tag">{ft('lastKnown')}</small>}
      {p.quality !== 'good' && !p.stale && (
        <small class={`badge badge-${p.quality === 'bad' ? 'bad' : 'warn'} fl-q`}>
          {ft(`q-${p.quality}` as FleetKey)}
        </small>
      )}
    </span>
  );
}

function AssetCard({ site, asset, now }: { site: FleetSiteRow; asset: FleetAssetRow; now: number }) {
  const shown = asset.points.slice(0, CARD_POINTS);
  const link = href('fleet', [site.id, asset.id]);
  const newest = asset.points.reduce<number | null>(
    (m, p) => (p.ts !== null && (m === null || p.ts > m) ? p.ts : m),
    null,
  );
  return (
    <article
      class={`fl-asset${asset.state === 'offline' ? ' fl-asset-offline' : ''}`}
      data-asset={asset.id}
      data-asset-state={asset.state}
    >
      <header class="fl-asset-head">
        <a href={link} class="fl-asset-name" data-link="asset">
          {asset.name || asset.id}
        </a>
        <span class="chip fl-kind">{asset.kind}</span>
        <AssetState asset={asset} />
      </header>
      {shown.length ? (
        <ul class="fl-points">
          {shown.map((p) => (
            <li
              key={p.name}
              class={`fl-point${p.stale || p.quality !== 'good' ? ' fl-point-stale' : ''}`}
              data-point={p.name}
            >
              <span class="fl-point-name" title={p.name}>
                {p.label ?? p.name}
                {kindWord(p) && <small class="muted"> · {kindWord(p)}</small>}
              </span>
              <PointValue p={p} />
            </li>
          ))}
        </ul>
      ) : (
        <p class="placeholder">{ft('noPoints')}</p>
      )}
      <footer class="fl-asset-foot">
        <small class="muted">
          {ft('updated')}: <Age ms={newest} now={now} />
        </small>
        <a href={link} data-link="asset-points">
          {ft('morePoints', { n: asset.points.length })} ›
        </a>
      </footer>
    </article>
  );
}
