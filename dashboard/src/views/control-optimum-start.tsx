import type { ApiProblem } from '../hub.js';
import type { OptimumStartAnswer } from '../hub-types.js';
import { fmtNumber } from '../i18n.js';
import { ErrorBox } from '../ui.js';
import { siteToday } from './control-schedule-model.js';
import { t } from './control-schedules-text.js';

/**
 * Optimum start per schedule (GET /control/optimum-start): the learned rate, the lead used this morning, and
 * each recent morning's miss in minutes (late +, early −; within 10 minutes counts as on time).
 */

function missTone(m: number | null): string {
  if (m === null) return 'muted';
  const a = Math.abs(m);
  return a <= 10 ? 'good' : a <= 30 ? 'warn' : 'bad';
}

export function OptimumStart(props: {
  data: OptimumStartAnswer[] | undefined;
  error?: ApiProblem;
  names: Map<string, string>;
}) {
  return (
    <div class="cs-optimum" data-part="optimum-start">
      <h3>{t('optimum')}</h3>
      <p class="muted">{t('optimumHint')}</p>
      {props.error && <ErrorBox error={props.error} />}
      {props.data && props.data.length === 0 && <p class="placeholder">{t('optimumNone')}</p>}
      {props.data && props.data.length > 0 && (
        <div class="cs-table-wrap">
          <table class="table cs-table">
            <thead>
              <tr>
                <th>{t('schedules')}</th>
                <th class="num">{t('rate')}</th>
                <th class="num">{t('lead')}</th>
                <th>{t('mornings')}</th>
              </tr>
            </thead>
            <tbody>
              {props.data.map((o) => {
                const today = o.mornings.find((m) => m.date === siteToday());
                const recent = o.mornings.slice(0, 10).reverse();
                return (
                  <tr key={o.scheduleId} data-optimum={o.scheduleId}>
                    <td>
                      {props.names.get(o.scheduleId) ?? o.scheduleId}
                      <div class="muted mono">{o.temperature}</div>
                    </td>
                    <td class="num" data-learned={o.model ? 'true' : 'false'}>
                      {t('perK', { v: fmtNumber(o.minutesPerK, 1) })}
                      <div class="muted">
                        {o.model ? t('fromMornings', { n: o.model.samples }) : t('notLearned')}
                      </div>
                    </td>
                    <td class="num">
                      {today
                        ? t('minutes', { v: fmtNumber(today.leadMinutes, 0) })
                        : t('nextLead', { v: fmtNumber(o.leadNow, 0) })}
                    </td>
                    <td>
                      <span class="cs-mornings">
                        {recent.map((m) => (
                          <span
                            key={m.date}
                            class={`cs-miss badge badge-${missTone(m.missMinutes ?? null)}`}
                            title={`${m.date} · ${t('lead')}: ${fmtNumber(m.leadMinutes, 0)}`}
                            data-miss={m.missMinutes ?? ''}
                          >
                            <small>{m.date.slice(5)}</small>{' '}
                            {m.missMinutes === undefined
                              ? '—'
                              : `${m.missMinutes > 0 ? '+' : ''}${fmtNumber(m.missMinutes, 0)}`}
                          </span>
                        ))}
                        {recent.length === 0 && <span class="muted">—</span>}
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
