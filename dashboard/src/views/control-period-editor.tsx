import type { PointValue, ScheduleBody, SchedulePeriod } from '../hub-types.js';
import { WEEKDAYS } from '../hub-types.js';
import { DAY_MIN, rowPath, rowPeriods, toHHMM, type ValueKind, withRow } from './control-schedule-model.js';
import { dayName, t } from './control-schedules-text.js';
import type { Selection } from './control-week-grid.js';

/**
 * The selected period of the week grid: its times (selects in the grid's step, '24:00' included), its value
 * (on/off for boolean points, a number within the points' bounds for setpoints), delete, and copy the day to
 * Monday–Friday. The API's complaints about this period show beside its fields.
 */

/** The times of a day in steps of `step` minutes, 00:00 … 24:00. */
export function timeOptions(step: number): string[] {
  const out: string[] = [];
  for (let m = 0; m <= DAY_MIN; m += step) out.push(toHHMM(m));
  return out;
}

/** A time select; a time off the step (from the site file) stays selectable. */
export function TimeSelect(props: {
  id: string;
  value: string;
  step: number;
  disabled?: boolean;
  name?: string;
  onChange: (v: string) => void;
}) {
  const opts = timeOptions(props.step);
  if (!opts.includes(props.value)) opts.push(props.value);
  opts.sort();
  return (
    <select
      id={props.id}
      name={props.name}
      value={props.value}
      disabled={props.disabled}
      onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
    >
      {opts.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

/** A value input: on/off, or a number. */
export function ValueInput(props: {
  id: string;
  kind: ValueKind;
  value: PointValue | undefined;
  disabled?: boolean;
  name?: string;
  onChange: (v: PointValue) => void;
}) {
  const { kind } = props;
  if (kind.type === 'boolean')
    return (
      <select
        id={props.id}
        name={props.name}
        value={String(props.value ?? true)}
        disabled={props.disabled}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value === 'true')}
      >
        <option value="true">{t('on')}</option>
        <option value="false">{t('off')}</option>
      </select>
    );
  return (
    <span class="cs-number">
      <input
        id={props.id}
        name={props.name}
        type="number"
        inputMode="decimal"
        step="any"
        min={kind.min}
        max={kind.max}
        value={typeof props.value === 'number' ? props.value : ''}
        disabled={props.disabled}
        onInput={(e) => {
          const v = (e.target as HTMLInputElement).valueAsNumber;
          if (Number.isFinite(v)) props.onChange(v);
        }}
      />
      {kind.unit && <span class="muted">{kind.unit === 'degC' ? '°C' : kind.unit}</span>}
    </span>
  );
}

export function FieldError({ text }: { text?: string }) {
  return text ? (
    <span class="cs-field-error" role="alert">
      {text}
    </span>
  ) : null;
}

export function PeriodEditor(props: {
  body: ScheduleBody;
  kind: ValueKind;
  step: number;
  editable: boolean;
  selected: Selection;
  errors: Map<string, string>;
  onSelect: (s: Selection | null) => void;
  onChange: (body: ScheduleBody, select?: Selection) => void;
}) {
  const { body, selected } = props;
  const periods = rowPeriods(body, selected.row);
  const period = periods[selected.index];
  if (!period) return null;
  const path = `${rowPath(selected.row)}.${selected.index}`;
  const err = (f: string) => props.errors.get(`${path}.${f}`);

  const update = (patch: Partial<SchedulePeriod>) => {
    const changed = { ...period, ...patch };
    const next = withRow(
      body,
      selected.row,
      periods.map((p, i) => (i === selected.index ? changed : p)),
    );
    props.onChange(next, { row: selected.row, index: rowPeriods(next, selected.row).indexOf(changed) });
  };
  const remove = () => {
    props.onChange(
      withRow(
        body,
        selected.row,
        periods.filter((_, i) => i !== selected.index),
      ),
    );
    props.onSelect(null);
  };
  const copyWeekdays = () => {
    let next = body;
    for (const d of WEEKDAYS.slice(0, 5))
      if (d !== selected.row)
        next = withRow(
          next,
          d,
          periods.map((p) => ({ ...p })),
        );
    props.onChange(next, selected);
  };
  const id = (f: string) => `cs-period-${f}`;

  return (
    <div class="cs-period" data-editing={path}>
      <div class="cs-period-head">
        <strong>
          {t('period')} · {dayName(selected.row)}
        </strong>
        <button type="button" class="btn btn-small" onClick={() => props.onSelect(null)}>
          {t('close')}
        </button>
      </div>
      <div class="cs-period-fields">
        <label class="cs-f" for={id('from')}>
          <span>{t('from')}</span>
          <TimeSelect
            id={id('from')}
            name="from"
            value={period.from}
            step={props.step}
            disabled={!props.editable}
            onChange={(from) => update({ from })}
          />
          <FieldError text={err('from')} />
        </label>
        <label class="cs-f" for={id('to')}>
          <span>{t('to')}</span>
          <TimeSelect
            id={id('to')}
            name="to"
            value={period.to}
            step={props.step}
            disabled={!props.editable}
            onChange={(to) => update({ to })}
          />
          <FieldError text={err('to')} />
        </label>
        <label class="cs-f" for={id('value')}>
          <span>{t('value')}</span>
          <ValueInput
            id={id('value')}
            name="value"
            kind={props.kind}
            value={period.value}
            disabled={!props.editable}
            onChange={(value) => update({ value })}
          />
          <FieldError text={err('value')} />
        </label>
      </div>
      <FieldError text={props.errors.get(path)} />
      {props.editable && (
        <div class="cs-period-actions">
          {selected.row !== 'holiday' && (
            <button type="button" class="btn btn-small" data-action="copy-weekdays" onClick={copyWeekdays}>
              {t('copyWeekdays')}
            </button>
          )}
          <button type="button" class="btn btn-small cs-danger" data-action="delete-period" onClick={remove}>
            {t('delete')}
          </button>
        </div>
      )}
    </div>
  );
}
