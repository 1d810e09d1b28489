import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type {
  FleetPointRow,
  FleetSiteAnswer,
  FleetSiteState,
} from '../../../domains/fleet/fleet-api-types.js';
import { type ApiProblem, useApi } from '../hub.js';
import { fmtDateTime, fmtNumber } from '../i18n.js';
import { href } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { ageText } from './asset-text.js';
import { type FleetKey, ft } from './fleet-text.js';

/** What the fleet's pages share: the state badge, the poll, how power, energy and values read. */

/** The fleet's answers are polled this often (the central keeps them current from the sites' messages). */
export const POLL_MS = 5_000;

const STATE_TONE: Record<FleetSiteState, string> = {
  online: 'good',
  offline: 'bad',
  stale: 'warn',
  unknown: 'muted',
};

/** Offline first, then silent, then never heard from, then online: what needs a look comes first. */
export const STATE_RANK: Record<FleetSiteState, number> = { offline: 0, stale: 1, unknown: 2, online: 3 };

export function StateBadge({ state }: { state: FleetSiteState }) {
  return (
    <span
      class={`badge badge-${STATE_TONE[state] ?? 'muted'} fl-state`}
      data-site-state={state}
      title={ft(`st-tip-${state}` as FleetKey)}
    >
      {ft(`st-${state}` as FleetKey)}
    </span>
  );
}

/** Call `fn` every `ms` while the page is visible, and at once when it becomes visible again. */
export function usePoll(fn: () => void, ms = POLL_MS): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    const tick = () => {
      if (!document.hidden) latest.current();
    };
    const timer = setInterval(tick, ms);
    const onVisible = () => !document.hidden && latest.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms]);
}

/** Power in kW (sites are buildings and plants: watts are noise). */
export const powerText = (w: number | null | undefined): string =>
  w === null || w === undefined ? '—' : `${fmtNumber(w / 1000, 1)} kW`;

export const energyText = (kwh: number | null | undefined): string =>
  kwh === null || kwh === undefined ? '—' : `${fmtNumber(kwh, Math.abs(kwh) >= 100 ? 0 : 1)} kWh`;

export const countText = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : fmtNumber(n, 0);

/** Decimals that mean something: 384,270 W, 412.3 kW, 14.02 °C. */
export const digitsFor = (v: number): number => (Math.abs(v) >= 1000 ? 0 : Math.abs(v) >= 100 ? 1 : 2);

export function valueText(v: FleetPointRow['value']): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmtNumber(v, digitsFor(v));
  if (typeof v === 'boolean') return ft(v ? 'on' : 'off');
  return String(v);
}

/** "12 s ago", with the date and time on hover. */
export function Age({ ms, now }: { ms: number | null; now: number }) {
  return (
    <time
      dateTime={ms ? new Date(ms).toISOString() : undefined}
      title={ms ? fmtDateTime(ms) : undefined}
      data-ts={ms ?? undefined}
    >
      {ms === null ? ft('never') : ageText(ms, now)}
    </time>
  );
}

/** How long: "12 s", "5 min", "3 h", "2 d". */
export function durationText(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1_000));
  if (s < 60) return ft('dSeconds', { n: s });
  if (s < 3_600) return ft('dMinutes', { n: Math.floor(s / 60) });
  if (s < 86_400) return ft('dHours', { n: Math.floor(s / 3_600) });
  return ft('dDays', { n: Math.floor(s / 86_400) });
}

/** How long a state has lasted ("for 12 min"), with when it began on hover. */
export function Since({ ms, now }: { ms: number; now: number }) {
  return (
    <small class="muted fl-since" title={fmtDateTime(ms)} data-since={ms}>
      {ft('for', { d: durationText(ms, now) })}
    </small>
  );
}

/**
 * A site's answer from the central (`GET /fleet/sites/:site`, polled), and what a site's pages show until there is
 * one (`fallback`): the site unknown to the central, an error, or loading.
 */
export function useFleetSite(siteId: string, page: 'site' | 'asset') {
  const answer = useApi<FleetSiteAnswer>(`/fleet/sites/${encodeURIComponent(siteId)}`);
  usePoll(answer.reload);
  let fallback: JSX.Element | undefined;
  if ((answer.error as ApiProblem | undefined)?.status === 404)
    fallback = (
      <p class="placeholder" data-not-found>
        {ft('notFound', { id: siteId })} <a href={href('fleet')}>{ft('fleetBack')}</a>
      </p>
    );
  else if (!answer.data)
    fallback = answer.error ? <ErrorBox error={answer.error} retry={answer.reload} /> : <Loading />;
  return {
    data: answer.data,
    fallback: fallback && (
      <section class="view fl" data-view-id="fleet" data-fleet-page={page}>
        {fallback}
      </section>
    ),
  };
}
