import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, can, useApi } from '../hub.js';
import type { CalendarAnswer, CalendarBody, ScheduleAnswer, Weekday } from '../hub-types.js';
import { WEEKDAYS } from '../hub-types.js';
import { lang, useLang } from '../i18n.js';
import { Badge, ErrorBox, Loading, Section } from '../ui.js';
import { FieldError } from './control-period-editor.js';
import { addDays, fieldErrors, listOf, siteToday, weekdayIndex } from './control-schedule-model.js';
import { dayName, t } from './control-schedules-text.js';

/**
 * The control view's holiday calendars: a month grid per calendar with its holidays (休) and make-up working
 * days (班, 调休: a weekend day that follows a weekday's periods). A calendar made through the API can be changed
 * here (control:manage): click a day, make it a holiday, a make-up workday or a normal day, save (PUT
 * /control/calendars/:id). Site-file calendars are read-only.
 */

/** '2026-10-01..2026-10-03' → the three dates. */
export function expandDates(entry: string): string[] {
  const [a, b] = entry.split('..') as [string, string | undefined];
  if (!b) return [a];
  const out: string[] = [];
  for (let d = a; d <= b && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Sorted dates → entries, consecutive ones as 'a..b' ranges. */
export function compressDates(dates: string[]): string[] {
  const sorted = [...new Set(dates)].sort();
  const out: string[] = [];
  let start: string | undefined;
  let prev: string | undefined;
  for (const d of [...sorted, '']) {
    if (start && prev && d === addDays(prev, 1)) {
      prev = d;
      continue;
    }
    if (start && prev) out.push(start === prev ? start : `${start}..${prev}`);
    start = d || undefined;
    prev = d || undefined;
  }
  return out;
}

interface Draft {
  holidays: Set<string>;
  workdays: Map<string, Weekday>;
}

const draftOf = (c: CalendarBody): Draft => ({
  holidays: new Set(c.holidays.flatMap(expandDates)),
  workdays: new Map(c.workdays.map((w) => [w.date, w.as])),
});

/** A draft's dates as the API takes them: holidays as dates and ranges, workdays by date. */
const sendable = (d: Draft): Pick<CalendarBody, 'holidays' | 'workdays'> => ({
  holidays: compressDates([...d.holidays]),
  workdays: [...d.workdays].sort(([a], [b]) => a.localeCompare(b)).map(([date, as]) => ({ date, as })),
});

function monthTitle(month: string): string {
  return new Intl.DateTimeFormat(lang(), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(`${month}-01T00:00:00Z`),
  );
}

function shiftMonth(month: string, n: number): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
}

function MonthGrid(props: {
  month: string;
  draft: Draft;
  selected: string | null;
  onPick: (date: string) => void;
}) {
  const first = `${props.month}-01`;
  const lead = weekdayIndex(first);
  const days: string[] = [];
  for (let d = first; d.startsWith(props.month); d = addDays(d, 1)) days.push(d);
  const today = siteToday();
  return (
    <div class="cal-grid" data-month={props.month}>
      {WEEKDAYS.map((w) => (
        <span key={w} class={`cal-head${w === 'sat' || w === 'sun' ? ' weekend' : ''}`}>
          {dayName(w)}
        </span>
      ))}
      {Array.from({ length: lead }, (_, i) => (
        <span key={`b${i}`} class="cal-blank" />
      ))}
      {days.map((d) => {
        const off = props.draft.holidays.has(d);
        const as = props.draft.workdays.get(d);
        const weekend = weekdayIndex(d) >= 5;
        const cls = [
          'cal-day',
          weekend && 'weekend',
          off && 'holiday',
          as && 'workday',
          d === today && 'today',
        ]
          .filter(Boolean)
          .join(' ');
        return (
          <button
            key={d}
            type="button"
            class={`${cls}${props.selected === d ? ' selected' : ''}`}
            data-date={d}
            data-kind={off ? 'holiday' : as ? 'workday' : 'normal'}
            title={
              off ? t('holiday') : as ? `${t('workday')} · ${t('asDay', { day: dayName(as) })}` : undefined
            }
            onClick={() => props.onPick(d)}
          >
            <span class="cal-num">{Number(d.slice(8))}</span>
            {off && <span class="cal-mark">{t('holidayShort')}</span>}
            {as && (
              <span class="cal-mark">
                {t('workdayShort')}
                <small>{dayName(as)}</small>
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}

function DayEditor(props: { date: string; draft: Draft; onChange: (d: Draft) => void }) {
  const { date, draft } = props;
  const kind = draft.holidays.has(date) ? 'holiday' : draft.workdays.has(date) ? 'workday' : 'normal';
  const set = (k: string, as?: Weekday) => {
    const holidays = new Set(draft.holidays);
    const workdays = new Map(draft.workdays);
    holidays.delete(date);
    workdays.delete(date);
    if (k === 'holiday') holidays.add(date);
    if (k === 'workday') workdays.set(date, as ?? draft.workdays.get(date) ?? 'mon');
    props.onChange({ holidays, workdays });
  };
  return (
    <div class="cal-editor" data-editing-date={date}>
      <strong>
        {date} · {dayName(WEEKDAYS[weekdayIndex(date)] ?? 'mon')}
      </strong>
      {(['normal', 'holiday', 'workday'] as const).map((k) => (
        <label key={k} class="cal-choice">
          <input type="radio" name="cal-kind" value={k} checked={kind === k} onChange={() => set(k)} /> {t(k)}
        </label>
      ))}
      {kind === 'workday' && (
        <select
          name="cal-as"
          aria-label={t('asDay', { day: '' })}
          value={draft.workdays.get(date)}
          onChange={(e) => set('workday', (e.target as HTMLSelectElement).value as Weekday)}
        >
          {WEEKDAYS.map((w) => (
            <option key={w} value={w}>
              {t('asDay', { day: dayName(w) })}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

function CalendarCard(props: {
  cal: CalendarAnswer;
  usedBy: string[];
  month: string;
  onMonth: (m: string) => void;
  onSaved: () => void;
}) {
  const { cal } = props;
  const editable = cal.origin !== 'site-file' && can('control:manage');
  const [draft, setDraft] = useState<Draft>(() => draftOf(cal.calendar));
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<{ detail?: string; byPath: Map<string, string> }>({
    byPath: new Map(),
  });
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(draftOf(cal.calendar)), [cal]);

  const body = (): CalendarBody => ({ ...cal.calendar, ...sendable(draft) });
  const dirty = JSON.stringify(sendable(draft)) !== JSON.stringify(sendable(draftOf(cal.calendar)));

  async function save() {
    setBusy(true);
    setSaved(false);
    try {
      await api(`/control/calendars/${encodeURIComponent(cal.id)}`, { method: 'PUT', body: body() });
      setErrors({ byPath: new Map() });
      setSaved(true);
      props.onSaved();
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const inMonth = (d: string) => d.startsWith(props.month);
  const monthHolidays = [...draft.holidays].filter(inMonth).length;
  const monthWorkdays = [...draft.workdays.keys()].filter(inMonth).length;

  return (
    <div class="cal-card" data-calendar={cal.id}>
      <div class="cal-card-head">
        <h3>{cal.name || cal.id}</h3>
        <Badge tone={cal.origin === 'site-file' ? 'muted' : 'info'}>
          {cal.origin === 'site-file' ? t('siteFile') : t('api')}
        </Badge>
        {props.usedBy.length > 0 && (
          <span class="muted">{t('usedBy', { list: props.usedBy.join(', ') })}</span>
        )}
      </div>
      <div class="cal-nav">
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('prevMonth')}
          data-action="prev-month"
          onClick={() => props.onMonth(shiftMonth(props.month, -1))}
        >
          ‹
        </button>
        <strong class="cal-month">{monthTitle(props.month)}</strong>
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('nextMonth')}
          data-action="next-month"
          onClick={() => props.onMonth(shiftMonth(props.month, 1))}
        >
          ›
        </button>
        <span class="muted cal-counts">
          <span class="cal-key holiday">{t('holidayShort')}</span> {t('holiday')} {monthHolidays} ·{' '}
          <span class="cal-key workday">{t('workdayShort')}</span> {t('workday')} {monthWorkdays}
        </span>
      </div>
      <MonthGrid
        month={props.month}
        draft={draft}
        selected={editable ? selected : null}
        onPick={(d) => editable && setSelected(d === selected ? null : d)}
      />
      {!editable && cal.origin === 'site-file' && <p class="muted">{t('calendarReadOnly')}</p>}
      {editable && selected && (
        <DayEditor
          date={selected}
          draft={draft}
          onChange={(d) => {
            setDraft(d);
            setSaved(false);
          }}
        />
      )}
      {(errors.detail || errors.byPath.size > 0) && (
        <p class="form-error" role="alert">
          {errors.detail} {[...errors.byPath].map(([p, m]) => `${p}: ${m}`).join(' · ')}
        </p>
      )}
      {editable && (
        <div class="cs-form-actions">
          <button
            type="button"
            class="btn btn-primary btn-small"
            disabled={busy || !dirty}
            data-action="save-calendar"
            onClick={save}
          >
            {t('save')}
          </button>
          {dirty && <span class="badge badge-warn">{t('unsaved')}</span>}
          {saved && !dirty && (
            <span class="cs-saved" role="status">
              {t('calendarSaved')}
            </span>
          )}
        </div>
      )}
    </div>
  );
}

function NewCalendar(props: { onCreated: (id: string) => void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<{ detail?: string; byPath: Map<string, string> }>({
    byPath: new Map(),
  });
  async function create(e: Event) {
    e.preventDefault();
    try {
      await api(`/control/calendars/${encodeURIComponent(id.trim())}`, {
        method: 'PUT',
        body: { id: id.trim(), name: name.trim() || undefined, holidays: [], workdays: [] },
      });
      props.onCreated(id.trim());
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }
  return (
    <form class="cal-new" onSubmit={create} data-form="calendar">
      <label class="cs-f">
        <span>{t('id')}</span>
        <input
          name="id"
          class="mono"
          value={id}
          onInput={(e) => setId((e.target as HTMLInputElement).value)}
        />
        <FieldError text={errors.byPath.get('id')} />
      </label>
      <label class="cs-f">
        <span>{t('name')}</span>
        <input name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <FieldError text={errors.byPath.get('name')} />
      </label>
      <button type="submit" class="btn btn-small btn-primary" disabled={!id.trim()}>
        {t('newCalendar')}
      </button>
      {errors.detail && !errors.byPath.size && <FieldError text={errors.detail} />}
    </form>
  );
}

export function CalendarSection() {
  useLang();
  const calendars = useApi<unknown>('/control/calendars');
  const schedules = useApi<unknown>('/control/schedules');
  const list = listOf<CalendarAnswer>(calendars.data, 'calendars');
  const [month, setMonth] = useState(() => siteToday().slice(0, 7));
  const [current, setCurrent] = useState<string>();
  const [adding, setAdding] = useState(false);
  const names = useMemo(
    () =>
      new Map((listOf<ScheduleAnswer>(schedules.data, 'schedules') ?? []).map((s) => [s.id, s.name || s.id])),
    [schedules.data],
  );
  const cal = list?.find((c) => c.id === current) ?? list?.[0];

  return (
    <Section
      title={t('calendars')}
      actions={
        can('control:manage') && (
          <button
            type="button"
            class="btn btn-small"
            data-action="new-calendar"
            onClick={() => setAdding(!adding)}
          >
            {t('newCalendar')}
          </button>
        )
      }
    >
      <div class="cal" data-section="calendars">
        <p class="muted">{t('calendarsHint')}</p>
        {adding && (
          <NewCalendar
            onCreated={(id) => {
              setAdding(false);
              setCurrent(id);
              calendars.reload();
            }}
          />
        )}
        {calendars.error && <ErrorBox error={calendars.error} retry={calendars.reload} />}
        {!list && !calendars.error && <Loading />}
        {list && list.length === 0 && <p class="placeholder">{t('noCalendars')}</p>}
        {list && list.length > 1 && (
          <div class="cal-tabs" role="tablist">
            {list.map((c) => (
              <button
                key={c.id}
                type="button"
                role="tab"
                aria-selected={c.id === cal?.id}
                class={`btn btn-small${c.id === cal?.id ? ' on' : ''}`}
                data-calendar-tab={c.id}
                onClick={() => setCurrent(c.id)}
              >
                {c.name || c.id}
              </button>
            ))}
          </div>
        )}
        {cal && (
          <CalendarCard
            key={cal.id}
            cal={cal}
            usedBy={(cal.usedBy ?? []).map((id) => names.get(id) ?? id)}
            month={month}
            onMonth={setMonth}
            onSaved={calendars.reload}
          />
        )}
      </div>
    </Section>
  );
}

/** The control view's tab (`#/control/calendar`): its entry in control.tsx's SECTIONS. */
export const calendarSection = { id: 'calendar', label: () => t('calendars'), View: CalendarSection };
