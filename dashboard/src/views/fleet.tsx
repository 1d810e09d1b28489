import { useEffect, useMemo, useState } from 'preact/hooks';
import type { FleetSiteRow, FleetSitesAnswer } from '../../../domains/fleet/fleet-api-types.js';
import { useApi } from '../hub.js';
import { fmtNumber, useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading, Tile, useNow } from '../ui.js';
import { ageText } from './asset-text.js';
import FleetAssetView from './fleet-asset.js';
import {
  Age,
  countText,
  energyText,
  powerText,
  Since,
  STATE_RANK,
  StateBadge,
  usePoll,
} from './fleet-common.js';
import FleetSiteView from './fleet-site.js';
import { type FleetKey, ft } from './fleet-text.js';

/**
 * The central hub's fleet view: `#/fleet` lists the sites (state, alerts, tickets, power now, energy today,
 * the last message), `#/fleet/<site>` is one site's assets by zone with their latest values, and
 * `#/fleet/<site>/<asset>` one asset's points with a trend each. All from the central's data (the sites'
 * Sparkplug B births and data), polled every 5 s.
 */
export default function FleetView({ route }: { route: Route }) {
  useLang();
  const [site, asset] = route.rest;
  if (site && asset) return <FleetAssetView siteId={site} assetId={asset} route={route} />;
  if (site) return <FleetSiteView siteId={site} route={route} />;
  return <FleetSites route={route} />;
}

type SortKey = 'attention' | 'site' | 'state' | 'alerts' | 'tickets' | 'power' | 'energy' | 'last';
const SORTS: SortKey[] = ['attention', 'site', 'state', 'alerts', 'tickets', 'power', 'energy', 'last'];
/** Which way a column sorts at the first click: names A→Z, amounts largest first, the oldest message first. */
const FIRST_DIR: Record<SortKey, 'asc' | 'desc'> = {
  attention: 'asc',
  site: 'asc',
  state: 'asc',
  alerts: 'desc',
  tickets: 'desc',
  power: 'desc',
  energy: 'desc',
  last: 'asc',
};

/** The phone's sort menu (the table's headers are hidden there): each column both ways. */
const SORT_OPTIONS: [SortKey, 'asc' | 'desc'][] = SORTS.flatMap((k): [SortKey, 'asc' | 'desc'][] =>
  k === 'attention'
    ? [[k, 'asc']]
    : [
        [k, FIRST_DIR[k]],
        [k, FIRST_DIR[k] === 'asc' ? 'desc' : 'asc'],
      ],
);

const byName = (a: FleetSiteRow, b: FleetSiteRow) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
/** null last whichever the direction. */
function byNumber(get: (s: FleetSiteRow) => number | null, dir: 1 | -1) {
  return (a: FleetSiteRow, b: FleetSiteRow) => {
    const x = get(a);
    const y = get(b);
    if (x === y) return byName(a, b);
    if (x === null) return 1;
    if (y === null) return -1;
    return (x - y) * dir || byName(a, b);
  };
}

function sortSites(sites: FleetSiteRow[], key: SortKey, dir: 'asc' | 'desc'): FleetSiteRow[] {
  const d = dir === 'asc' ? 1 : -1;
  const list = [...sites];
  switch (key) {
    case 'site':
      return list.sort((a, b) => byName(a, b) * d);
    case 'state':
      return list.sort((a, b) => (STATE_RANK[a.state] - STATE_RANK[b.state]) * d || byName(a, b));
    case 'alerts':
      return list.sort(
        (a, b) =>
          ((a.alertsCritical ?? -1) - (b.alertsCritical ?? -1)) * d ||
          byNumber((s) => s.alertsActive, d)(a, b),
      );
    case 'tickets':
      return list.sort(byNumber((s) => s.ticketsOpen, d));
    case 'power':
      return list.sort(byNumber((s) => s.powerW, d));
    case 'energy':
      return list.sort(byNumber((s) => s.energyTodayKwh, d));
    case 'last':
      return list.sort(byNumber((s) => s.lastMessageAt, d));
    default:
      // what needs a look first: offline, silent, then critical alerts, active alerts, overdue tickets
      return list.sort(
        (a, b) =>
          STATE_RANK[a.state] - STATE_RANK[b.state] ||
          (b.alertsCritical ?? 0) - (a.alertsCritical ?? 0) ||
          (b.alertsActive ?? 0) - (a.alertsActive ?? 0) ||
          (b.ticketsOverdue ?? 0) - (a.ticketsOverdue ?? 0) ||
          byName(a, b),
      );
  }
}

