import { can, useApi } from '../hub.js';
import { fmtDateTime } from '../i18n.js';
import { Badge } from '../ui.js';
import { t } from './people-oncall-text.js';

/**
 * An alert's on-call escalation on its detail panel (for oncall:manage): where the chain stands, who was told
 * at each step and how, and the next step. Nothing for an alert without a chain (a 404) or for other people.
 */

interface EscalationAnswer {
  state: 'running' | 'acknowledged' | 'cleared' | 'exhausted' | 'unrouted';
  stoppedBy: string | null;
  nextStep: number;
  nextAt: number | null;
  steps: { to: 'oncall' | 'next' | 'supervisor' }[];
  notices: {
    step: number;
    target: 'oncall' | 'next' | 'supervisor';
    username: string;
    ts: number;
    outcome: string;
  }[];
}

const STEP = { oncall: 'stepOncall', next: 'stepNext', supervisor: 'stepSupervisor' } as const;

/** Keyed by the alert's state where it is used, so an acknowledgement (which stops the chain) loads it again. */
export function AlertEscalation({ alertId }: { alertId: number }) {
  const e = useApi<{ escalations: EscalationAnswer[] }>(
    can('oncall:manage') ? `/oncall/escalations?alert=${alertId}` : null,
  );
  const x = e.data?.escalations[0];
  if (!x) return null;
  const next = x.state === 'running' ? x.steps[x.nextStep] : undefined;
  return (
    <div class="alerts-escalation" data-escalation-state={x.state}>
      <h3 class="alerts-escalation-title">{t('escalation')}</h3>
      <p>
        <Badge tone={x.state === 'running' ? 'warn' : 'info'}>
          {t(`state-${x.state}`, { by: x.stoppedBy ?? '—' })}
        </Badge>
        {next && ` ${t('nextStep')}: ${t(STEP[next.to])} · ${fmtDateTime(x.nextAt)}`}
      </p>
      {x.notices.length > 0 && (
        <ul class="alerts-escalation-told">
          {x.notices.map((n) => (
            <li key={`${n.step}-${n.username}`} data-told={n.username}>
              {fmtDateTime(n.ts)} · {n.username} ({t(STEP[n.target])})
              {n.outcome !== 'queued' && (
                <>
                  {' '}
                  <Badge tone="warn">{t(n.outcome === 'held' ? 'held' : 'unreachable')}</Badge>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
