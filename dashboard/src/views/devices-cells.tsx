import { fmtDateTime, fmtNumber, fmtTime } from '../i18n.js';
import { Badge } from '../ui.js';
import { type Bucket, TONE } from './devices-health.js';
import { statName } from './devices-stats-text.js';
import { age, t } from './devices-text.js';

/** The cells the links' and the devices' tables share: a state since when, a last error, statistics. */

function Since({ ms }: { ms: number }) {
  return (
    <small class="dv-since" title={fmtDateTime(ms)}>
      {t('since', { time: fmtTime(ms) })}
    </small>
  );
}

export function StateCell({ state, label, since }: { state: Bucket; label: string; since: number }) {
  return (
    <td class="dv-state">
      <Badge tone={TONE[state]}>{label}</Badge>
      <Since ms={since} />
    </td>
  );
}

/**
 * The last error, in red while it stands; muted and marked "before it recovered" once the device or link has
 * been healthy since (`healthySince`), so a link that failed while its peer was starting does not look broken.
 */
export function ErrorCell({
  error,
  now,
  healthySince,
}: {
  error?: { code?: string; message: string; at: number };
  now: number;
  healthySince?: number;
}) {
  if (!error) return <td class="dv-error muted">—</td>;
  const past = healthySince !== undefined && error.at <= healthySince;
  return (
    <td class={past ? 'dv-error dv-error-past' : 'dv-error'} data-error-past={past ? 'true' : undefined}>
      {past && <small class="dv-past">{t('beforeRecovery')}</small>}
      {error.code && <code class="dv-code">{error.code}</code>}
      <span class="dv-error-msg">{error.message}</span>
      <small class="muted" title={fmtDateTime(error.at)}>
        {fmtDateTime(error.at)} · {t('ago', { age: age(now - error.at) })}
      </small>
    </td>
  );
}

export function Stats({ stats }: { stats?: Record<string, number | string | boolean> }) {
  const entries = Object.entries(stats ?? {});
  if (!entries.length) return <span class="muted">—</span>;
  return (
    <dl class="dv-stats">
      {entries.map(([k, v]) => (
        <div key={k} data-stat={k}>
          <dt>{statName(k)}</dt>
          <dd>
            {typeof v === 'boolean' ? t(v ? 'yes' : 'no') : typeof v === 'number' ? fmtNumber(v, 1) : v}
          </dd>
        </div>
      ))}
    </dl>
  );
}
