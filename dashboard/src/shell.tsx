import type { FunctionComponent } from 'preact';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { CriticalNotice } from './critical-notice.js';
import { onHub, useSession } from './hub.js';
import { type HubMode, setHubMode, useHubMode } from './hub-mode.js';
import { type LANGS, lang, messages, setLang, setSiteTimeZone, useLang } from './i18n.js';
import { type Route, useRoute } from './router.js';
import AlertsView from './views/alerts.js';
import AssetView from './views/asset.js';
import { AssetLabels } from './views/asset-labels.js';
import ControlView from './views/control.js';
import DevicesView from './views/devices.js';
import EnergyView from './views/energy.js';
import FleetView from './views/fleet.js';
import Overview from './views/overview.js';
import PeopleView from './views/people.js';
import TicketsView from './views/tickets.js';
import { ReportForm } from './views/tickets-report.js';
import TrendsView from './views/trends.js';
import VisitorsView from './views/visitors.js';

/**
 * The frame around the views: the navigation, the language switch and the view for the route. The site page
 * (#view-site: the site tree, devices and links, from site/app.ts) is the overview's lower half; the other
 * views are Preact components rendered into #view-root.
 */

const t = messages({
  en: {
    overview: 'Overview',
    alerts: 'Alerts',
    tickets: 'Tickets',
    energy: 'Energy',
    control: 'Control',
    visitors: 'Visitors',
    people: 'People',
    trends: 'Trends',
    devices: 'Devices',
    assets: 'Asset',
    report: 'Report a fault',
    fleet: 'Fleet',
    language: 'Language',
  },
  'zh-CN': {
    overview: '总览',
    alerts: '报警',
    tickets: '工单',
    energy: '能耗',
    control: '控制',
    visitors: '访客',
    people: '人员',
    trends: '趋势',
    devices: '设备',
    assets: '资产',
    report: '报修',
    fleet: '站点总览',
    language: '语言',
  },
});

type ViewId =
  | 'overview'
  | 'alerts'
  | 'tickets'
  | 'energy'
  | 'control'
  | 'visitors'
  | 'people'
  | 'trends'
  | 'devices'
  | 'assets'
  | 'report'
  | 'fleet';

/** `#/assets/labels?zone=`: the QR label sheet; `#/assets/<id>`: one asset's page. */
const AssetsRoute = ({ route }: { route: Route }) =>
  route.rest.length === 1 && route.rest[0] === 'labels' ? (
    <AssetLabels route={route} />
  ) : (
    <AssetView route={route} />
  );
/** `#/report?asset=<id>`: where an asset's QR label leads, the phone fault report (after the login). */
const ReportRoute = ({ route }: { route: Route }) => (
  <ReportForm preset={route.query.get('asset') ?? undefined} />
);

const VIEWS: Record<ViewId, FunctionComponent<{ route: Route }>> = {
  overview: Overview,
  alerts: AlertsView,
  tickets: TicketsView,
  energy: EnergyView,
  control: ControlView,
  visitors: VisitorsView,
  people: PeopleView,
  trends: TrendsView,
  devices: DevicesView,
  /** `#/assets/<id>`: one asset's page (reached from the site tree, not the navigation). */
  assets: AssetsRoute,
  report: ReportRoute,
  /** `#/fleet`, `#/fleet/<site>`, `#/fleet/<site>/<asset>`: the central hub's view of the fleet's sites. */
  fleet: FleetView,
};
const ORDER = Object.keys(VIEWS) as ViewId[];
/**
 * A site's hub: its own views. The central hub has no devices, points or tickets of its own (they stay with
 * their sites): the fleet, and the people who use it.
 */
const NAV: Record<HubMode, ViewId[]> = {
  site: ORDER.filter((id) => id !== 'assets' && id !== 'report' && id !== 'fleet'),
  central: ['fleet', 'people'],
};
const HOME: Record<HubMode, ViewId> = { site: 'overview', central: 'fleet' };
const viewOf = (route: Route, mode: HubMode): ViewId =>
  ORDER.includes(route.view as ViewId) ? (route.view as ViewId) : HOME[mode];
const navHref = (id: ViewId, mode: HubMode) => (id === HOME[mode] ? '#/' : `#/${id}`);

function Nav() {
  useLang();
  const mode = useHubMode();
  const route = useRoute();
  const current = viewOf(route, mode);
  return (
    <>
      {NAV[mode].map((id) => (
        <a key={id} href={navHref(id, mode)} data-nav={id} aria-current={id === current ? 'page' : undefined}>
          {t(id)}
        </a>
      ))}
    </>
  );
}

function LangSwitch() {
  const l = useLang();
  return (
    <select
      id="lang"
      aria-label={t('language')}
      value={l}
      onChange={(e) => setLang((e.target as HTMLSelectElement).value as (typeof LANGS)[number])}
    >
      <option value="zh-CN">中文</option>
      <option value="en">English</option>
    </select>
  );
}

function Views() {
  useLang();
  const session = useSession();
  const mode = useHubMode();
  const route = useRoute();
  const id = viewOf(route, mode);
  // The site page is part of the overview; other views hide it.
  useEffect(() => {
    document.getElementById('view-site')!.hidden = id !== 'overview';
    document.body.dataset.view = id;
  }, [id]);
  if (!session) return null;
  const View = VIEWS[id];
  return <View key={`${id}|${session.user.id}`} route={route} />;
}

export function startShell(): void {
  document.documentElement.lang = lang();
  onHub<{ site: { timezone?: string }; mode?: HubMode }>('site', (info) => {
    setSiteTimeZone(info.site?.timezone ?? 'UTC');
    setHubMode(info.mode);
  });
  render(<Nav />, document.getElementById('nav')!);
  render(<LangSwitch />, document.getElementById('lang-slot')!);
  render(
    <>
      <CriticalNotice />
      <Views />
    </>,
    document.getElementById('view-root')!,
  );
}
