import { useEffect, useRef } from 'preact/hooks';
import { type ApiProblem, useApi, useHubEvent } from '../hub.js';
import type { DemandAnswer, OccupancyAnswer } from '../hub-types.js';
import { fmtDateTime, fmtNumber, useLang } from '../i18n.js';
import { Badge, ErrorBox, Loading } from '../ui.js';
import { valueText } from './control-model.js';
import type { ControlSection } from './control-section.js';
import { type ControlKey, ct } from './control-text.js';

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
          <li
            key={z.zone}
            class="ct-card"
            data-occupancy={z.zone}
            data-occupied={z.occupied ? 'true' : 'false'}
          >
            <div class="ct-card-head">
              <h3>{z.zone}</h3>
              <Badge tone={z.occupied ? 'good' : 'muted'}>{ct(z.occupied ? 'occupied' : 'vacant')}</Badge>
            </div>
            <dl class="ct-facts">
              <div>
                <dt>{ct('people')}</dt>
                <dd data-field="people">{fmtNumber(z.people ?? null, 0)}</dd>
              </div>
              <div>
                <dt>{ct('co2')}</dt>
                <dd data-field="co2">{z.co2 == null ? '—' : `${fmtNumber(z.co2, 0)} ppm`}</dd>
              </div>
              {z.since ? (
                <div>
                  <dt>{ct('since')}</dt>
                  <dd>{fmtDateTime(z.since)}</dd>
                </div>
              ) : null}
            </dl>
            {z.commands?.length ? (
              <ul class="ct-commands">
                {z.commands.map((c) => (
                  <li key={c.kind} data-command={c.kind}>
                    <span class="ct-cmd-kind">
                      {['dcv', 'lighting', 'setback'].includes(c.kind)
                        ? ct(`cmd-${c.kind}` as ControlKey)
                        : c.kind}
                    </span>{' '}
                    <b class="mono">{valueText(c.value)}</b>{' '}
                    <small class="muted">{c.points.join(', ')}</small>
                    {c.reason && <small class="muted"> · {c.reason}</small>}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
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
        {plans.map((d) => {
          const pct = d.forecastKw === null ? null : (100 * d.forecastKw) / d.limitKw;
          const tone =
            pct === null
              ? 'muted'
              : pct >= d.shedAtPercent
                ? 'bad'
                : pct >= d.restoreAtPercent
                  ? 'warn'
                  : 'good';
          return (
            <li key={d.id} class="ct-card" data-demand={d.id}>
              <div class="ct-card-head">
                <h3>{d.id}</h3>
                <small class="muted">
                  {ct('meter')} {d.meter}
                </small>
              </div>
              <dl class="ct-facts">
                <div>
                  <dt>{ct('forecast')}</dt>
                  <dd data-field="forecast">
                    {d.forecastKw === null ? '—' : `${fmtNumber(d.forecastKw, 1)} kW`}
                    {pct !== null && <small class="muted"> ({fmtNumber(pct, 0)} %)</small>}
                  </dd>
                </div>
                <div>
                  <dt>{ct('limit')}</dt>
                  <dd data-field="limit">{fmtNumber(d.limitKw, 0)} kW</dd>
                </div>
              </dl>
              <div class={`ct-meter ct-meter-${tone}`} aria-hidden="true">
                <span style={{ width: `${Math.min(100, Math.max(0, pct ?? 0))}%` }} />
                <i style={{ left: `${d.shedAtPercent}%` }} title={`${d.shedAtPercent} %`} />
              </div>
              <p class="muted ct-demand-rule">
                {ct('shedAt', { shed: d.shedAtPercent, restore: d.restoreAtPercent })}
              </p>
              <h4 class="ct-sub">{ct('loads')}</h4>
              <ol class="ct-loads">
                {d.loads.map((l) => (
                  <li key={l.name} data-load={l.name} data-shed={l.shed ? 'true' : 'false'}>
                    <span>{l.name}</span>{' '}
                    <Badge tone={l.shed ? 'warn' : 'muted'}>
                      {l.shed
                        ? l.steps && l.steps > 1
                          ? ct('shedStep', { step: l.step ?? 1, steps: l.steps })
                          : ct('shed')
                        : ct('normal')}
                    </Badge>
                    {l.shed && l.since ? <small class="muted"> {fmtDateTime(l.since)}</small> : null}
                  </li>
                ))}
              </ol>
            </li>
          );
        })}
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
