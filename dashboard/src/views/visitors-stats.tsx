import { useMemo, useState } from 'preact/hooks';
import type { StatsTable, TodayVisitor, VisitorStats } from '../../../domains/visitors/stats-types.js';
import { can, useApi } from '../hub.js';
import { fmtNumber, siteDate, useLang } from '../i18n.js';
import { ErrorBox, Loading, Tile } from '../ui.js';
import { siteDay } from './visitors-day.js';
import { CountTable, DeniedTable, PeakTable, StatsPanel, TodayDesk } from './visitors-stats-tables.js';
import { st } from './visitors-stats-text.js';
import { VisitorsTabs } from './visitors-tabs.js';

const DAY = 86_400_000;

/** A site date (YYYY-MM-DD) as [start, end) in ms: noon UTC of that date lies within it for any zone ±12 h. */
const dayOf = (date: string): [number, number] => siteDay(Date.parse(`${date}T12:00:00Z`));

/**
 * Entry statistics (`#/visitors/stats`, security): a period of site days, visits and passages by hour, day,
 * gate and the host's department, the peak on site per day, denied scans by reason, each table with its
 * CSV; and the security desk's list of today's visitors.
 */
export function VisitorsStatsView() {
  useLang();
  const today = siteDate(Date.now());
  const [range, setRange] = useState<{ from: string; to: string }>({ from: today, to: today });
  const preset = (days: number) =>
    setRange({ from: siteDate(Date.now() - (days - 1) * DAY), to: siteDate(Date.now()) });
  const ok = range.from <= range.to;
  const query = useMemo(() => {
    if (!ok) return null;
    return `from=${dayOf(range.from)[0]}&to=${dayOf(range.to)[1]}`;
  }, [range.from, range.to, ok]);
  const security = can('passes:manage');
  const stats = useApi<VisitorStats>(security && query ? `/visitors/stats?${query}` : null);
  const desk = useApi<{ visitors: TodayVisitor[] }>(security ? '/visitors/today' : null);
  const csv = (table: StatsTable) => `/api/v1/visitors/stats.csv?${query}&by=${table}`;
  const s = stats.data;

  if (!security)
    return (
      <section class="view visitors" data-view-id="visitors-stats">
        <h2 class="view-title">{st('title')}</h2>
        <p class="muted">{st('onlySecurity')}</p>
      </section>
    );
  return (
    <section class="view visitors visitors-stats" data-view-id="visitors-stats">
      <h2 class="view-title">{st('title')}</h2>
      <VisitorsTabs current="stats" />
      {desk.error && <ErrorBox error={desk.error} retry={desk.reload} />}
      <TodayDesk visitors={desk.data?.visitors} />
      <form class="stats-period" onSubmit={(e) => e.preventDefault()}>
        <span class="muted">{st('period')}</span>
        {([1, 7, 30] as const).map((n) => (
          <button
            key={n}
            type="button"
            class="btn btn-small"
            data-preset={n}
            aria-pressed={range.to === today && range.from === siteDate(Date.now() - (n - 1) * DAY)}
            onClick={() => preset(n)}
          >
            {st(`days${n}`)}
          </button>
        ))}
        <label>
          {st('from')}{' '}
          <input
            type="date"
            name="from"
            value={range.from}
            max={today}
            onChange={(e) => setRange((r) => ({ ...r, from: e.currentTarget.value || r.from }))}
          />
        </label>
        <label>
          {st('to')}{' '}
          <input
            type="date"
            name="to"
            value={range.to}
            max={today}
            onChange={(e) => setRange((r) => ({ ...r, to: e.currentTarget.value || r.to }))}
          />
        </label>
      </form>
      {!ok && <p class="bad">{st('badRange')}</p>}
      {stats.error && <ErrorBox error={stats.error} retry={stats.reload} />}
      {!s && !stats.error && ok && <Loading />}
      {s && (
        <>
          <div class="visitors-tiles" data-stats-totals>
            <Tile name="visits" label={st('visits')} value={fmtNumber(s.totals.visits, 0)} />
            <Tile name="entries" label={st('entries')} value={fmtNumber(s.totals.entries, 0)} />
            <Tile name="exits" label={st('exits')} value={fmtNumber(s.totals.exits, 0)} />
            <Tile
              name="denied"
              label={st('denied')}
              value={fmtNumber(s.totals.denied, 0)}
              tone={s.totals.denied ? 'warn' : undefined}
            />
          </div>
          <div class="stats-grid">
            <StatsPanel table="hour" title={st('byHour')} csv={csv}>
              <CountTable rows={s.hour} keyLabel={st('hour')} name={(r) => `${r.key}:00`} />
            </StatsPanel>
            <div>
              <StatsPanel table="day" title={st('byDay')} csv={csv}>
                <CountTable rows={s.day} keyLabel={st('day')} name={(r) => r.key} />
              </StatsPanel>
              <StatsPanel table="gate" title={st('byGate')} csv={csv}>
                <CountTable rows={s.gate} keyLabel={st('gate')} name={(r) => r.label} />
              </StatsPanel>
              <StatsPanel table="department" title={st('byDepartment')} sub={st('departmentNote')} csv={csv}>
                <CountTable
                  rows={s.department}
                  keyLabel={st('department')}
                  name={(r) => r.label || st('noDepartment')}
                />
              </StatsPanel>
              <StatsPanel table="peak" title={st('peak')} csv={csv}>
                <PeakTable rows={s.peak} />
              </StatsPanel>
              <StatsPanel table="denied" title={st('deniedByReason')} csv={csv}>
                <DeniedTable rows={s.denied} />
              </StatsPanel>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
