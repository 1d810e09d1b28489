import type { OccupancyAnswer } from '../hub-types.js';
import { fmtDateTime, fmtNumber } from '../i18n.js';
import { Badge } from '../ui.js';
import { valueText } from './control-model.js';
import { ct } from './control-text.js';

/**
 * One zone's occupancy control, read only: occupied or empty since when (people on site, motion, its
 * schedule), the CO₂, and what the hub commands because of it: the DCV damper position, the lighting, the
 * setback.
 */
export function OccupancyCard({ zone: z }: { zone: OccupancyAnswer }) {
  const state = z.occupied === null ? 'unknown' : z.occupied ? 'occupied' : 'empty';
  return (
    <li class="ct-card" data-occupancy={z.zone} data-occupied={state}>
      <div class="ct-card-head">
        <h3>{z.name}</h3>
        <Badge tone={state === 'occupied' ? 'good' : 'muted'}>
          {ct(state === 'unknown' ? 'unknownOcc' : state === 'occupied' ? 'occupied' : 'vacant')}
        </Badge>
      </div>
      {(z.occupiedSince || z.emptySince) && (
        <p class="muted ct-card-sub" data-field="since">
          {z.occupiedSince
            ? ct('occupiedSince', { time: fmtDateTime(z.occupiedSince) })
            : ct('emptySince', { time: fmtDateTime(z.emptySince) })}
        </p>
      )}
      <dl class="ct-facts">
        <div>
          <dt>{ct('people')}</dt>
          <dd data-field="people">{fmtNumber(z.people, 0)}</dd>
        </div>
        <div>
          <dt>{ct('co2')}</dt>
          <dd data-field="co2">{z.co2 === null ? '—' : `${fmtNumber(z.co2, 0)} ppm`}</dd>
        </div>
        {z.motion.length > 0 && (
          <div>
            <dt>{ct('motion')}</dt>
            <dd data-field="motion">
              {z.motion.some((m) => m.value === true || m.value === 1) ? ct('moving') : ct('still')}
            </dd>
          </div>
        )}
        {z.schedule && (
          <div>
            <dt>&nbsp;</dt>
            <dd data-field="schedule">
              {ct(z.schedule.on ? 'scheduleOn' : 'scheduleOff', { id: z.schedule.id })}
            </dd>
          </div>
        )}
      </dl>
      <ul class="ct-commands">
        {z.dcv && (
          <li data-command="dcv">
            <span class="ct-cmd-kind">{ct('cmd-dcv')}</span>{' '}
            <b class="mono">{z.dcv.value === null ? '—' : `${fmtNumber(z.dcv.value, 0)} %`}</b>{' '}
            <small class="muted">
              {ct('dcvRule', { low: z.dcv.co2Low, high: z.dcv.co2High, min: z.dcv.min, max: z.dcv.max })}
            </small>
          </li>
        )}
        {z.lighting && (
          <li data-command="lighting" data-off={z.lighting.off ? 'true' : 'false'}>
            <span class="ct-cmd-kind">{ct('cmd-lighting')}</span>{' '}
            <span>
              {z.lighting.off
                ? ct('lightsOff', { time: fmtDateTime(z.lighting.since) })
                : ct('lightsOn', { n: z.lighting.offAfterMinutes })}
            </span>
          </li>
        )}
        {z.setback && (
          <li data-command="setback" data-on={z.setback.on ? 'true' : 'false'}>
            <span class="ct-cmd-kind">{ct('cmd-setback')}</span>{' '}
            <span>
              {z.setback.on
                ? ct('setbackOn', { value: valueText(z.setback.value), time: fmtDateTime(z.setback.since) })
                : ct('setbackOff', { n: z.setback.afterMinutes })}
            </span>
          </li>
        )}
      </ul>
      {z.commands.length > 0 && (
        <p class="muted ct-card-sub" data-field="holds">
          {z.commands.map((c) => `${c.point} = ${valueText(c.value)}`).join(' · ')}
        </p>
      )}
    </li>
  );
}
