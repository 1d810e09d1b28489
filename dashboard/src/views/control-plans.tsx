import { useEffect, useRef } from 'preact/hooks';
import { useApi, useHubEvent } from '../hub.js';
import type { DemandAnswer, OccupancyAnswer } from '../hub-types.js';
import { useLang } from '../i18n.js';
import { DemandCard } from './control-demand.js';
import { ListSection } from './control-list-section.js';
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
  return (
    <ListSection
      id="occupancy"
      title="occupancyTitle"
      hint="occupancyHint"
      empty="noOccupancy"
      answer={answer}
      count={zones.length}
    >
      <ul class="ct-cards">
        {zones.map((z) => (
          <OccupancyCard key={z.zone} zone={z} />
        ))}
      </ul>
    </ListSection>
  );
}

function Demand() {
  const answer = useApi<DemandAnswer[] | { plans: DemandAnswer[] }>('/control/demand');
  useReloadOnControl(answer.reload);
  const plans = listOf(answer.data as DemandAnswer[] | Record<string, DemandAnswer[]>, 'plans');
  return (
    <ListSection
      id="demand"
      title="demandTitle"
      hint="demandHint"
      empty="noDemand"
      answer={answer}
      count={plans.length}
    >
      <ul class="ct-cards">
        {plans.map((d) => (
          <DemandCard key={d.id} plan={d} />
        ))}
      </ul>
    </ListSection>
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