const sum = (values: (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null && v !== undefined);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
};

/** The data is not current: the site is not online, so its figures are the last it sent. */
const lastKnown = (s: FleetSiteRow) => s.state !== 'online';

function FleetSites({ route }: { route: Route }) {
  const sites = useApi<FleetSitesAnswer>('/fleet/sites');
  usePoll(sites.reload);
  const now = useNow();
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  useEffect(() => {
    if (sites.data) setLoadedAt(Date.now());
  }, [sites.data]);

  const sortParam = route.query.get('sort') as SortKey | null;
  const key: SortKey = sortParam && SORTS.includes(sortParam) ? sortParam : 'attention';
  const dir =
    route.query.get('dir') === 'desc' ? 'desc' : route.query.get('dir') === 'asc' ? 'asc' : FIRST_DIR[key];
  const rows = useMemo(() => sortSites(sites.data?.sites ?? [], key, dir), [sites.data, key, dir]);

  if (!sites.data)
    return (
      <section class="view fl" data-view-id="fleet">
        {sites.error ? <ErrorBox error={sites.error} retry={sites.reload} /> : <Loading />}
      </section>
    );

  const { broker } = sites.data;
  const all = sites.data.sites;
  const online = all.filter((s) => s.state === 'online');
  const notOnline = all.filter((s) => s.state === 'offline' || s.state === 'stale').length;
  const critical = sum(all.map((s) => s.alertsCritical)) ?? 0;

  const sortBy = (k: SortKey) => {
    const nextDir = k === key ? (dir === 'asc' ? 'desc' : 'asc') : FIRST_DIR[k];
    navigate(href('fleet', [], k === 'attention' ? {} : { sort: k, dir: nextDir }));
  };
  // a function, not a component: a component made in render would be remounted each time (losing focus)
  const head = (k: SortKey, label: string, num?: boolean) => (
    <th
      scope="col"
      class={num ? 'num' : undefined}
      aria-sort={k === key ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button
        type="button"
        class="fl-sort"
        data-sort={k}
        onClick={() => sortBy(k)}
        title={ft('sortBy', { col: label })}
      >
        {label}
        <span class="fl-sort-mark" aria-hidden="true">
          {k === key ? (dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );

  return (
    <section class="view fl" data-view-id="fleet" data-fleet-page="sites">
      <div class="fl-head">
        <h1 class="fl-title">{ft('title')}</h1>
        <span class="muted fl-updated" data-part="updated">
          {loadedAt ? ft('refresh', { age: ageText(loadedAt, now) }) : ''}
          {sites.error && ' ⚠'}
        </span>
      </div>
      {!broker.connected && (
        <p class="fl-notice fl-notice-bad" role="alert" data-part="broker-down">
          {ft('brokerDown', { url: broker.url })}
        </p>
      )}
      <div class="fl-tiles">
        <Tile
          name="sites-online"
          label={ft('tSites')}
          value={countText(online.length)}
          sub={`/ ${all.length}`}
        />
        <Tile
          name="sites-down"
          label={ft('tOffline')}
          value={countText(notOnline)}
          tone={notOnline ? 'bad' : undefined}
        />
        <Tile
          name="alerts"
          label={ft('tAlerts')}
          value={countText(sum(all.map((s) => s.alertsActive)))}
          sub={critical ? ft('tCritical', { n: fmtNumber(critical, 0) }) : undefined}
          tone={critical ? 'bad' : undefined}
        />
        <Tile name="tickets" label={ft('tTickets')} value={countText(sum(all.map((s) => s.ticketsOpen)))} />
        <Tile name="power" label={ft('tPower')} value={powerText(sum(online.map((s) => s.powerW)))} />
        <Tile name="energy" label={ft('tEnergy')} value={energyText(sum(all.map((s) => s.energyTodayKwh)))} />
      </div>
      <section class="panel fl-panel">
        {all.length > 1 && (
          <label class="fl-sort-select">
            {ft('sortLabel')}{' '}
            <select
              value={`${key}:${dir}`}
              data-sort-select
              onChange={(e) => {
                const [k, d] = (e.target as HTMLSelectElement).value.split(':') as [SortKey, string];
                navigate(href('fleet', [], k === 'attention' ? {} : { sort: k, dir: d }));
              }}
            >
              {SORT_OPTIONS.map(([k, d]) => (
                <option key={`${k}:${d}`} value={`${k}:${d}`}>
                  {k === 'attention'
                    ? ft('sort-attention')
                    : `${ft(`col-${k}` as FleetKey)} ${d === 'asc' ? '↑' : '↓'}`}
                </option>
              ))}
            </select>
          </label>
        )}
        {!all.length ? (
          <p class="placeholder" data-part="no-sites">
            {ft('noSites')}
          </p>
        ) : (
          <table class="table fl-sites" data-sorted={key} data-sort-dir={dir}>
            <thead>
              <tr>
                {head('site', ft('site'))}
                {head('state', ft('state'))}
                {head('alerts', ft('alerts'), true)}
                {head('tickets', ft('tickets'), true)}
                {head('power', ft('power'), true)}
                {head('energy', ft('energy'), true)}
                {head('last', ft('lastMessage'))}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <SiteRow key={`${s.group}/${s.id}`} s={s} now={now} />
              ))}
            </tbody>
          </table>
        )}
        {key !== 'attention' && (
          <p class="fl-sort-reset">
            <a href={href('fleet')} data-sort-reset>
              {ft('sort-attention')}
            </a>
          </p>
        )}
      </section>
    </section>
  );
}

