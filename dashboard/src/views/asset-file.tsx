import { Fragment } from 'preact';
import { can } from '../hub.js';
import { fmtDate, fmtDateTime, fmtNumber } from '../i18n.js';
import { href } from '../router.js';
import { stateText as alertStateText } from './alerts-detail.js';
import { type Alert, needsAck, SEVERITY_TONE, STATE_TONE } from './alerts-model.js';
import { t as at } from './alerts-text.js';
import { ageText, detailName, t } from './asset-text.js';
import { unitText } from './chart.js';
import { PriorityBadge, StateBadge, type Ticket } from './tickets-common.js';

/** GET /assets/:id/file (domains/tickets/equipment-file.ts). */
export interface EquipmentFile {
  asset: {
    id: string;
    name: string;
    kind: string;
    model: string | null;
    device: string | null;
    zone: string;
    zonePath: { id: string; name: string }[];
    tags: Record<string, string>;
    details: Record<string, unknown>;
    documents: { title: string; url: string }[];
  };
  points: { id: string; name: string; label: string | null; unit: string }[];
  maintenanceMode: { since: number; until: number; by: string; comment: string | null } | null;
  alerts: Alert[];
  tickets: Ticket[];
  plans: {
    id: string;
    name: string;
    type: 'preventive' | 'inspection';
    trigger: { cron?: string; point?: string; every?: number };
    nextDueValue: number | null;
    lastTicketId: number | null;
  }[];
  workOrders: Ticket[];
  stats: { openTickets: number; faultsLast90Days: number };
}

function AlertRow({ a, now }: { a: Alert; now: number }) {
  return (
    <li class={`as-alert${a.active ? ' as-alert-active' : ''}`} data-alert-id={a.id}>
      <a href={href('alerts', [a.id])} class="as-alert-link">
        <span class={`badge badge-${SEVERITY_TONE[a.severity] ?? 'info'}`}>{at(`sev-${a.severity}`)}</span>
        <span class="as-alert-msg">{a.message}</span>
      </a>
      <span class="as-alert-meta">
        <span class={`badge badge-${STATE_TONE[a.state] ?? 'info'}`}>{alertStateText(a.state)}</span>{' '}
        <time title={fmtDateTime(a.raisedAt)}>{ageText(a.raisedAt ?? a.updatedAt, now)}</time>
      </span>
    </li>
  );
}

