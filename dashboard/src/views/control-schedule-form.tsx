import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../hub.js';
import type { AssetAnswer, CalendarAnswer, PointValue, ScheduleAnswer, ScheduleBody } from '../hub-types.js';
import { DryRun } from './control-dry-run.js';
import { FieldError, PeriodEditor, ValueInput } from './control-period-editor.js';
import { EventsEditor } from './control-schedule-events.js';
import {
  cleanBody,
  defaultValue,
  emptySchedule,
  fieldErrors,
  resolvePoints,
  valueKind,
} from './control-schedule-model.js';
import { TargetsEditor } from './control-schedule-targets.js';
import { t } from './control-schedules-text.js';
import { type Selection, WeekGrid } from './control-week-grid.js';

/**
 * One schedule, to edit (API schedules, with control:manage) or to read (site-file ones): name and id, its
 * points, its calendar, the value outside the periods, the week grid with the holiday row, one-off events, and
 * the dry run of what is on screen. Save sends the whole schedule (POST new, PUT existing); the API's
 * complaints land beside their fields (`weekly.mon.1.from` on that period), the rest above the save button.
 */

/** True at phone width: the grid becomes a list per day. */
export function usePhone(query = '(max-width: 700px)'): boolean {
  const [match, setMatch] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const mq = matchMedia(query);
    const on = () => setMatch(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [query]);
  return match;
}

export interface FormContext {
  assets: AssetAnswer[];
  zones: { id: string; name: string }[];
  subtrees: Map<string, Set<string>>;
  calendars: CalendarAnswer[];
}

