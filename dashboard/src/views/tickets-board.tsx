import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiProblem, api, can, useHubEvent } from '../hub.js';
import { useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { CsvLink } from './csv-link.js';
import { Board, List } from './tickets-columns.js';
import { type Asset, KINDS, loadAssets, type Ticket } from './tickets-common.js';
import { t } from './tickets-text.js';

/**
 * The tickets as a board (a column per state, in the workflow's order) or a list, filtered by the route's
 * query (`mine`, `open`, `kind`, `layout`) so a filter survives opening a ticket and coming back. Reloads on
 * every live `ticket` event.
 */

const LIMIT = 200;

interface Filters {
  mine: boolean;
  open: boolean;
  kind: string;
  layout: 'board' | 'list';
}

function filtersOf(route: Route): Filters {
  const q = route.query;
  return {
    mine: q.get('mine') === 'true',
    open: q.get('open') !== 'false',
    kind: KINDS.includes(q.get('kind') as (typeof KINDS)[number]) ? q.get('kind')! : '',
    layout: q.get('layout') === 'list' ? 'list' : 'board',
  };
}

function queryOf(f: Filters): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.mine) q.mine = 'true';
  if (!f.open) q.open = 'false';
  if (f.kind) q.kind = f.kind;
  if (f.layout === 'list') q.layout = 'list';
  return q;
}

export function TicketsBoard({ route }: { route: Route }) {
  useLang();
  const filters = filtersOf(route);
  const path = `/tickets?${new URLSearchParams({
    limit: String(LIMIT),
    ...(filters.open ? { open: 'true' } : {}),
    ...(filters.mine ? { mine: 'true' } : {}),
    ...(filters.kind ? { kind: filters.kind } : {}),
  })}`;
  const [list, setList] = useState<{ path: string; tickets: Ticket[]; more: boolean }>();
  const [error, setError] = useState<ApiProblem>();
  const [assets, setAssets] = useState<Map<string, Asset>>();
  const asked = useRef(0);

  const load = () => {
    const n = ++asked.current;
    api<{ tickets: Ticket[]; next?: number }>(path).then(
      (r) => {
        if (n !== asked.current) return;
        setList({ path, tickets: r.tickets, more: r.next !== undefined });
        setError(undefined);
      },
      (err: ApiProblem) => n === asked.current && setError(err),
    );
  };
  useEffect(load, [path]);
  useEffect(() => {
    loadAssets().then(setAssets, () => undefined);
  }, []);
  // A burst of events (a round of work orders) is one reload.
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useHubEvent('ticket', () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(load, 150);
  }, [path]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const set = (change: Partial<Filters>) => navigate(href('tickets', [], queryOf({ ...filters, ...change })));
  const tickets = list?.tickets ?? [];
  // the desk and supervisors: the KPIs and the list as a spreadsheet (the board's filters but "mine")
  const desk = can('tickets:manage') || can('tickets:dispatch');
  const csvQuery: Record<string, string> = {
    ...(filters.open ? { open: 'true' } : {}),
    ...(filters.kind ? { kind: filters.kind } : {}),
  };

  return (
    <section class="view tk" data-view-id="tickets" data-layout={filters.layout}>
      <div class="tk-head">
        <h2>{t('title')}</h2>
        <div class="tk-head-actions">
          {desk && (
            <>
              <a class="btn btn-small" href={href('tickets', ['kpis'])} data-kpis>
                {t('kpis')}
              </a>
              <CsvLink path="/tickets/export.csv" query={csvQuery} name="tickets.csv" />
              <a class="btn btn-small" href={href('assets', ['labels'])} data-labels>
                {t('labels')}
              </a>
            </>
          )}
          {can('tickets:submit') && (
            <a class="btn btn-primary" href={href('tickets', ['new'])} data-report>
              {t('report')}
            </a>
          )}
        </div>
      </div>
      <div class="toolbar tk-toolbar">
        <fieldset class="tk-seg" aria-label={t('layout')}>
          {(['board', 'list'] as const).map((l) => (
            <button
              key={l}
              type="button"
              class="btn btn-small"
              aria-pressed={filters.layout === l}
              data-layout-choice={l}
              onClick={() => set({ layout: l })}
            >
              {t(l)}
            </button>
          ))}
        </fieldset>
        <label class="tk-check">
          <input
            type="checkbox"
            name="mine"
            checked={filters.mine}
            onChange={(e) => set({ mine: (e.target as HTMLInputElement).checked })}
          />
          {t('mine')}
        </label>
        <label class="tk-select">
          <span class="muted">{t('show')}</span>
          <select
            name="open"
            value={filters.open ? 'true' : 'false'}
            onChange={(e) => set({ open: (e.target as HTMLSelectElement).value === 'true' })}
          >
            <option value="true">{t('showOpen')}</option>
            <option value="false">{t('showAll')}</option>
          </select>
        </label>
        <label class="tk-select">
          <span class="muted">{t('kind')}</span>
          <select
            name="kind"
            value={filters.kind}
            onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t('anyKind')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`k.${k}`)}
              </option>
            ))}
          </select>
        </label>
        {list && (
          <span class="muted tk-count">
            {tickets.length === 1 ? t('countOne') : t('count', { n: tickets.length })}
          </span>
        )}
      </div>
      {error && <ErrorBox error={error} retry={load} />}
      {!list && !error && <Loading />}
      {list && (
        <div class={list.path === path ? '' : 'stale'} aria-busy={list.path !== path}>
          {filters.layout === 'board' ? (
            <Board tickets={tickets} assets={assets} finished={!filters.open} />
          ) : (
            <List tickets={tickets} assets={assets} />
          )}
          {list.more && <p class="muted tk-more">{t('more', { n: LIMIT })}</p>}
        </div>
      )}
    </section>
  );
}
