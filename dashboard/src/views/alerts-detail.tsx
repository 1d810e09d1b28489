import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ALERT_EVENTS } from '../../../domains/alerts/alert-state.js';
import { useApi } from '../hub.js';
import { fmtDateTime } from '../i18n.js';
import { Badge, ErrorBox, Loading } from '../ui.js';
import { AlertEscalation } from './alerts-escalation.js';
import {
  type Alert,
  type AlertDetail,
  isSecurityAlert,
  SEVERITY_TONE,
  STATE_TONE,
  STATES,
  type Transition,
  type TransitionEvent,
} from './alerts-model.js';
import { type Key, t } from './alerts-text.js';

/** One alert: what it is, where, its value, who handled it, and every transition (who, how, when, comment). */

interface AssetInfo {
  id: string;
  name: string;
  points: { id: string; name: string; label?: string; unit?: string }[];
}

const EVENTS: readonly TransitionEvent[] = [...ALERT_EVENTS, 'flapping', 'flapping-ended'];
const VIAS = ['session', 'token', 'cli', 'rules', 'timer'];

export const eventText = (e: TransitionEvent) => (EVENTS.includes(e) ? t(`ev-${e}`) : e);
export const viaText = (via: string) => (VIAS.includes(via) ? t(`via-${via}` as Key) : via);
export const actorText = (actor: string) => (actor === 'system' ? t('system') : actor);
export const stateText = (s: string) =>
  (STATES as readonly string[]).includes(s) ? t(`state-${s as Alert['state']}`) : s;

/** A reading's value as text: numbers in the user's format, the rest as they are. */
export function valueText(v: unknown, fmt: (n: number) => string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmt(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The hub's own alerts (outbox) sit on the asset "hub", which is not in the site. */
const hasAsset = (a: Alert) => !(a.ruleId.startsWith('system:') && a.assetId === 'hub');

export function AlertDetailPanel(props: {
  id: number;
  /** Bumped when a live event or an action changed this alert: load it again. */
  version: number;
  fmtValue: (n: number) => string;
  closeHref: string;
  actions: (a: Alert) => ComponentChildren;
}) {
  const detail = useApi<AlertDetail>(`/alerts/${props.id}`);
  const a = detail.data?.id === props.id ? detail.data : undefined;
  const asset = useApi<AssetInfo>(a && hasAsset(a) ? `/assets/${encodeURIComponent(a.assetId)}` : null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    detail.reload();
  }, [props.version]);

  const assetName = asset.data?.id === a?.assetId ? asset.data?.name : undefined;
  const point = a?.pointId ? asset.data?.points.find((p) => p.id === a.pointId) : undefined;
  const unit = point?.unit ? ` ${point.unit}` : '';

  return (
    <section class="panel alerts-detail" aria-labelledby="alerts-detail-title" data-detail-id={props.id}>
      <div class="section-head">
        <h2 id="alerts-detail-title">{t('detail')}</h2>
        <a class="btn btn-small" href={props.closeHref} data-action="close-detail">
          {t('close')}
        </a>
      </div>
      {!a && detail.error && <ErrorBox error={detail.error} retry={detail.reload} />}
      {!a && !detail.error && <Loading />}
      {a && (
        <>
          <div class="alerts-detail-head">
            <Badge tone={SEVERITY_TONE[a.severity]}>{t(`sev-${a.severity}`)}</Badge>
            <Badge tone={STATE_TONE[a.state]}>{stateText(a.state)}</Badge>
            {a.flapping && <span class="chip alerts-chip-flap">{t('flapping')}</span>}
            {isSecurityAlert(a) && (
              <span class="chip alerts-chip-security" data-security>
                {t('security')}
              </span>
            )}
          </div>
          <h3 class="alerts-detail-msg">{a.message}</h3>
          {isSecurityAlert(a) && <p class="muted alerts-security-hint">{t('securityHint')}</p>}
          <dl class="alerts-facts">
            <dt>{t('asset')}</dt>
            <dd>
              {assetName && <span>{assetName} </span>}
              <span class="mono muted">{a.assetId}</span>
            </dd>
            {a.pointId && (
              <>
                <dt>{t('point')}</dt>
                <dd>
                  {point?.label && <span>{point.label} </span>}
                  <span class="mono muted">{a.pointId}</span>
                </dd>
              </>
            )}
            <dt>{t('value')}</dt>
            <dd class="num">
              {valueText(a.value, props.fmtValue)}
              {a.value !== null && a.value !== undefined && unit}
            </dd>
            <dt>{t('rule')}</dt>
            <dd class="mono">{a.ruleId}</dd>
            <dt>{t('priority')}</dt>
            <dd>{a.priority}</dd>
            <dt>{t('condition')}</dt>
            <dd>{a.active ? t('conditionActive') : t('conditionCleared')}</dd>
            <dt>{t('raised')}</dt>
            <dd>{fmtDateTime(a.raisedAt)}</dd>
            {a.clearedAt !== null && (
              <>
                <dt>{t('cleared')}</dt>
                <dd>{fmtDateTime(a.clearedAt)}</dd>
              </>
            )}
            {a.ackedAt !== null && (
              <>
                <dt>{t('acked')}</dt>
                <dd>{t('byAt', { who: a.ackedBy ?? '—', when: fmtDateTime(a.ackedAt) })}</dd>
              </>
            )}
            {a.ackComment && (
              <>
                <dt>{t('ackComment')}</dt>
                <dd data-field="ack-comment">{a.ackComment}</dd>
              </>
            )}
            {a.state === 'shelved' && a.shelvedUntil !== null && (
              <>
                <dt>{t('shelvedBy')}</dt>
                <dd>
                  {a.shelvedBy ?? '—'} · {t('shelvedUntil', { when: fmtDateTime(a.shelvedUntil) })}
                </dd>
              </>
            )}
            {a.occurrences > 1 && (
              <>
                <dt>{t('occurrencesLabel')}</dt>
                <dd>{a.occurrences}</dd>
              </>
            )}
          </dl>
          <div class="alerts-detail-actions">{props.actions(a)}</div>
          <AlertEscalation key={`${a.id}|${a.state}`} alertId={a.id} />
          <h3 class="alerts-history-title">{t('transitions')}</h3>
          <History transitions={a.transitions} />
        </>
      )}
    </section>
  );
}

function History({ transitions }: { transitions: Transition[] }) {
  if (!transitions.length) return <p class="placeholder">{t('noTransitions')}</p>;
  // newest first: what just happened is what one looks for
  const rows = [...transitions].reverse();
  return (
    <ol class="alerts-history" data-history>
      {rows.map((x) => (
        <li key={x.id} data-transition={x.event} data-actor={x.actor}>
          <div class="alerts-history-line">
            <b>{eventText(x.event)}</b>
            <time class="muted">{fmtDateTime(x.ts)}</time>
          </div>
          <div class="alerts-history-meta muted">
            {stateText(x.from)} → {stateText(x.to)} ·{' '}
            {t('actorVia', { who: actorText(x.actor), how: viaText(x.via) })}
          </div>
          {x.comment && <p class="alerts-history-comment">{x.comment}</p>}
        </li>
      ))}
    </ol>
  );
}