export function ScheduleForm(props: {
  /** The schedule as saved; null for a new one. */
  saved: ScheduleAnswer | null;
  /** A new schedule's starting point (a copy), if any. */
  start?: ScheduleBody;
  /** Opened right after its creation: say it was saved. */
  justCreated?: boolean;
  editable: boolean;
  ctx: FormContext;
  onSaved: (s: ScheduleBody) => void;
  onDeleted: () => void;
  onClose: () => void;
}) {
  const { saved, ctx } = props;
  const initial = useMemo<ScheduleBody>(
    () => (saved ? cleanBody(saved.schedule) : (props.start ?? emptySchedule())),
    [saved, props.start],
  );
  const [body, setBody] = useState<ScheduleBody>(initial);
  const [selected, setSelected] = useState<Selection | null>(null);
  const [step, setStep] = useState<15 | 30>(30);
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(!!props.justCreated);
  const phone = usePhone();

  useEffect(() => {
    setBody(initial);
    setSelected(null);
    setErrors(new Map());
    setProblem(undefined);
  }, [initial]);

  const points = useMemo(
    () => resolvePoints(body.targets, ctx.assets, ctx.subtrees),
    [body.targets, ctx.assets, ctx.subtrees],
  );
  const kind = useMemo(() => valueKind(points), [points]);
  const labels = useMemo(() => {
    const m = new Map<string, string>();
    for (const a of ctx.assets) for (const p of a.points) m.set(p.id, `${a.name} · ${p.label ?? p.name}`);
    return m;
  }, [ctx.assets]);
  const dirty = JSON.stringify(cleanBody(body)) !== JSON.stringify(cleanBody(initial));
  const isNew = !saved;
  const edit = props.editable;

  const change = useCallback((next: ScheduleBody, select?: Selection) => {
    setBody(next);
    setDone(false);
    if (select) setSelected(select);
  }, []);
  const onSelect = useCallback((s: Selection | null) => setSelected(s), []);

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const clean = cleanBody(body);
    try {
      if (isNew) await api('/control/schedules', { method: 'POST', body: clean });
      else await api(`/control/schedules/${encodeURIComponent(clean.id)}`, { method: 'PUT', body: clean });
      setErrors(new Map());
      setDone(true);
      props.onSaved(clean);
    } catch (err) {
      const { byPath, detail } = fieldErrors(err);
      setErrors(byPath);
      // the detail repeats the field errors: say only that the hub refused, the fields say why
      setProblem(byPath.size ? '' : detail);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!saved || !confirm(t('deleteConfirm', { name: saved.name || saved.id }))) return;
    setBusy(true);
    try {
      await api(`/control/schedules/${encodeURIComponent(saved.id)}`, { method: 'DELETE' });
      props.onDeleted();
    } catch (err) {
      setProblem(fieldErrors(err).detail);
    } finally {
      setBusy(false);
    }
  }

  const err = (path: string) => errors.get(path);
  // errors no field shows: listed above the save button
  const shown = (p: string) =>
    /^(id|name|calendar|outside|targets(\..*)?|(weekly\.\w+|holiday)(\.\d+(\.\w+)?)?|events(\.\d+(\.\w+)?)?)$/.test(
      p,
    );
  const rest = [...errors].filter(([p]) => !shown(p));
  const showHoliday = !!body.calendar || !!body.holiday?.length;

  return (
    <form class="cs-form" onSubmit={save} noValidate data-form="schedule" data-schedule={saved?.id ?? ''}>
      <div class="cs-form-head">
        <h3>{isNew ? t('newTitle') : t('editTitle', { name: saved.name || saved.id })}</h3>
        {dirty && (
          <span class="badge badge-warn" data-dirty>
            {t('unsaved')}
          </span>
        )}
        <button type="button" class="btn btn-small" data-action="close-schedule" onClick={props.onClose}>
          {t('close')}
        </button>
      </div>
      {saved?.origin === 'site-file' && (
        <p class="cs-note" data-note="site-file">
          {t('readOnly')}
        </p>
      )}

      <div class="cs-form-fields">
        <label class="cs-f">
          <span>{t('name')}</span>
          <input
            name="name"
            maxLength={120}
            value={body.name ?? ''}
            disabled={!edit}
            onInput={(e) => change({ ...body, name: (e.target as HTMLInputElement).value })}
          />
          <FieldError text={err('name')} />
        </label>
        <label class="cs-f">
          <span>
            {t('id')} <span class="muted">· {t('idHint')}</span>
          </span>
          <input
            name="id"
            class="mono"
            maxLength={64}
            pattern="[a-z0-9][a-z0-9_-]*"
            value={body.id}
            disabled={!edit || !isNew}
            onInput={(e) => change({ ...body, id: (e.target as HTMLInputElement).value })}
          />
          <FieldError text={err('id')} />
        </label>
        <label class="cs-f">
          <span>{t('calendar')}</span>
          <select
            name="calendar"
            value={body.calendar ?? ''}
            disabled={!edit}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              const next = { ...body };
              if (v) next.calendar = v;
              else delete next.calendar;
              change(next);
            }}
          >
            <option value="">{t('noCalendar')}</option>
            {ctx.calendars.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name || c.id}
              </option>
            ))}
          </select>
          <FieldError text={err('calendar')} />
        </label>
        <div class="cs-f">
          <span>{t('outside')}</span>
          <span class="cs-outside">
            <select
              name="outside-mode"
              aria-label={t('outside')}
              value={body.outside === undefined ? 'relinquish' : 'value'}
              disabled={!edit}
              onChange={(e) => {
                const next = { ...body };
                if ((e.target as HTMLSelectElement).value === 'relinquish') delete next.outside;
                else next.outside = kind.type === 'boolean' ? false : defaultValue(kind);
                change(next);
              }}
            >
              <option value="relinquish">{t('relinquish')}</option>
              <option value="value">{t('value')}</option>
            </select>
            {body.outside !== undefined && (
              <ValueInput
                id="cs-outside"
                name="outside"
                kind={kind}
                value={body.outside}
                disabled={!edit}
                onChange={(v: PointValue) => change({ ...body, outside: v })}
              />
            )}
          </span>
          <FieldError text={err('outside')} />
        </div>
      </div>

      <TargetsEditor
        targets={body.targets}
        assets={ctx.assets}
        zones={ctx.zones}
        editable={edit}
        errors={errors}
        onChange={(targets) => change({ ...body, targets })}
      />
      <p class="muted cs-resolved" data-resolved={points.length}>
        {t('resolved', { n: points.length })} ·{' '}
        {t('valueType', {
          type:
            kind.type === 'boolean'
              ? t('onOff')
              : `${t('number')}${kind.min !== undefined && kind.max !== undefined ? ` (${t('range', { min: kind.min, max: kind.max })}${kind.unit ? ` ${kind.unit === 'degC' ? '°C' : kind.unit}` : ''})` : ''}`,
        })}
      </p>

      <fieldset class="cs-week" data-part="week">
        <legend>{t('week')}</legend>
        <div class="cs-week-head">
          <p class="muted">{edit ? (phone ? t('gridPhone') : t('grid')) : ''}</p>
          {!phone && (
            <span class="cs-step">
              <span class="muted">{t('cell')}</span>
              {([30, 15] as const).map((s) => (
                <button
                  key={s}
                  type="button"
                  class={`btn btn-small${step === s ? ' on' : ''}`}
                  aria-pressed={step === s}
                  data-step={s}
                  onClick={() => setStep(s)}
                >
                  {s === 15 ? t('min15') : t('min30')}
                </button>
              ))}
            </span>
          )}
        </div>
        <WeekGrid
          body={body}
          kind={kind}
          editable={edit}
          step={phone ? 30 : step}
          showHoliday={showHoliday}
          selected={selected}
          errors={errors}
          onSelect={onSelect}
          onChange={change}
          phone={phone}
        />
        {selected && (
          <PeriodEditor
            body={body}
            kind={kind}
            step={phone ? 15 : step}
            editable={edit}
            selected={selected}
            errors={errors}
            onSelect={onSelect}
            onChange={change}
          />
        )}
      </fieldset>

      <EventsEditor
        events={body.events ?? []}
        kind={kind}
        step={phone ? 15 : step}
        editable={edit}
        errors={errors}
        onChange={(events) => change({ ...body, events })}
      />

      {(problem || rest.length > 0) && (
        <div class="form-error" role="alert" data-errors>
          {problem && (
            <p>
              {t('errorsTitle')} {problem}
            </p>
          )}
          {rest.length > 0 && (
            <ul>
              {rest.map(([p, m]) => (
                <li key={p}>
                  <span class="mono">{p || '—'}</span>: {m}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {edit && (
        <div class="cs-form-actions">
          <button
            type="submit"
            class="btn btn-primary"
            disabled={busy || (!dirty && !isNew)}
            data-action="save-schedule"
          >
            {busy ? t('saving') : t('save')}
          </button>
          {done && !dirty && (
            <span class="cs-saved" role="status" data-saved>
              {t('saved')}
            </span>
          )}
          {!isNew && (
            <button
              type="button"
              class="btn cs-danger"
              disabled={busy}
              data-action="delete-schedule"
              onClick={remove}
            >
              {t('delete')}
            </button>
          )}
        </div>
      )}

      {(saved || points.length > 0) && (
        <DryRun
          id={saved?.id ?? null}
          draft={dirty || isNew ? { ...body, id: body.id.trim() || 'draft' } : null}
          kind={kind}
          labels={labels}
        />
      )}
    </form>
  );
}
