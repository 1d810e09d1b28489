import { useEffect, useState } from 'preact/hooks';
import { api } from '../hub.js';
import type { DayType, PreviewAnswer, ScheduleBody } from '../hub-types.js';
import { WEEKDAYS } from '../hub-types.js';
import { Badge } from '../ui.js';
import {
  cleanBody,
  fieldErrors,
  siteTomorrow,
  type ValueKind,
  valueText,
  weekdayIndex,
} from './control-schedule-model.js';
import { dayName, dayTypeText, t } from './control-schedules-text.js';

/**
 * The dry run: what a schedule will write on a day (tomorrow unless picked), per point, at local times, and how
 * the day counts (weekday, weekend, holiday, make-up workday, event). A saved schedule asks GET
 * /control/schedules/:id/preview; an unsaved edit sends its body to POST /control/schedules/preview (again a
 * moment after each change).
 */

const DAY_TONE: Record<string, string> = {
  weekday: 'info',
  weekend: 'muted',
  holiday: 'bad',
  workday: 'warn',
  event: 'good',
};

/**
 * How the date counts for the schedule: its writes say (the day type and weekday of the pieces it rules); a
 * weekday that is Saturday or Sunday is the weekend; events by name.
 */
export function dayOf(a: PreviewAnswer, subject: string | null) {
  const all = a.points.flatMap((p) => p.writes);
  const own = all.filter((w) => w.scheduleId === subject && w.dayType);
  const w = own[0] ?? all.find((x) => x.dayType);
  const weekday = w?.weekday ?? WEEKDAYS[weekdayIndex(a.date)];
  let type: DayType = w?.dayType ?? 'weekday';
  if (type === 'weekday' && (weekday === 'sat' || weekday === 'sun')) type = 'weekend';
  const events = [...new Set(own.filter((x) => x.kind === 'event').map((x) => x.eventName ?? ''))];
  return { type, weekday, events };
}

export function DryRun(props: {
  /** The saved schedule's id; null for one never saved. */
  id: string | null;
  /** The unsaved edit, when there is one. */
  draft: ScheduleBody | null;
  kind: ValueKind;
  labels: Map<string, string>;
}) {
  const [date, setDate] = useState(siteTomorrow());
  const [answer, setAnswer] = useState<PreviewAnswer>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const draftKey = props.draft ? JSON.stringify(cleanBody(props.draft)) : '';

  useEffect(() => {
    if (!props.id && !props.draft) return;
    let live = true;
    const run = () => {
      setBusy(true);
      const ask = props.draft
        ? api<PreviewAnswer>(`/control/schedules/preview?date=${date}`, {
            method: 'POST',
            body: JSON.parse(draftKey),
          })
        : api<PreviewAnswer>(`/control/schedules/${encodeURIComponent(props.id ?? '')}/preview?date=${date}`);
      ask.then(
        (a) => {
          if (!live) return;
          setAnswer(a);
          setError(undefined);
          setBusy(false);
        },
        (err) => {
          if (!live) return;
          const { byPath, detail } = fieldErrors(err);
          setError([detail, ...[...byPath].map(([p, m]) => `${p}: ${m}`)].join(' · '));
          setAnswer(undefined);
          setBusy(false);
        },
      );
    };
    const timer = setTimeout(run, props.draft ? 400 : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.id, draftKey, date]);

  const subject = props.draft?.id ?? props.id;
  const day = answer ? dayOf(answer, subject) : undefined;
  const changes = answer?.points.reduce((n, p) => n + p.writes.filter((w) => !w.dayStart).length, 0) ?? 0;

  return (
    <div class="cs-dry" data-part="dry-run" data-state={busy ? 'loading' : answer ? 'ready' : 'idle'}>
      <div class="cs-dry-head">
        <h3>
          {t('dryRun')} <span class="muted">· {props.draft ? t('dryRunUnsaved') : t('dryRunSaved')}</span>
        </h3>
        <label class="cs-f cs-f-inline">
          <span>{t('date')}</span>
          <input
            type="date"
            name="dry-run-date"
            value={date}
            onInput={(e) => {
              const v = (e.target as HTMLInputElement).value;
              if (v) setDate(v);
            }}
          />
        </label>
      </div>
      <p class="muted">{t('dryRunHint')}</p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {answer && day && (
        <>
          <p class="cs-dry-day" data-day-type={day.type}>
            <strong>{answer.date}</strong>{' '}
            <Badge tone={DAY_TONE[day.type] ?? 'info'}>
              {dayTypeText(day.type)}
              {day.type === 'workday' && day.weekday ? ` · ${t('asDay', { day: dayName(day.weekday) })}` : ''}
            </Badge>{' '}
            {day.events.map((e) => (
              <Badge key={e} tone="good">
                {dayTypeText('event')} · {e}
              </Badge>
            ))}{' '}
            <span class="muted">{t('writes', { n: changes })}</span>
          </p>
          {changes === 0 && (
            <p class="muted" data-dry-empty>
              {t('dryRunNone', { date: answer.date })}
            </p>
          )}
          <ul class="cs-dry-list">
            {answer.points.map((p) => (
              <li key={p.pointId} data-dry-point={p.pointId}>
                <span class="cs-dry-point">
                  {props.labels.get(p.pointId) ?? p.pointId} <span class="muted mono">{p.pointId}</span>
                  {p.schedules.length > 1 && (
                    <span class="muted"> · {t('shared', { list: p.schedules.join(', ') })}</span>
                  )}
                </span>
                <span class="cs-dry-writes">
                  {p.writes.map((w) => (
                    <span
                      key={`${w.at}`}
                      class={`cs-write${w.value === false || w.value === null ? ' off' : ''}${w.dayStart ? ' start' : ''}`}
                      data-write={w.dayStart ? undefined : w.time}
                      data-day-start={w.dayStart ? '' : undefined}
                      data-value={String(w.value)}
                      title={
                        w.dayStart
                          ? t('dayStart')
                          : w.scheduleId
                            ? `${w.scheduleId}${w.kind ? ` · ${w.kind}` : ''}`
                            : undefined
                      }
                    >
                      <b>{w.time}</b> →{' '}
                      {w.value === null
                        ? t('relinquished')
                        : valueText(w.value, [t('on'), t('off')], props.kind.unit)}
                      {w.eventName && <span class="muted"> · {w.eventName}</span>}
                      {w.leadMinutes ? (
                        <span class="muted"> · {t('early', { n: w.leadMinutes })}</span>
                      ) : null}
                      {w.scheduleId && w.scheduleId !== subject && (
                        <span class="muted"> · {w.scheduleId}</span>
                      )}
                    </span>
                  ))}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
