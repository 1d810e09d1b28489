import { fmtDateTime, fmtNumber } from '../i18n.js';
import type { TicketDetail } from './tickets-common.js';
import { t } from './tickets-text.js';
import { TrendChart } from './tickets-trend.js';

/** The evidence of a ticket raised by an alert: the alert as it was, and the trend before it. */

export function Evidence({ evidence }: { evidence: NonNullable<TicketDetail['evidence']> }) {
  const a = evidence.alert;
  return (
    <section class="panel tk-evidence" aria-labelledby="tk-evidence-title" data-evidence>
      <div class="section-head">
        <h2 id="tk-evidence-title">{t('evidence')}</h2>
      </div>
      {a && (
        <dl class="tk-facts" data-evidence-alert={a.id}>
          <div>
            <dt>{t('alert')}</dt>
            <dd>
              {a.message ?? a.ruleId}
              {a.ruleId && <span class="muted mono"> {a.ruleId}</span>}
            </dd>
          </div>
          {a.severity && (
            <div>
              <dt>{t('severity')}</dt>
              <dd>
                <span class={`badge badge-${a.severity}`}>{a.severity}</span>
              </dd>
            </div>
          )}
          {a.value !== undefined && a.value !== null && (
            <div>
              <dt>{t('value')}</dt>
              <dd>{typeof a.value === 'number' ? fmtNumber(a.value) : String(a.value)}</dd>
            </div>
          )}
          <div>
            <dt>{t('raised')}</dt>
            <dd>{fmtDateTime(a.raisedAt)}</dd>
          </div>
          <div>
            <dt>{t('cleared')}</dt>
            <dd>{a.clearedAt ? fmtDateTime(a.clearedAt) : t('active')}</dd>
          </div>
        </dl>
      )}
      <h3 class="tk-sub">{t('trend')}</h3>
      {evidence.trend ? (
        evidence.trend.series.some((s) => s.values.length) ? (
          <TrendChart trend={evidence.trend} raisedAt={a?.raisedAt} clearedAt={a?.clearedAt} />
        ) : (
          <p class="muted">{t('trendEmpty')}</p>
        )
      ) : evidence.trendError ? (
        <p class="muted">{t('trendNone', { why: evidence.trendError })}</p>
      ) : (
        <p class="muted">{t('trendPending')}</p>
      )}
    </section>
  );
}
