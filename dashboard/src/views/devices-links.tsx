import type { LinkHealth } from '../hub-types.js';
import { fmtDateTime, fmtTime } from '../i18n.js';
import { ErrorCell, StateCell, Stats } from './devices-cells.js';
import { linkBucket } from './devices-health.js';
import { age, known, t } from './devices-text.js';

/** The links: each connection's state, connect attempts, next attempt, last error and statistics. */

export function LinksTable({ links, now }: { links: LinkHealth[]; now: number }) {
  if (!links.length) return <p class="placeholder">{t('linksNone')}</p>;
  return (
    <div class="dv-table-wrap">
      <table class="table dv-table dv-links">
        <thead>
          <tr>
            <th>{t('link')}</th>
            <th>{t('protocol')}</th>
            <th>{t('state')}</th>
            <th class="num">{t('attempts')}</th>
            <th>{t('nextAttempt')}</th>
            <th>{t('lastError')}</th>
            <th>{t('stats')}</th>
          </tr>
        </thead>
        <tbody>
          {links.map((l) => (
            <tr key={l.linkId} data-link-id={l.linkId} data-state={l.state}>
              <td class="dv-id">
                <span class="mono">{l.linkId}</span>
                <small class="muted">{t('connects', { c: l.connects, d: l.disconnects, e: l.errors })}</small>
              </td>
              <td>{known('proto', l.protocol)}</td>
              <StateCell state={linkBucket(l.state)} label={known('link', l.state)} since={l.since} />
              <td class="num" data-field="attempts">
                {l.attempts}
              </td>
              <td>
                {l.nextAttemptAt && l.state !== 'up' ? (
                  <span title={fmtDateTime(l.nextAttemptAt)}>
                    {fmtTime(l.nextAttemptAt)}
                    <small class="muted"> · {t('nextIn', { age: age(l.nextAttemptAt - now) })}</small>
                  </span>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <ErrorCell
                error={l.lastError}
                now={now}
                healthySince={l.state === 'up' ? l.since : undefined}
              />
              <td>
                <Stats stats={l.stats} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
