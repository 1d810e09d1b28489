import type { ScheduleEvent } from '../hub-types.js';
import { FieldError, TimeSelect, ValueInput } from './control-period-editor.js';
import { defaultValue, siteTomorrow, type ValueKind } from './control-schedule-model.js';
import { t } from './control-schedules-text.js';

/**
 * One-off events of a schedule (a date, from, to, value, name): each overrides its day between its times. The
 * API's complaints (`events.2.to`) show beside the field.
 */
export function EventsEditor(props: {
  events: ScheduleEvent[];
  kind: ValueKind;
  step: number;
  editable: boolean;
  errors: Map<string, string>;
  onChange: (events: ScheduleEvent[]) => void;
}) {
  const { events } = props;
  const set = (i: number, patch: Partial<ScheduleEvent>) =>
    props.onChange(events.map((e, j) => (j === i ? { ...e, ...patch } : e)));
  const err = (i: number, f: string) => props.errors.get(`events.${i}.${f}`);
  const add = () =>
    props.onChange([
      ...events,
      { date: siteTomorrow(), from: '18:00', to: '22:00', value: defaultValue(props.kind), name: '' },
    ]);

  return (
    <fieldset class="cs-events" data-part="events">
      <legend>{t('events')}</legend>
      <p class="muted">{t('eventsHint')}</p>
      {events.length === 0 && <p class="muted">{t('noEvents')}</p>}
      {events.map((e, i) => (
        <div key={i} class="cs-event" data-event={i}>
          <label class="cs-f">
            <span>{t('date')}</span>
            <input
              type="date"
              name="date"
              value={e.date}
              disabled={!props.editable}
              onInput={(x) => set(i, { date: (x.target as HTMLInputElement).value })}
            />
            <FieldError text={err(i, 'date')} />
          </label>
          <label class="cs-f" for={`cs-ev-${i}-from`}>
            <span>{t('from')}</span>
            <TimeSelect
              id={`cs-ev-${i}-from`}
              name="from"
              value={e.from}
              step={props.step}
              disabled={!props.editable}
              onChange={(from) => set(i, { from })}
            />
            <FieldError text={err(i, 'from')} />
          </label>
          <label class="cs-f" for={`cs-ev-${i}-to`}>
            <span>{t('to')}</span>
            <TimeSelect
              id={`cs-ev-${i}-to`}
              name="to"
              value={e.to}
              step={props.step}
              disabled={!props.editable}
              onChange={(to) => set(i, { to })}
            />
            <FieldError text={err(i, 'to')} />
          </label>
          <label class="cs-f" for={`cs-ev-${i}-value`}>
            <span>{t('value')}</span>
            <ValueInput
              id={`cs-ev-${i}-value`}
              name="value"
              kind={props.kind}
              value={e.value}
              disabled={!props.editable}
              onChange={(value) => set(i, { value })}
            />
            <FieldError text={err(i, 'value')} />
          </label>
          <label class="cs-f cs-f-wide">
            <span>{t('eventName')}</span>
            <input
              name="name"
              maxLength={100}
              value={e.name ?? ''}
              disabled={!props.editable}
              onInput={(x) => set(i, { name: (x.target as HTMLInputElement).value })}
            />
            <FieldError text={err(i, 'name')} />
          </label>
          {props.editable && (
            <button
              type="button"
              class="btn btn-small cs-danger"
              data-action="remove-event"
              onClick={() => props.onChange(events.filter((_, j) => j !== i))}
            >
              {t('remove')}
            </button>
          )}
          <FieldError text={props.errors.get(`events.${i}`)} />
        </div>
      ))}
      {props.editable && (
        <button type="button" class="btn btn-small" data-action="add-event" onClick={add}>
          {t('addEvent')}
        </button>
      )}
    </fieldset>
  );
}
