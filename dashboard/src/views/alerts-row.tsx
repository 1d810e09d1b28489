import type { ComponentChildren } from 'preact';
import { fmtDate, fmtDateTime, fmtNumber, fmtTime } from '../i18n.js';
import { Badge } from '../ui.js';
import { stateText, valueText } from './alerts-detail.js';
import {
  type Alert,
  type Counts,
  type Filter,
  isSecurityAlert,
  needsAck,
  SEVERITIES,
  SEVERITY_TONE,
  STATE_TONE,
} from './alerts-model.js';
import { t } from './alerts-text.js';

/** The alerts console's counts bar (by severity: a click filters) and its table's rows. */

export const fmtValue = (n: number) => fmtNumber(n, 2);
const pointName = (a: Alert) => (a.pointId ? (a.pointId.split('/').at(-1) ?? a.pointId) : '');

export function CountsBar(props: {
  counts?: Counts;
  severity: Filter['severity'];
  pick: (s: Filter['severity']) => void;
}) {
  const c = props.counts;
  return (
    <div class="alerts-counts" title={t('summary')} data-counts>
      <span class="alerts-count alerts-count-total">
        <span>{t('active')}</span>
        <b data-count="total">{c?.total ?? '—'}</b>
      </span>
      {SEVERITIES.map((s) => (
        <button
          key={s}
          type="button"
          class={`alerts-count alerts-count-${s}`}
          data-count-severity={s}
          data-nonzero={c && c[s] > 0 ? 'true' : 'false'}
          aria-pressed={props.severity === s}
          onClick={() => props.pick(props.severity === s ? '' : s)}
        >
          <span>{t(`sev-${s}`)}</span>
          <b data-count={s}>{c?.[s] ?? '—'}</b>
        </button>
      ))}
      <span class="alerts-count alerts-count-unacked" data-nonzero={c && c.unacked > 0 ? 'true' : 'false'}>
        <span>{t('unacked')}</span>
        <b data-count="unacked">{c?.unacked ?? '—'}</b>
      </span>
    </div>
  );
}

export function AlertRow(props: {
  a: Alert;
  fresh: boolean;
  selected: boolean;
  selectHref: string;
  actions: ComponentChildren;
  form: ComponentChildren;
  error?: string;
}) {
  const { a } = props;
  const hidden = a.state === 'shelved' || a.state === 'suppressed';
  return (
    <>
      <tr
        data-alert-id={a.id}
        data-state={a.state}
        data-severity={a.severity}
        data-active={String(a.active)}
        data-new={props.fresh ? 'true' : undefined}
        aria-selected={props.selected}
        class={`alerts-row${props.fresh ? ' is-new' : ''}${props.selected ? ' is-selected' : ''}${needsAck(a) ? ' is-unacked' : ''}`}
      >
        <td>
          <div class="alerts-badges">
            <Badge tone={SEVERITY_TONE[a.severity]}>{t(`sev-${a.severity}`)}</Badge>
            <Badge tone={STATE_TONE[a.state]}>{stateText(a.state)}</Badge>
            {hidden && (
              <span class="alerts-sub muted">{a.active ? t('conditionActive') : t('conditionCleared')}</span>
            )}
          </div>
        </td>
        <td class="alerts-msg">
          <a href={props.selectHref} data-action="select" aria-current={props.selected ? 'true' : undefined}>
            {a.message}
          </a>
          {props.fresh && <span class="alerts-new">{t('new')}</span>}
          {a.flapping && <span class="chip alerts-chip-flap">{t('flapping')}</span>}
          {isSecurityAlert(a) && (
            <span class="chip alerts-chip-security" data-security title={t('securityHint')}>
              {t('security')}
            </span>
          )}
          {a.occurrences > 1 && (
            <span class="alerts-sub alerts-occ muted"> · {t('occurrences', { n: a.occurrences })}</span>
          )}
          {props.error && (
            <p class="form-error" role="alert">
              {props.error}
            </p>
          )}
        </td>
        <td>
          <span class="mono">{a.assetId}</span>
          {a.pointId && <div class="alerts-sub muted mono">{pointName(a)}</div>}
        </td>
        <td class="num">{valueText(a.value, fmtValue)}</td>
        <td class="alerts-when">
          <time>{fmtTime(a.raisedAt)}</time>
          <div class="alerts-sub muted">{fmtDate(a.raisedAt)}</div>
        </td>
        <td class="alerts-handled">
          {a.state === 'shelved' && a.shelvedUntil !== null ? (
            <>
              <span>{a.shelvedBy ?? '—'}</span>
              <div class="alerts-sub muted">{t('shelvedUntil', { when: fmtDateTime(a.shelvedUntil) })}</div>
            </>
          ) : a.ackedAt !== null ? (
            <>
              <span>{t('byAt', { who: a.ackedBy ?? '—', when: fmtDateTime(a.ackedAt) })}</span>
              {a.ackComment && (
                <div class="alerts-sub alerts-comment" title={a.ackComment}>
                  {a.ackComment}
                </div>
              )}
            </>
          ) : (
            <span class="muted">—</span>
          )}
        </td>
        <td class="alerts-actions">
          <div>{props.actions}</div>
        </td>
      </tr>
      {props.form && (
        <tr class="alerts-form-row">
          <td colSpan={7}>{props.form}</td>
        </tr>
      )}
    </>
  );
}
