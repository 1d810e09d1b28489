import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { can, useApi, useHubEvent } from '../hub.js';
import { siteDate, useLang } from '../i18n.js';
import type { Route } from '../router.js';
import { ErrorBox, Tile } from '../ui.js';
import { siteDay } from './visitors-day.js';
import { Evacuation, GateEvents, type OnSite } from './visitors-gates.js';
import { type Issued, IssuedCodes, type Pass, PendingPasses, TodayPasses } from './visitors-passes.js';
import { PassSlipView } from './visitors-slip.js';
import { VisitorsStatsView } from './visitors-stats.js';
import { VisitorsTabs } from './visitors-tabs.js';
import { t } from './visitors-text.js';

/**
 * Visitors and gates: how many are on site, the passes awaiting approval (approve, or decline with a
 * reason, for their host or security; the code is shown once after approval), today's visitors, the live
 * gate events, and for security (passes:manage) the evacuation list. The live events carry no names: the
 * lists are read again from the API, which applies who may see which pass.
 */

/** Call `fn` once, a little after the last of a burst of calls (a gate sends scan, door and passage). */
function useSoon(fn: () => void, ms = 250): () => void {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(), ms);
  };
}

/** `#/visitors`: today's work; `#/visitors/stats`: entry statistics; `#/visitors/passes/<id>/slip`: the slip. */
export default function VisitorsView({ route }: { route: Route }) {
  const [section, id, sub] = route.rest;
  if (section === 'stats') return <VisitorsStatsView />;
  if (section === 'passes' && id && sub === 'slip') return <PassSlipView key={id} id={id} />;
  return <VisitorsToday />;
}

function VisitorsToday() {
  useLang();
  const seesPasses = can('passes:register') || can('passes:manage');
  const security = can('passes:manage');

  // Today follows the site's clock: the site's time zone arrives with the site, and midnight passes.
  const [day, setDay] = useState(() => siteDate(Date.now()));
  const [zoneSeen, setZoneSeen] = useState(0);
  useHubEvent('site', () => setZoneSeen((n) => n + 1));
  useEffect(() => {
    const timer = setInterval(() => setDay(siteDate(Date.now())), 60_000);
    return () => clearInterval(timer);
  }, []);
  // day and zoneSeen say when today changed
  const [from, to] = useMemo(() => siteDay(Date.now()), [day, zoneSeen]);

  const occupancy = useApi<{ visitors: number; staff: number }>('/gates/occupancy');
  const gates = useApi<{ id: string; name: string }[]>('/gates');
  const pending = useApi<{ passes: Pass[] }>(seesPasses ? '/passes?state=requested&limit=500' : null);
  const today = useApi<{ passes: Pass[] }>(seesPasses ? `/passes?from=${from}&to=${to}&limit=500` : null);
  const onSite = useApi<OnSite>(security ? '/gates/on-site' : null);
  const [issued, setIssued] = useState<Issued[]>([]);

  const reloadPasses = useSoon(() => {
    if (!seesPasses) return;
    pending.reload();
    today.reload();
  });
  const reloadPeople = useSoon(() => {
    occupancy.reload();
    if (security) onSite.reload();
  });
  useHubEvent('pass', reloadPasses);
  useHubEvent<{ event: string }>('gate', (e) => {
    reloadPeople();
    // a passage uses an entry and moves someone in or out
    if (e?.event === 'passed') reloadPasses();
  });

  const gateNames = useMemo(
    () => new Map((gates.data ?? []).map((g) => [g.id, g.name] as const)),
    [gates.data],
  );
  const pendingList = useMemo(
    () => pending.data?.passes.slice().sort((a, b) => a.validFrom - b.validFrom || a.id - b.id),
    [pending.data],
  );
  const todayList = useMemo(
    () =>
      today.data?.passes
        .filter((p) => p.state !== 'requested')
        .sort((a, b) => a.validFrom - b.validFrom || a.id - b.id),
    [today.data],
  );
  const insideToday = todayList?.filter((p) => p.inside).length ?? 0;

  return (
    <section class="view visitors" data-view-id="visitors">
      <h2 class="view-title">{t('title')}</h2>
      <VisitorsTabs current="today" />
      <div class="visitors-tiles">
        <Tile
          label={t('visitorsInside')}
          value={<span data-occupancy="visitors">{occupancy.data?.visitors ?? '—'}</span>}
        />
        <Tile
          label={t('staffInside')}
          value={<span data-occupancy="staff">{occupancy.data?.staff ?? '—'}</span>}
        />
        {seesPasses && (
          <Tile
            label={t('awaitingCount')}
            value={<span data-count="pending">{pendingList?.length ?? '—'}</span>}
            tone={pendingList?.length ? 'warn' : undefined}
          />
        )}
        {seesPasses && (
          <Tile
            label={t('todayCount')}
            value={
              <span data-count="today">{todayList?.filter((p) => p.state === 'approved').length ?? '—'}</span>
            }
            sub={todayList ? t('todaySub', { n: insideToday }) : undefined}
          />
        )}
      </div>
      {occupancy.error && <ErrorBox error={occupancy.error} retry={occupancy.reload} />}

      <IssuedCodes issued={issued} dismiss={(id) => setIssued((l) => l.filter((i) => i.pass.id !== id))} />

      {seesPasses ? (
        <>
          {pending.error && <ErrorBox error={pending.error} retry={pending.reload} />}
          <PendingPasses
            passes={pendingList}
            onIssued={(i) => setIssued((l) => [i, ...l.filter((x) => x.pass.id !== i.pass.id)])}
            onChanged={reloadPasses}
          />
        </>
      ) : (
        <p class="muted">{t('noPasses')}</p>
      )}

      <div class="visitors-columns">
        {seesPasses && (
          <div>
            {today.error && <ErrorBox error={today.error} retry={today.reload} />}
            <TodayPasses passes={todayList} onChanged={reloadPasses} />
          </div>
        )}
        <GateEvents gateNames={gateNames} />
      </div>

      {security && (
        <>
          {onSite.error && <ErrorBox error={onSite.error} retry={onSite.reload} />}
          <Evacuation data={onSite.data} />
        </>
      )}
    </section>
  );
}