/** Active (or still waiting for an acknowledgement) first, then the recent ones, each linking to its alert. */
export function AlertsPanel({ alerts, assetId, now }: { alerts: Alert[]; assetId: string; now: number }) {
  const active = alerts.filter((a) => a.active || needsAck(a));
  const recent = alerts.filter((a) => !(a.active || needsAck(a))).slice(0, 10);
  return (
    <section class="panel as-alerts" data-section="alerts">
      <div class="section-head">
        <h2>{t('alerts')}</h2>
        <a class="btn btn-small" href={href('alerts', [], { q: assetId })}>
          {t('allAlerts')}
        </a>
      </div>
      {!alerts.length ? (
        <p class="placeholder">{t('noAlerts')}</p>
      ) : (
        <>
          <h3 class="as-sub">{t('activeAlerts')}</h3>
          {active.length ? (
            <ul class="as-list" data-list="active-alerts">
              {active.map((a) => (
                <AlertRow key={a.id} a={a} now={now} />
              ))}
            </ul>
          ) : (
            <p class="placeholder">{t('noActiveAlerts')}</p>
          )}
          {recent.length > 0 && (
            <>
              <h3 class="as-sub">{t('recentAlerts')}</h3>
              <ul class="as-list" data-list="recent-alerts">
                {recent.map((a) => (
                  <AlertRow key={a.id} a={a} now={now} />
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

function TicketList({ tickets, empty, name }: { tickets: Ticket[]; empty: string; name: string }) {
  if (!tickets.length) return <p class="placeholder">{empty}</p>;
  return (
    <ul class="as-list" data-list={name}>
      {tickets.slice(0, 20).map((tk) => (
        <li key={tk.id} class="as-ticket" data-ticket-id={tk.id}>
          <a href={href('tickets', [tk.id])} class="as-ticket-link">
            <span class="as-ticket-no">#{tk.id}</span> {tk.title}
          </a>
          <span class="as-ticket-meta">
            <StateBadge state={tk.state} /> <PriorityBadge priority={tk.priority} />{' '}
            <time class="muted">{fmtDate(tk.createdAt)}</time>
          </span>
        </li>
      ))}
    </ul>
  );
}

export function TicketsPanel({ file }: { file: EquipmentFile }) {
  const id = file.asset.id;
  return (
    <section class="panel as-tickets" data-section="tickets">
      <div class="section-head">
        <h2>{t('tickets')}</h2>
        {can('tickets:submit') && (
          <a
            class="btn btn-small btn-primary"
            href={href('tickets', ['new'], { asset: id })}
            data-link="report"
          >
            {t('report')}
          </a>
        )}
      </div>
      <p class="muted as-stats">
        {t('openTickets', { n: file.stats.openTickets })} ·{' '}
        {t('faults90', { n: file.stats.faultsLast90Days })}
      </p>
      <TicketList tickets={file.tickets} empty={t('noTickets')} name="tickets" />
    </section>
  );
}

const detailText = (v: unknown) =>
  typeof v === 'number' ? fmtNumber(v, 6) : typeof v === 'string' ? v : JSON.stringify(v);

/** 设备档案: details, documents, maintenance mode, plans and their work orders. */
export function FilePanel({ file }: { file: EquipmentFile }) {
  const { asset, maintenanceMode: m } = file;
  const details = Object.entries(asset.details ?? {});
  const tags = Object.entries(asset.tags ?? {});
  const pointName = (name: string) => {
    const p = file.points.find((x) => x.name === name || x.id === name);
    return { label: p ? p.label || p.name : name, unit: unitText(p?.unit) };
  };
  return (
    <section class="panel as-file" data-section="file">
      <div class="section-head">
        <h2>{t('file')}</h2>
      </div>
      <div class="as-file-grid">
        <div data-part="details">
          <h3 class="as-sub">{t('details')}</h3>
          {details.length || asset.model ? (
            <dl class="as-dl">
              {asset.model && (
                <>
                  <dt>{t('model')}</dt>
                  <dd>{asset.model}</dd>
                </>
              )}
              {details.map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{detailName(k)}</dt>
                  <dd data-detail={k}>{detailText(v)}</dd>
                </Fragment>
              ))}
              {tags.length > 0 && (
                <>
                  <dt>{t('tags')}</dt>
                  <dd>
                    {tags.map(([k, v]) => (
                      <span key={k} class="chip as-tag">
                        {k}: {v}
                      </span>
                    ))}
                  </dd>
                </>
              )}
            </dl>
          ) : (
            <p class="placeholder">{t('noDetails')}</p>
          )}
          <h3 class="as-sub">{t('documents')}</h3>
          {asset.documents?.length ? (
            <ul class="as-docs" data-part="documents">
              {asset.documents.map((d) => (
                <li key={d.url}>
                  <a href={d.url} target="_blank" rel="noopener noreferrer">
                    {d.title}
                  </a>
                </li>
              ))}
            </ul>
          ) : (
            <p class="placeholder">{t('noDocuments')}</p>
          )}
        </div>
        <div>
          <h3 class="as-sub">{t('maintenance')}</h3>
          {m ? (
            <p class="as-maint as-maint-on" data-part="maintenance" data-maintenance="on">
              {t('inMaintenance', { since: fmtDateTime(m.since), by: m.by })},{' '}
              {t('maintUntil', { until: fmtDateTime(m.until) })}.{m.comment && <q>{m.comment}</q>}{' '}
              <small>{t('maintNote')}</small>
            </p>
          ) : (
            <p class="placeholder" data-part="maintenance" data-maintenance="off">
              {t('notInMaintenance')}
            </p>
          )}
          <h3 class="as-sub">{t('plans')}</h3>
          {file.plans.length ? (
            <ul class="as-list" data-part="plans">
              {file.plans.map((p) => {
                const point = p.trigger.point ? pointName(p.trigger.point) : undefined;
                return (
                  <li key={p.id} class="as-plan" data-plan-id={p.id}>
                    <span>
                      <b>{p.name}</b> <span class="badge badge-info">{t(`pt-${p.type}`)}</span>
                    </span>
                    <small class="muted">
                      {p.trigger.cron
                        ? t('schedule', { cron: p.trigger.cron })
                        : t('everyReading', {
                            every: fmtNumber(p.trigger.every ?? 0),
                            unit: point?.unit ?? '',
                            point: point?.label ?? '',
                          })}
                      {point &&
                        ` · ${
                          p.nextDueValue !== null
                            ? t('nextDue', { value: `${fmtNumber(p.nextDueValue)} ${point.unit}`.trim() })
                            : t('nextDueUnknown')
                        }`}
                      {p.lastTicketId !== null && (
                        <>
                          {' · '}
                          <a href={href('tickets', [p.lastTicketId])}>
                            {t('lastOrder')} #{p.lastTicketId}
                          </a>
                        </>
                      )}
                    </small>
                  </li>
                );
              })}
            </ul>
          ) : (
            <p class="placeholder">{t('noPlans')}</p>
          )}
          <h3 class="as-sub">{t('workOrders')}</h3>
          <TicketList tickets={file.workOrders} empty={t('noWorkOrders')} name="work-orders" />
        </div>
      </div>
    </section>
  );
}
