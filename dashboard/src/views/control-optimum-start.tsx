import type { ApiProblem } from '../hub.js';
import type { OptimumStartAnswer } from '../hub-types.js';
import { fmtNumber } from '../i18n.js';
import { ErrorBox } from '../ui.js';
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
              {props.data.map((o) => (
                <tr key={o.scheduleId} data-optimum={o.scheduleId}>
                  <td>{props.names.get(o.scheduleId) ?? o.scheduleId}</td>
                  <td class="num">
                    {o.ratePerHour === null ? (
                      <span class="muted">{t('notLearned')}</span>
                    ) : (
                      t('perHour', { v: fmtNumber(o.ratePerHour, 2) })
                    )}
                  </td>
                  <td class="num">
                    {o.leadMinutes === null ? '—' : t('minutes', { v: fmtNumber(o.leadMinutes, 0) })}
                  </td>
                  <td>
                    <span class="cs-mornings">
                      {o.mornings.map((m) => (
                        <span
                          key={m.date}
                          class={`cs-miss badge badge-${missTone(m.missMinutes)}`}
                          title={m.date}
                          data-miss={m.missMinutes ?? ''}
                        >
                          <small>{m.date.slice(5)}</small>{' '}
                          {m.missMinutes === null
                            ? '—'
                            : `${m.missMinutes > 0 ? '+' : ''}${fmtNumber(m.missMinutes, 0)}`}
                        </span>
                      ))}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