function SiteRow({ s, now }: { s: FleetSiteRow; now: number }) {
  const old = lastKnown(s);
  const cls = old ? ' fl-lastknown' : '';
  return (
    <tr
      class={`fl-site fl-site-${s.state}`}
      data-site={s.id}
      data-state={s.state}
      // the whole row (a card on a phone) opens the site; the name stays the link for keyboards and readers
      onClick={(e) => {
        if (!(e.target as HTMLElement).closest('a')) navigate(href('fleet', [s.id]));
      }}
    >
      <th scope="row" class="fl-site-name">
        <a href={href('fleet', [s.id])} data-link="site">
          {s.name || s.id}
        </a>
        <small class="muted fl-site-id">
          {s.id !== s.name ? `${s.id} · ` : ''}
          {s.group}
        </small>
      </th>
      <td class="fl-site-state" data-label={ft('state')}>
        <StateBadge state={s.state} />
        {s.since !== null && <Since ms={s.since} now={now} />}
      </td>
      <td class={`num fl-alerts${cls}`} data-label={ft('alerts')} data-cell="alerts">
        <b>{countText(s.alertsActive)}</b>
        {!!s.alertsCritical && (
          <span class="badge badge-critical fl-critical" data-critical={s.alertsCritical}>
            {ft('critical', { n: fmtNumber(s.alertsCritical, 0) })}
          </span>
        )}
      </td>
      <td class={`num fl-tickets${cls}`} data-label={ft('tickets')} data-cell="tickets">
        <b>{countText(s.ticketsOpen)}</b>
        {!!s.ticketsOverdue && (
          <small class="fl-overdue">{ft('overdue', { n: fmtNumber(s.ticketsOverdue, 0) })}</small>
        )}
      </td>
      <td
        class={`num fl-power${cls}`}
        data-label={ft('power')}
        data-cell="power"
        title={old ? ft('lastKnown') : undefined}
      >
        {powerText(s.powerW)}
      </td>
      <td
        class={`num fl-energy${cls}`}
        data-label={ft('energy')}
        data-cell="energy"
        title={old ? ft('lastKnown') : undefined}
      >
        {energyText(s.energyTodayKwh)}
      </td>
      <td class="fl-last" data-label={ft('lastMessage')} data-cell="last">
        <Age ms={s.lastMessageAt} now={now} />
      </td>
    </tr>
  );
}
