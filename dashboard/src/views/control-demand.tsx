import type { DemandAnswer } from '../hub-types.js';
import { fmtDateTime, fmtNumber } from '../i18n.js';
import { Badge } from '../ui.js';
import { type ControlKey, ct } from './control-text.js';

/**
 * One demand-limit plan, read only: the 15-minute forecast against the limit (a bar with the shed threshold),
 * the stage, and its loads in shed order: which are shed, by how many steps, since when.
 */
const STAGE_TONE = { normal: 'good', shedding: 'bad', holding: 'warn', restoring: 'info' } as const;

export function DemandCard({ plan: d }: { plan: DemandAnswer }) {
  const pct = d.forecastKw === null ? null : (100 * d.forecastKw) / d.limitKw;
  const tone =
    d.forecastKw === null
      ? 'muted'
      : d.forecastKw >= d.shedAtKw
        ? 'bad'
        : d.forecastKw >= d.restoreAtKw
          ? 'warn'
          : 'good';
  const shedAtPct = (100 * d.shedAtKw) / d.limitKw;
  return (
    <li class="ct-card" data-demand={d.id} data-stage={d.stage}>
      <div class="ct-card-head">
        <h3>{d.name}</h3>
        <Badge tone={STAGE_TONE[d.stage] ?? 'muted'}>{ct(`stage-${d.stage}` as ControlKey)}</Badge>
      </div>
      <p class="muted ct-card-sub">
        {ct('meter')} {d.meter}
      </p>
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
        <i style={{ left: `${Math.min(100, shedAtPct)}%` }} />
      </div>
      <p class="muted ct-demand-rule">
        {ct('shedAt', { shed: fmtNumber(d.shedAtKw, 0), restore: fmtNumber(d.restoreAtKw, 0) })}
      </p>
      <h4 class="ct-sub">{ct('loads')}</h4>
      <ol class="ct-loads">
        {d.loads.map((l) => (
          <li key={l.name} data-load={l.name} data-shed={l.shed ? 'true' : 'false'}>
            <span>{l.name}</span>{' '}
            <Badge tone={l.shed ? 'warn' : 'muted'}>
              {l.shed
                ? l.maxSteps > 1
                  ? ct('shedStep', { step: l.steps, steps: l.maxSteps })
                  : ct('shed')
                : ct('normal')}
            </Badge>
            {l.shed && l.since ? <small class="muted"> {fmtDateTime(l.since)}</small> : null}
          </li>
        ))}
      </ol>
    </li>
  );
}
