import { useEffect, useRef, useState } from 'preact/hooks';
import type { ControlPoint, PointValue } from '../hub-types.js';
import { fmtNumber } from '../i18n.js';
import { unitText } from './chart.js';
import type { PointActions } from './control-actions.js';
import { ct } from './control-text.js';

/**
 * The override form of one point: a value as the point takes it (on/off for a boolean, a number within its
 * bounds, text), a required reason and the expiry in minutes (the site's default, 120 unless configured).
 */
export function OverrideForm({
  point: p,
  actions,
  minutes: defaultMinutes,
  maxMinutes,
  onDone,
}: {
  point: ControlPoint;
  actions: PointActions;
  minutes: number;
  maxMinutes: number;
  onDone: () => void;
}) {
  const type = p.type ?? 'number';
  const current = p.effective.value;
  const [value, setValue] = useState(
    type === 'boolean' ? String(current !== true) : current === null ? '' : String(current),
  );
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(String(defaultMinutes));
  const [invalid, setInvalid] = useState<string>();
  const first = useRef<HTMLInputElement & HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), []);
  const unit = unitText(p.unit);
  const bounds =
    p.min !== undefined && p.max !== undefined
      ? ct('range', { min: fmtNumber(p.min), max: fmtNumber(p.max) })
      : p.min !== undefined
        ? ct('from', { min: fmtNumber(p.min) })
        : p.max !== undefined
          ? ct('upTo', { max: fmtNumber(p.max) })
          : '';

  const parse = (): PointValue | string => {
    if (type === 'boolean') return value === 'true';
    if (type === 'string') return value;
    if (value.trim() === '') return ct('valueRequired');
    const n = Number(value);
    if (!Number.isFinite(n)) return ct('valueRequired');
    if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max))
      return ct('outOfRange', { min: fmtNumber(p.min ?? -Infinity), max: fmtNumber(p.max ?? Infinity) });
    return n;
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const v = parse();
    if (typeof v === 'string' && type !== 'string') return setInvalid(v);
    const m = Number(minutes);
    if (!Number.isInteger(m) || m < 1 || m > maxMinutes)
      return setInvalid(ct('minutesRange', { max: maxMinutes }));
    if (!reason.trim()) return setInvalid(ct('reasonRequired'));
    setInvalid(undefined);
    if (await actions.override({ value: v as PointValue, reason: reason.trim(), minutes: m })) onDone();
  };
  const id = (f: string) => `ov-${p.pointId.replace(/[^a-zA-Z0-9_-]/g, '_')}-${f}`;
  const error = invalid ?? actions.error;

  return (
    <form class="ct-form" data-form="override" onSubmit={submit} noValidate>
      <p class="muted ct-form-hint">{ct('overrideHint')}</p>
      <div class="ct-form-fields">
        <div class="field">
          <label for={id('value')}>
            {ct('newValue')}
            {unit && <span class="muted"> ({unit})</span>}
          </label>
          {type === 'boolean' ? (
            <select
              id={id('value')}
              name="value"
              ref={first}
              value={value}
              onChange={(e) => setValue((e.target as HTMLSelectElement).value)}
            >
              <option value="true">{ct('on')}</option>
              <option value="false">{ct('off')}</option>
            </select>
          ) : type === 'number' ? (
            <input
              id={id('value')}
              name="value"
              ref={first}
              type="number"
              inputMode="decimal"
              step="any"
              min={p.min}
              max={p.max}
              value={value}
              onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            />
          ) : (
            <input
              id={id('value')}
              name="value"
              ref={first}
              type="text"
              value={value}
              onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            />
          )}
          {bounds && <small class="muted">{bounds}</small>}
        </div>
        <div class="field">
          <label for={id('minutes')}>{ct('minutes')}</label>
          <input
            id={id('minutes')}
            name="minutes"
            type="number"
            inputMode="numeric"
            min={1}
            max={maxMinutes}
            step={1}
            value={minutes}
            onInput={(e) => setMinutes((e.target as HTMLInputElement).value)}
          />
          <small class="muted">{ct('minutesHint', { max: maxMinutes })}</small>
        </div>
        <div class="field ct-field-wide">
          <label for={id('reason')}>{ct('reason')}</label>
          <input
            id={id('reason')}
            name="reason"
            type="text"
            maxLength={500}
            required
            value={reason}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <small class="muted">{ct('reasonHint')}</small>
        </div>
      </div>
      {error && (
        <p class="form-error" role="alert" data-error="override">
          {error}
        </p>
      )}
      <div class="ct-form-actions">
        <button type="button" class="btn btn-small" onClick={onDone}>
          {ct('cancel')}
        </button>
        <button
          type="submit"
          class="btn btn-small btn-primary"
          disabled={actions.busy}
          data-action="apply-override"
        >
          {ct('apply')}
        </button>
      </div>
    </form>
  );
}
