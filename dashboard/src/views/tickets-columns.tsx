import { fmtDateTime } from '../i18n.js';
import { href } from '../router.js';
import {
  type Asset,
  lateness,
  PriorityBadge,
  placeOf,
  StateBadge,
  type Ticket,
  type TicketState,
} from './tickets-common.js';
import { t, who } from './tickets-text.js';

/** The tickets as a board (a column per state, in the workflow's order, of cards) or as a list (a table). */

/** The board's columns, always shown; the others only when a ticket is in them. */
const MAIN_COLUMNS: TicketState[] = [
  'submitted',
  'approved',
  'dispatched',
  'accepted',
  'in-progress',
  'resolved',
];
const COLUMN_ORDER: TicketState[] = [
  'submitted',
  'approved',
  'reopened',
  'dispatched',
  'accepted',
  'in-progress',
  'resolved',
  'closed',
  'rejected',
  'cancelled',
];

export function Board({
  tickets,
  assets,
  finished,
}: {
  tickets: Ticket[];
  assets?: Map<string, Asset>;
  finished: boolean;
}) {
  const byState = new Map<TicketState, Ticket[]>();
  for (const tk of tickets) byState.set(tk.state, [...(byState.get(tk.state) ?? []), tk]);
  const columns = COLUMN_ORDER.filter(
    (s) => MAIN_COLUMNS.includes(s) || byState.has(s) || (finished && s === 'closed'),
  );
  if (!tickets.length) return <p class="placeholder">{t('none')}</p>;
  return (
    <div class="tk-board">
      {columns.map((state) => {
        const items = byState.get(state) ?? [];
        return (
          <section
            key={state}
            class="tk-col"
            data-column={state}
            data-empty={items.length === 0 || undefined}
            aria-label={t(`s.${state}`)}
          >
            <header class="tk-col-head">
              <StateBadge state={state} />
              <span class="tk-col-count">{items.length}</span>
            </header>
            <div class="tk-col-body">
              {items.length === 0 && <p class="tk-col-empty">—</p>}
              {items.map((tk) => (
                <Card key={tk.id} tk={tk} assets={assets} />
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}

function Card({ tk, assets }: { tk: Ticket; assets?: Map<string, Asset> }) {
  const late = lateness(tk);
  return (
    <a
      class="tk-card"
      href={href('tickets', [tk.id])}
      data-ticket-id={tk.id}
      data-state={tk.state}
      data-late={late ?? undefined}
    >
      <span class="tk-card-top">
        <span class="tk-no">#{tk.id}</span>
        <PriorityBadge priority={tk.priority} />
        {tk.kind !== 'fault' && <span class="badge">{t(`k.${tk.kind}`)}</span>}
        {late && <span class="badge badge-bad">{t(late)}</span>}
      </span>
      <span class="tk-card-title">{tk.title}</span>
      <span class="tk-card-meta">{placeOf(tk, assets)}</span>
      <span class="tk-card-meta">
        {who(tk.assignee ?? tk.team ?? tk.requester)}
        {' · '}
        {fmtDateTime(tk.updatedAt)}
      </span>
    </a>
  );
}

export function List({ tickets, assets }: { tickets: Ticket[]; assets?: Map<string, Asset> }) {
  if (!tickets.length) return <p class="placeholder">{t('none')}</p>;
  return (
    <div class="panel tk-list-panel">
      <table class="table tk-list">
        <thead>
          <tr>
            <th class="num">{t('id')}</th>
            <th>{t('what')}</th>
            <th>{t('state')}</th>
            <th>{t('priority')}</th>
            <th>{t('asset')}</th>
            <th>{t('requester')}</th>
            <th>{t('assignee')}</th>
            <th>{t('updated')}</th>
          </tr>
        </thead>
        <tbody>
          {tickets.map((tk) => {
            const late = lateness(tk);
            return (
              <tr key={tk.id} data-ticket-id={tk.id} data-state={tk.state} data-late={late ?? undefined}>
                <td class="num tk-no">#{tk.id}</td>
                <td class="tk-list-title">
                  <a href={href('tickets', [tk.id])}>{tk.title}</a>
                  {tk.kind !== 'fault' && <span class="badge">{t(`k.${tk.kind}`)}</span>}
                  {late && <span class="badge badge-bad">{t(late)}</span>}
                </td>
                <td data-label={t('state')}>
                  <StateBadge state={tk.state} />
                </td>
                <td data-label={t('priority')}>
                  <PriorityBadge priority={tk.priority} />
                </td>
                <td data-label={t('asset')}>{placeOf(tk, assets)}</td>
                <td data-label={t('requester')}>{who(tk.requester)}</td>
                <td data-label={t('assignee')}>{tk.assignee ?? tk.team ?? '—'}</td>
                <td data-label={t('updated')}>{fmtDateTime(tk.updatedAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
