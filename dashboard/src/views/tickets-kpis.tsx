import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { can, useApi } from '../hub.js';
import { fmtNumber, siteDate, useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { addDays, zonedTime } from './chart.js';
import { CsvLink } from './csv-link.js';
import { t } from './tickets-kpis-text.js';

type Key = Parameters<typeof t>[0];

/**
 * The service KPIs per technician (or team) over a period (#/tickets/kpis?days=30 or ?from=…&to=… as
 * YYYY-MM-DD, whole days in the site's time zone; &by=team): tickets, time to accept, to resolve, first-time fix, satisfaction, SLA. From
 * GET /tickets/kpis; the period's tickets download as CSV beside it.
 */

const DAY = 86_400_000;
const PRESETS = ['7', '30', '90', '365'] as const;
type By = 'technician' | 'team';

export interface KpiRow {
  key: string | null;
  name?: string | null;
  tickets: number;
  resolved: number;
  mttaMinutes: number | null;
  acceptMinutes: number | null;
  mttrMinutes: number | null;
  slaCompliance: number | null;
  firstTimeFix: number | null;
  satisfaction: number | null;
  ratings: number;
}

const isDate = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

export function duration(minutes: number | null): string {
  if (minutes === null) return '—';
  if (minutes < 90) return t('min', { n: fmtNumber(minutes, 0) });
  if (minutes < 48 * 60) return t('hours', { n: fmtNumber(minutes / 60, 1) });
  return t('days', { n: fmtNumber(minutes / 1440, 1) });
}
const percent = (v: number | null) => (v === null ? '—' : `${fmtNumber(v * 100, 0)}%`);

/** The numbers' columns: the header's words (and its hint), the cell. */
const COLUMNS: [col: string, head: Key, hint: Key | null, cell: (r: KpiRow) => ComponentChildren][] = [
  ['tickets', 'tickets', null, (r) => r.tickets],
  ['resolved', 'resolved', null, (r) => r.resolved],
  ['accept', 'toAccept', 'toAcceptHint', (r) => duration(r.acceptMinutes)],
  ['resolve', 'toResolve', 'toResolveHint', (r) => duration(r.mttrMinutes)],
  ['first-fix', 'firstFix', 'firstFixHint', (r) => percent(r.firstTimeFix)],
  [
    'satisfaction',
    'satisfaction',
    'satisfactionHint',
    (r) => (
      <>
        {r.satisfaction === null ? '—' : `★ ${fmtNumber(r.satisfaction, 1)}`}
        {r.ratings > 0 && <span class="muted"> ({r.ratings})</span>}
      </>
    ),
  ],
  ['sla', 'sla', null, (r) => percent(r.slaCompliance)],
];

function Row({ row, label, by }: { row: KpiRow; label: string; by: By }) {
  return (
    <tr data-kpi={row.key ?? ''}>
      <th scope="row">
        {label}
        {by === 'technician' && row.key && row.name && row.name !== row.key && (
          <span class="muted kpi-user"> {row.key}</span>
        )}
      </th>
      {/* data-label: on a phone each row is a card, each number under its name */}
      {COLUMNS.map(([col, head, , cell]) => (
        <td key={col} class="num" data-col={col} data-label={t(head)}>
          {cell(row)}
        </td>
      ))}
    </tr>
  );
}

export function TicketKpis({ route }: { route: Route }) {
  useLang();
  const q = route.query;
  const [now] = useState(() => Math.ceil(Date.now() / 60_000) * 60_000);
  const by: By = q.get('by') === 'team' ? 'team' : 'technician';
  const custom = isDate(q.get('from')) && isDate(q.get('to'));
  const days = PRESETS.includes(q.get('days') as (typeof PRESETS)[number]) ? Number(q.get('days')) : 30;
  // from–to are whole days in the site's time zone, like every date the dashboard shows
  const site = useApi<{ site: { timezone?: string } }>(custom ? '/site' : null).data;
  const tz = site?.site.timezone ?? 'UTC';
  const from = custom ? zonedTime(q.get('from')!, tz) : now - days * DAY;
  const to = custom ? zonedTime(addDays(q.get('to')!, 1), tz) : now;
  const allowed = can('tickets:manage') || can('tickets:dispatch');
  const { data, error, loading, reload } = useApi<{ total: KpiRow; groups: KpiRow[] }>(
    allowed && (!custom || site) && to > from ? `/tickets/kpis?from=${from}&to=${to}&group=${by}` : null,
  );

  const go = (change: Record<string, string | undefined>) => {
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries({
      by,
      ...(custom ? { from: q.get('from')!, to: q.get('to')! } : { days: String(days) }),
      ...change,
    }))
      if (v !== undefined) next[k] = v;
    navigate(href('tickets', ['kpis'], next));
  };
  const choosePeriod = (v: string) =>
    v === 'custom'
      ? go({ days: undefined, from: siteDate(now - 30 * DAY), to: siteDate(now) })
      : go({ days: v, from: undefined, to: undefined });

  if (!allowed)
    return (
      <section class="view tk tk-kpis" data-view-id="tickets">
        <p class="form-error" role="alert">
          {t('mayNot')}
        </p>
      </section>
    );

  const label = (r: KpiRow) => (r.key === null ? t('nobody') : (r.name ?? r.key));
  return (
    <section class="view tk tk-kpis" data-view-id="tickets">
      <a class="tk-back" href={href('tickets')}>
        ← {t('back')}
      </a>
      <div class="tk-head">
        <h2>{t('title')}</h2>
        <CsvLink
          path="/tickets/export.csv"
          query={{ from: String(from), to: String(to) }}
          name="tickets.csv"
        />
      </div>
      <div class="toolbar kpi-toolbar">
        <label class="tk-select">
          <span class="muted">{t('period')}</span>
          <select
            name="period"
            value={custom ? 'custom' : String(days)}
            onChange={(e) => choosePeriod((e.target as HTMLSelectElement).value)}
          >
            {PRESETS.map((d) => (
              <option key={d} value={d}>
                {t(`days${d}`)}
              </option>
            ))}
            <option value="custom">{t('custom')}</option>
          </select>
        </label>
        {custom && (
          <>
            <label class="tk-select">
              <span class="muted">{t('from')}</span>
              <input
                type="date"
                name="from"
                value={q.get('from')!}
                onChange={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  if (isDate(v)) go({ from: v });
                }}
              />
            </label>
            <label class="tk-select">
              <span class="muted">{t('to')}</span>
              <input
                type="date"
                name="to"
                value={q.get('to')!}
                onChange={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  if (isDate(v)) go({ to: v });
                }}
              />
            </label>
          </>
        )}
        <label class="tk-select">
          <span class="muted">{t('groupBy')}</span>
          <select name="by" value={by} onChange={(e) => go({ by: (e.target as HTMLSelectElement).value })}>
            <option value="technician">{t('technician')}</option>
            <option value="team">{t('team')}</option>
          </select>
        </label>
      </div>
      {custom && site && to <= from && (
        <p class="form-error" role="alert">
          {t('badRange')}
        </p>
      )}
      {error && <ErrorBox error={error} retry={reload} />}
      {loading && !data && !error && !(custom && to <= from) && <Loading />}
      {data && data.total.tickets === 0 && <p class="placeholder">{t('none')}</p>}
      {data && data.total.tickets > 0 && (
        <div class={`panel kpi-wrap${loading ? ' stale' : ''}`}>
          <table class="table kpi-table" data-kpi-table={by}>
            <thead>
              <tr>
                <th scope="col">{t(by)}</th>
                {COLUMNS.map(([col, head, hint]) => (
                  <th key={col} scope="col" class="num" title={hint ? t(hint) : undefined}>
                    {t(head)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.groups.map((r) => (
                <Row key={r.key ?? ''} row={r} label={label(r)} by={by} />
              ))}
            </tbody>
            <tfoot>
              <Row row={data.total} label={t('total')} by={by} />
            </tfoot>
          </table>
        </div>
      )}
      <p class="muted kpi-note">{t('note')}</p>
    </section>
  );
}
