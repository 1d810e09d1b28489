import { useEffect, useState } from 'preact/hooks';
import { api } from '../hub.js';
import type { PreviewAnswer, ScheduleBody } from '../hub-types.js';
import { Badge } from '../ui.js';
import { cleanBody, fieldErrors, siteTomorrow, type ValueKind, valueText } from './control-schedule-model.js';
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
        ? api<PreviewAnswer>('/control/schedules/preview', {
            method: 'POST',
            body: { schedule: JSON.parse(draftKey), date },
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

  const byPoint = new Map<string, PreviewAnswer['writes']>();
  for (const w of answer?.writes ?? []) byPoint.set(w.pointId, [...(byPoint.get(w.pointId) ?? []), w]);
  const pointsOrder = answer?.points?.length ? answer.points : [...byPoint.keys()];

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
      {answer && (
        <>
          <p class="cs-dry-day" data-day-type={answer.dayType}>
            <strong>{answer.date}</strong>{' '}
            <Badge tone={DAY_TONE[answer.dayType] ?? 'info'}>
              {dayTypeText(answer.dayType)}
              {answer.dayType === 'workday' && answer.as
                ? ` · ${t('asDay', { day: dayName(answer.as) })}`
                : ''}
            </Badge>{' '}
            <span class="muted">{t('writes', { n: answer.writes.length })}</span>
          </p>
          {answer.writes.length === 0 ? (
            <p class="muted" data-dry-empty>
              {t('dryRunNone', { date: answer.date })}
            </p>
          ) : (
            <ul class="cs-dry-list">
              {pointsOrder.map((id) => (
                <li key={id} data-dry-point={id}>
                  <span class="cs-dry-point">
                    {props.labels.get(id) ?? id} <span class="muted mono">{id}</span>
                  </span>
                  <span class="cs-dry-writes">
                    {(byPoint.get(id) ?? []).map((w) => (
                      <span
                        key={`${w.at}`}
                        class={`cs-write${w.value === false || w.value === null ? ' off' : ''}`}
                        data-write={w.time}
                        data-value={String(w.value)}
                        title={w.event}
                      >
                        <b>{w.time}</b> →{' '}
                        {w.value === null
                          ? t('relinquished')
                          : valueText(w.value, [t('on'), t('off')], props.kind.unit)}
                        {w.event && <span class="muted"> · {w.event}</span>}
                      </span>
                    ))}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
