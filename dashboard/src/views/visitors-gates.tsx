import { useEffect, useState } from 'preact/hooks';
import { onHub } from '../hub.js';
import { fmtDateTime, fmtTime } from '../i18n.js';
import { Badge } from '../ui.js';
import { Panel } from './visitors-pass-parts.js';
import { known, t } from './visitors-text.js';

/**
 * The gates in the visitors view: the live gate events (a rolling list, kept from the page's start so that
 * coming to this view shows what just happened) and the evacuation list.
 */

/** A live `gate` event: no person in it (the decision message to the gate names them, the socket does not). */
export interface GateEvent {
  event: 'scanned' | 'passed' | 'door';
  gateId: string;
  ts: number;
  offline: boolean;
  decision?: 'open' | 'deny';
  reason?: string;
  direction?: 'in' | 'out';
  door?: string;
  /** Arrival order on this page. */
  seq: number;
}

const KEEP = 50;
let events: GateEvent[] = [];
let seq = 0;
const listeners = new Set<() => void>();
const changed = () => {
  for (const fn of listeners) fn();
};

onHub<Omit<GateEvent, 'seq'>>('gate', (e) => {
  if (!e || typeof e.gateId !== 'string') return;
  events = [{ ...e, seq: ++seq }, ...events].slice(0, KEEP);
  changed();
});
// Another user may log in next on this page: they start with an empty list.
onHub('session', (s) => {
  if (!s) {
    events = [];
    changed();
  }
});

/** The latest gate events, newest first; re-renders on each new one. */
export function useGateEvents(): GateEvent[] {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const fn = () => setVersion((v) => v + 1);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  return events;
}

function detailOf(e: GateEvent) {
  const parts = [];
  if (e.event === 'scanned') {
    parts.push(
      <Badge key="d" tone={e.decision === 'open' ? 'good' : 'bad'}>
        {known('decision', e.decision ?? '')}
      </Badge>,
    );
    if (e.reason)
      parts.push(
        <span key="r" class="gate-reason">
          {known('reason', e.reason)}
        </span>,
      );
  }
  if (e.event === 'door' && e.door)
    parts.push(
      <Badge key="door" tone={e.door === 'forced' || e.door === 'held-open' ? 'bad' : 'muted'}>
        {known('door', e.door)}
      </Badge>,
    );
  if (e.direction)
    parts.push(
      <span key="dir" class="gate-dir" data-direction={e.direction}>
        {e.direction === 'in' ? '→ ' : '← '}
        {known('dir', e.direction)}
      </span>,
    );
  if (e.offline)
    parts.push(
      <span key="off" class="badge" title={t('offlineTip')}>
        {t('offline')}
      </span>,
    );
  return parts;
}

export function GateEvents({ gateNames }: { gateNames: Map<string, string> }) {
  const list = useGateEvents();
  return (
    <Panel name="gate-events" title={t('gateEvents')}>
      {list.length === 0 ? (
        <p class="placeholder">{t('gateEventsNone')}</p>
      ) : (
        <div class="table-wrap">
          <table class="table gate-events">
            <thead>
              <tr>
                <th>{t('time')}</th>
                <th>{t('gate')}</th>
                <th>{t('event')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <tr
                  key={e.seq}
                  data-gate-event={e.event}
                  data-gate={e.gateId}
                  data-decision={e.decision}
                  data-reason={e.reason}
                  data-direction={e.direction}
                >
                  <td class="nowrap">
                    <time dateTime={new Date(e.ts).toISOString()} title={fmtDateTime(e.ts)}>
                      {fmtTime(e.ts)}
                    </time>
                  </td>
                  <td class="nowrap">{gateNames.get(e.gateId) ?? e.gateId}</td>
                  <td>
                    <div class="gate-detail">
                      <span class="gate-kind">{known('ev', e.event)}</span>
                      {detailOf(e)}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

export interface OnSite {
  at: number;
  visitors: { passId: number; name: string; company: string | null; host: string; validUntil: number }[];
  staff: { badgeId: number; holder: string; badge: string | null }[];
}

/** Who is on site now (security only): for a roll call when the building is evacuated. */
export function Evacuation({ data }: { data: OnSite | undefined }) {
  const print = () => {
    document.body.dataset.print = 'evacuation';
    addEventListener('afterprint', () => delete document.body.dataset.print, { once: true });
    window.print();
  };
  return (
    <Panel
      name="evacuation"
      title={t('evacuation')}
      sub={data ? t('evacuationAt', { time: fmtDateTime(data.at) }) : undefined}
      actions={
        <button type="button" class="btn btn-small" onClick={print} data-action="print">
          {t('print')}
        </button>
      }
    >
      {data && data.visitors.length + data.staff.length === 0 && (
        <p class="placeholder">{t('evacuationNone')}</p>
      )}
      {data && data.visitors.length + data.staff.length > 0 && (
        <div class="evacuation-lists">
          <div>
            <h3>{t('visitorsN', { n: data.visitors.length })}</h3>
            <table class="table">
              <thead>
                <tr>
                  <th>{t('visitor')}</th>
                  <th>{t('company')}</th>
                  <th>{t('host')}</th>
                  <th>{t('validUntil')}</th>
                </tr>
              </thead>
              <tbody>
                {data.visitors.map((v) => (
                  <tr key={v.passId} data-on-site-pass={v.passId}>
                    <td>{v.name}</td>
                    <td>{v.company ?? '—'}</td>
                    <td>{v.host}</td>
                    <td class="nowrap">{fmtDateTime(v.validUntil)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div>
            <h3>{t('staffN', { n: data.staff.length })}</h3>
            <table class="table">
              <thead>
                <tr>
                  <th>{t('holder')}</th>
                  <th>{t('badge')}</th>
                </tr>
              </thead>
              <tbody>
                {data.staff.map((s) => (
                  <tr key={s.badgeId} data-on-site-badge={s.badgeId}>
                    <td>{s.holder}</td>
                    <td class="mono">{s.badge ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Panel>
  );
}
