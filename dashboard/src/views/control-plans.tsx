import { useEffect, useRef } from 'preact/hooks';
import { type ApiProblem, useApi, useHubEvent } from '../hub.js';
import type { DemandAnswer, OccupancyAnswer } from '../hub-types.js';
import { useLang } from '../i18n.js';
import { ErrorBox, Loading } from '../ui.js';
import { DemandCard } from './control-demand.js';
import { OccupancyCard } from './control-occupancy.js';
import type { ControlSection } from './control-section.js';
import { ct } from './control-text.js';

/**
 * Occupancy and demand, read only: per zone its people, CO₂ and what the hub commands because of them (DCV,
 * lighting, setback); per demand-limit plan the 15-minute forecast against the limit and the loads it sheds.
 * Both follow the control events (a plan that acts changes points).
 */

const listOf = <T,>(a: T[] | Record<string, T[]> | undefined, key: string): T[] =>
  !a ? [] : Array.isArray(a) ? a : (a[key] ?? []);

function useReloadOnControl(reload: () => void) {
  // a burst of changes (a shed step touches several points) is one reload
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(reload);
  latest.current = reload;
  useHubEvent('control', () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(), 500);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
}

function Occupancy() {
  const answer = useApi<OccupancyAnswer[] | { zones: OccupancyAnswer[] }>('/control/occupancy');
  useReloadOnControl(answer.reload);
  const zones = listOf(answer.data as OccupancyAnswer[] | Record<string, OccupancyAnswer[]>, 'zones');
  const missing = (answer.error as ApiProblem | undefined)?.status === 404;
  return (
    <section class="panel ct-section" data-section="occupancy">
      <div class="section-head">
        <h2>{ct('occupancyTitle')}</h2>
      </div>
      <p class="muted ct-hint">{ct('occupancyHint')}</p>
      {missing && (
        <p class="placeholder" data-empty>
          {ct('unavailable')}
        </p>
      )}
      {answer.error && !missing && !answer.data && <ErrorBox error={answer.error} retry={answer.reload} />}
      {answer.loading && !answer.data && !answer.error && <Loading />}
      {answer.data && !zones.length && (
        <p class="placeholder" data-empty>
          {ct('noOccupancy')}
        </p>
      )}
      <ul class="ct-cards">
        {zones.map((z) => (
          <OccupancyCard key={z.zone} zone={z} />
        ))}
      </ul>
    </section>
  );
}

function Demand() {
  const answer = useApi<DemandAnswer[] | { plans: DemandAnswer[] }>('/control/demand');
  useReloadOnControl(answer.reload);
  const plans = listOf(answer.data as DemandAnswer[] | Record<string, DemandAnswer[]>, 'plans');
  const missing = (answer.error as ApiProblem | undefined)?.status === 404;
  return (
    <section class="panel ct-section" data-section="demand">
      <div class="section-head">
        <h2>{ct('demandTitle')}</h2>
      </div>
      <p class="muted ct-hint">{ct('demandHint')}</p>
      {missing && (
        <p class="placeholder" data-empty>
          {ct('unavailable')}
        </p>
      )}
      {answer.error && !missing && !answer.data && <ErrorBox error={answer.error} retry={answer.reload} />}
      {answer.loading && !answer.data && !answer.error && <Loading />}
      {answer.data && !plans.length && (
        <p class="placeholder" data-empty>
          {ct('noDemand')}
        </p>
      )}
      <ul class="ct-cards">
        {plans.map((d) => (
          <DemandCard key={d.id} plan={d} />
        ))}
      </ul>
    </section>
  );
}

function PlansView() {
  useLang();
  return (
    <div class="ct-plans">
      <Occupancy />
      <Demand />
    </div>
  );
}

export const plansSection: ControlSection = { id: 'plans', label: () => ct('tab-plans'), View: PlansView };
