import { useEffect, useMemo, useRef } from 'preact/hooks';
import { useApi } from '../hub.js';
import { useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { addMonths, dateIn } from './chart.js';
import {
  type FlatMeter,
  flatten,
  flatZones,
  type MetersAnswer,
  type Report,
  type Rule,
  type SiteAnswer,
  type SiteZone,
} from './energy-common.js';
import { DaysPanel } from './energy-days.js';
import { DemandPanel } from './energy-demand.js';
import { AfterHoursPanel, BuildingsPanel, MetersPanel } from './energy-month.js';
import { NightFlowPanel } from './energy-night.js';
import { SavingsPanel } from './energy-savings.js';
import { t } from './energy-text.js';
import { Headline, TotalsPanel } from './energy-totals.js';

/**
 * Energy (能耗): a month of a scope (the site or a building) from the monthly report: headline figures
 * against the last month and the baseline, consumption per day, building and meter, after-hours waste, CSV
 * export; a meter's 15-minute demand (需量) on a day against its demand rule's limit; a water meter's night
 * flow. The selection lives in the URL: `#/energy?month=2026-06&zone=b1&meter=b1-main&date=…&water=…&night=…`.
 */

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export default function EnergyView({ route }: { route: Route }) {
  useLang();
  const meters = useApi<MetersAnswer>('/energy/meters');
  const site = useApi<SiteAnswer>('/site');
  const rules = useApi<Rule[]>('/rules');
  if (meters.error)
    return (
      <section class="view energy" data-view-id="energy">
        <h2 class="view-title">{t('title')}</h2>
        <ErrorBox error={meters.error} retry={meters.reload} />
      </section>
    );
  if (!meters.data)
    return (
      <section class="view energy" data-view-id="energy">
        <h2 class="view-title">{t('title')}</h2>
        <Loading />
      </section>
    );
  return <EnergyBody route={route} meters={meters.data} site={site.data} rules={rules.data ?? []} />;
}

function EnergyBody({
  route,
  meters,
  site,
  rules,
}: {
  route: Route;
  meters: MetersAnswer;
  site?: SiteAnswer;
  rules: Rule[];
}) {
  const tz = meters.timezone;
  const q = route.query;
  const today = dateIn(Date.now(), tz);
  const thisMonth = today.slice(0, 7);
  const pick = (key: string, re: RegExp, max: string, fallback: string) => {
    const v = q.get(key);
    return v && re.test(v) && v <= max ? v : fallback;
  };
  const month = pick('month', MONTH, thisMonth, thisMonth);
  const zone = q.get('zone') ?? '';
  const date = pick('date', DATE, today, today);
  // no date asked: the panel shows the latest night whose window has begun
  const nightDate = pick('night', DATE, today, '') || undefined;

  const flat = useMemo(() => flatten(meters.meters), [meters]);
  const zones = useMemo(() => flatZones(site?.zones), [site]);
  const zoneName = useMemo(() => new Map(zones.map((z) => [z.id, z.name])), [zones]);
  const buildings = zones.filter((z) => z.kind === 'building');

  const parentOf = useMemo(() => {
    const m = new Map<string, string | undefined>();
    const walk = (list: SiteZone[] | undefined, parent: string | undefined) => {
      for (const z of list ?? []) {
        m.set(z.id, parent);
        walk(z.children, z.id);
      }
    };
    walk(site?.zones, undefined);
    return m;
  }, [site]);
  const inScope = (m: FlatMeter) => {
    for (let z: string | undefined = m.zone; z; z = parentOf.get(z)) if (z === zone) return true;
    return !zone;
  };
  /** The meter asked for, else the scope's first (billing) meter with a counter, else any. */
  const choose = (list: FlatMeter[], asked: string | null, prefer: (m: FlatMeter) => boolean) => {
    if (list.some((m) => m.id === asked)) return asked!;
    const scoped = list.filter(inScope);
    return (
      scoped.find((m) => prefer(m) && m.point) ??
      scoped.find((m) => m.point) ??
      list.find((m) => prefer(m) && m.point) ??
      list.find((m) => m.point) ??
      list[0]
    )?.id;
  };
  const elec = flat.filter((m) => m.medium === 'electricity');
  const meterId = choose(elec, q.get('meter'), (m) => m.billing);
  const water = flat.filter((m) => m.medium === 'water');
  const waterId = choose(water, q.get('water'), () => true);

  const setQuery = (patch: Record<string, string | undefined>) => {
    const next: Record<string, string> = Object.fromEntries(q);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next[k] = v;
      else delete next[k];
    }
    navigate(href('energy', [], next));
  };

  const scope = zone ? `&zone=${encodeURIComponent(zone)}` : '';
  const report = useApi<Report>(`/energy/reports/monthly?month=${month}${scope}`);
  const reload = useRef(report.reload);
  reload.current = report.reload;
  // The month in progress changes: worked out again every 5 minutes.
  useEffect(() => {
    if (month !== thisMonth) return;
    const timer = setInterval(() => reload.current(), 5 * 60_000);
    return () => clearInterval(timer);
  }, [month, thisMonth]);

  // While another month or scope loads, the last one stays, dimmed.
  const r = report.data;
  const currency = r?.currency ?? meters.currency;
  const csv = `/api/v1/energy/reports/monthly?month=${month}${scope}&format=csv`;
  const csvDay = `/api/v1/energy/reports/daily?date=${date}${scope}&format=csv`;

  return (
    <section class="view energy" data-view-id="energy">
      <div class="energy-head">
        <h2 class="view-title">{t('title')}</h2>
        <div class="toolbar">
          <label class="e-field">
            <span>{t('scope')}</span>
            <select
              data-control="zone"
              value={zone}
              onChange={(e) => setQuery({ zone: (e.target as HTMLSelectElement).value })}
            >
              <option value="">{t('site')}</option>
              {buildings.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
              {zone && !buildings.some((b) => b.id === zone) && (
                <option value={zone}>{zoneName.get(zone) ?? zone}</option>
              )}
            </select>
          </label>
          <span class="e-field">
            <span>{t('month')}</span>
            <span class="e-month">
              <button
                type="button"
                class="btn btn-small"
                aria-label={t('prevMonth')}
                title={t('prevMonth')}
                onClick={() => setQuery({ month: addMonths(month, -1) })}
              >
                ‹
              </button>
              <input
                type="month"
                data-control="month"
                aria-label={t('month')}
                value={month}
                max={thisMonth}
                onChange={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  if (MONTH.test(v)) setQuery({ month: v });
                }}
              />
              <button
                type="button"
                class="btn btn-small"
                aria-label={t('nextMonth')}
                title={t('nextMonth')}
                disabled={month >= thisMonth}
                onClick={() => setQuery({ month: addMonths(month, 1) })}
              >
                ›
              </button>
            </span>
          </span>
          <span class="e-field e-export">
            <span>{t('export')}</span>
            <span class="e-month">
              <a class="btn btn-small" href={csv} download data-export="monthly">
                ⤓ {t('csvMonth')}
              </a>
              <a class="btn btn-small" href={csvDay} download data-export="daily">
                ⤓ {t('csvDay', { date })}
              </a>
            </span>
          </span>
        </div>
      </div>

      {report.error && <ErrorBox error={report.error} retry={report.reload} />}
      {!r && !report.error && <p class="placeholder">{t('loadingReport')}</p>}
      {r && (
        <div class={`energy-report${report.loading ? ' stale' : ''}`} aria-busy={report.loading}>
          <Headline report={r} inProgress={month === thisMonth} />
          <TotalsPanel report={r} inProgress={month === thisMonth} />
        </div>
      )}

      <div class="energy-grid">
        <DemandPanel
          tz={tz}
          meters={elec}
          rules={rules}
          meterId={meterId}
          date={date}
          today={today}
          onMeter={(id) => setQuery({ meter: id })}
          onDate={(d) => setQuery({ date: d === today ? undefined : d })}
        />
        <NightFlowPanel
          tz={tz}
          meters={water}
          rules={rules}
          meterId={waterId}
          date={nightDate}
          today={today}
          onMeter={(id) => setQuery({ water: id })}
          onDate={(d) => setQuery({ night: d })}
        />
      </div>

      <SavingsPanel
        meters={elec}
        meterId={q.get('saving') ?? undefined}
        onMeter={(id) => setQuery({ saving: id })}
      />

      {r && (
        <div class={`energy-report${report.loading ? ' stale' : ''}`}>
          <DaysPanel report={r} tz={tz} />
          <div class="energy-grid">
            {r.buildings.length > 0 && <BuildingsPanel report={r} onZone={(z) => setQuery({ zone: z })} />}
            <AfterHoursPanel report={r} />
          </div>
          <MetersPanel report={r} flat={flat} zoneName={zoneName} currency={currency} />
        </div>
      )}
    </section>
  );
}
