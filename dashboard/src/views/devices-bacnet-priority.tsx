import type { BacnetObjectAnswer, BacnetValue } from '../hub-types.js';
import { fmtNumber } from '../i18n.js';
import { Badge } from '../ui.js';
import { unitText } from './chart.js';
import {
  activeLevel,
  field,
  fieldError,
  isBinary,
  isNamedLevel,
  reliabilityName,
  unitName,
  valueText,
} from './devices-bacnet-model.js';
import { bt } from './devices-bacnet-text.js';

/**
 * One object as the device holds it: the present value, status flags, reliability, and who commands it: the
 * 16 levels of its priority array (BACnet's names where the standard gives one), the level in force, and the
 * relinquish default that rules when every level is empty.
 */

const FLAGS = ['inAlarm', 'fault', 'overridden', 'outOfService'] as const;
const FLAG_TONE = { inAlarm: 'warn', fault: 'bad', overridden: 'warn', outOfService: 'warn' } as const;

export function BacnetObjectView({ answer: a }: { answer: BacnetObjectAnswer }) {
  const binary = isBinary(a.object) ? { active: bt('active'), inactive: bt('inactive') } : undefined;
  const unit = unitText(unitName(field(a.units)));
  const show = (v: BacnetValue | undefined) => {
    const text = valueText(v, (n) => fmtNumber(n, 3), binary);
    return unit && typeof v === 'number' && !binary ? `${text} ${unit}` : text;
  };
  const name = field(a.name);
  const flags = field(a.statusFlags);
  const reliability = field(a.reliability);
  const levels = field(a.priorityArray);
  const relinquish = field(a.relinquishDefault);
  const active = levels ? activeLevel(levels) : undefined;

  return (
    <div class="dv-object" data-object-result={a.object}>
      <h3 class="dv-object-title">
        {name ?? a.object}{' '}
        <small class="mono muted dv-object-sub">{`${a.object} · ${bt('deviceN', { n: a.device })}`}</small>
      </h3>
      <dl class="dv-object-facts">
        <div>
          <dt class="dv-fact-label">{bt('presentValue')}</dt>
          <dd class="dv-fact-value dv-object-value mono" data-field="present-value">
            {fieldError(a.presentValue) ?? show(field(a.presentValue))}
          </dd>
        </div>
        <div>
          <dt class="dv-fact-label">{bt('statusFlags')}</dt>
          <dd class="dv-fact-value dv-flags">
            {flags
              ? FLAGS.map((f, i) => (
                  <span key={f} data-flag={f} data-on={flags[i] ? 'true' : 'false'}>
                    <Badge tone={flags[i] ? FLAG_TONE[f] : 'muted'}>{bt(`flag.${f}`)}</Badge>
                  </span>
                ))
              : fieldError(a.statusFlags)}
          </dd>
        </div>
        <div>
          <dt class="dv-fact-label">{bt('reliability')}</dt>
          <dd class="dv-fact-value" data-field="reliability">
            {reliability === undefined ? (
              fieldError(a.reliability)
            ) : (
              <Badge tone={reliability === 0 ? 'good' : 'bad'}>
                <span class="mono">{reliabilityName(reliability)}</span>
              </Badge>
            )}
          </dd>
        </div>
      </dl>

      {levels ? (
        <>
          <p class={`dv-commanded${active ? ' dv-commanded-on' : ''}`} data-commanded={active ?? 'default'}>
            {active
              ? bt(isNamedLevel(active) ? 'commandedNamed' : 'commanded', {
                  level: active,
                  name: isNamedLevel(active) ? bt(`prio.${active}`) : '',
                  value: show(levels[active - 1]),
                })
              : bt('relinquished', { value: show(relinquish) })}
          </p>
          <h3 class="dv-object-title">
            {bt('priorityArray')} <small class="muted dv-object-sub">{bt('priorityHint')}</small>
          </h3>
          <ol class="dv-priorities" data-priority-array>
            {levels.map((v, i) => {
              const level = i + 1;
              const held = v !== null && v !== undefined;
              const state = level === active ? 'active' : held ? 'overruled' : 'empty';
              return (
                <li key={level} data-level={level} data-state={state}>
                  <span class="dv-level">{level}</span>
                  <span class="dv-level-name">{isNamedLevel(level) ? bt(`prio.${level}`) : ''}</span>
                  <span class="dv-level-value mono">{held ? show(v) : '—'}</span>
                  {state !== 'empty' && (
                    <small class="dv-level-note">{bt(state === 'active' ? 'inForce' : 'overruled')}</small>
                  )}
                </li>
              );
            })}
            <li
              class="dv-relinquish"
              data-relinquish-default
              data-state={levels.length && active === undefined ? 'active' : 'idle'}
            >
              <span class="dv-level-name">{bt('relinquishDefault')}</span>
              <span class="dv-level-value mono">{fieldError(a.relinquishDefault) ?? show(relinquish)}</span>
              {active === undefined && <small class="dv-level-note">{bt('inForce')}</small>}
            </li>
          </ol>
        </>
      ) : (
        <p class="muted" data-commanded="none">
          {bt('notCommandable')}
        </p>
      )}
    </div>
  );
}
