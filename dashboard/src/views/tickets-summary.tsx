import type { ComponentChildren } from 'preact';
import { fmtDateTime, fmtNumber } from '../i18n.js';
import { href } from '../router.js';
import { Badge } from '../ui.js';
import { type Asset, lateness, PriorityBadge, StateBadge, type Ticket } from './tickets-common.js';
import { sourceText, t, who } from './tickets-text.js';

/** A ticket's summary: what and where, its state and deadlines, the outcome (resolution, checklist, rating). */

export function Summary({ tk, assets }: { tk: Ticket; assets?: Map<string, Asset> }) {
  const late = lateness(tk);
  const asset = tk.assetId ? assets?.get(tk.assetId) : undefined;
  const rows: [string, ComponentChildren][] = [
    [t('asset'), tk.assetId ? `${asset?.name ?? tk.assetId}${asset ? ` (${tk.assetId})` : ''}` : '—'],
    ...(tk.location ? [[t('location'), tk.location] as [string, string]] : []),
    [t('requester'), who(tk.requester) + (tk.department ? ` · ${tk.department}` : '')],
    [t('assignee'), [tk.assignee, tk.team].filter(Boolean).join(' · ') || '—'],
    [t('created'), fmtDateTime(tk.createdAt)],
    ...(tk.etaAt ? [[t('eta'), fmtDateTime(tk.etaAt)] as [string, string]] : []),
    [
      t('respondDue'),
      <>
        {fmtDateTime(tk.respondDueAt)} {tk.respondBreachedAt && <Badge tone="bad">{t('breached')}</Badge>}
      </>,
    ],
    [
      t('resolveDue'),
      <>
        {fmtDateTime(tk.resolveDueAt)} {tk.resolveBreachedAt && <Badge tone="bad">{t('breached')}</Badge>}
      </>,
    ],
    [t('source'), sourceText(tk.source)],
  ];
  return (
    <section class="panel tk-summary" aria-labelledby="tk-title">
      <div class="tk-summary-top">
        <span class="tk-no">#{tk.id}</span>
        <StateBadge state={tk.state} />
        <PriorityBadge priority={tk.priority} />
        <span class="badge">{t(`k.${tk.kind}`)}</span>
        {late === 'overdue' && <Badge tone="bad">{t('overdue')}</Badge>}
        {tk.occurrences > 1 && <Badge tone="warn">{t('occurrences', { n: tk.occurrences })}</Badge>}
        {tk.reopened > 0 && <Badge tone="warn">{t('reopenedTimes', { n: tk.reopened })}</Badge>}
      </div>
      <h2 id="tk-title" class="tk-title">
        {tk.title}
      </h2>
      <p class="tk-desc">{tk.description}</p>
      {tk.linkedTicketId && (
        <p>
          <a href={href('tickets', [tk.linkedTicketId])}>{t('linked', { id: tk.linkedTicketId })}</a>
        </p>
      )}
      <dl class="tk-facts">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {tk.resolution && (
        <div class="tk-outcome">
          <h3>{t('resolution')}</h3>
          <p class="tk-desc">{tk.resolution}</p>
        </div>
      )}
      {tk.checklistResults?.length ? (
        <div class="tk-outcome">
          <h3>{t('checklist')}</h3>
          <ul class="tk-results">
            {tk.checklistResults.map((r) => (
              <li key={r.item}>
                <Badge tone={r.ok ? 'good' : 'bad'}>{r.ok ? t('ok') : t('notOk')}</Badge> {r.item}
                {r.value !== undefined && ` · ${fmtNumber(r.value)}`}
                {r.note && <span class="muted"> · {r.note}</span>}
              </li>
            ))}
          </ul>
        </div>
      ) : tk.checklist?.length ? (
        <div class="tk-outcome">
          <h3>{t('checklist')}</h3>
          <ul class="tk-results">
            {tk.checklist.map((c) => (
              <li key={c.item}>
                {c.item}
                {c.unit && <span class="muted"> ({c.unit})</span>}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {tk.rating !== null && (
        <div class="tk-outcome" data-rating={tk.rating}>
          <h3>{t('rating')}</h3>
          <p>
            <span class="tk-stars-shown" title={t('stars', { n: tk.rating })}>
              <span aria-hidden="true">{'★'.repeat(tk.rating)}</span>
              <span class="muted" aria-hidden="true">
                {'★'.repeat(5 - tk.rating)}
              </span>
              <span class="tk-sr">{t('stars', { n: tk.rating })}</span>
            </span>
            {tk.ratingComment && <span> {tk.ratingComment}</span>}
          </p>
        </div>
      )}
    </section>
  );
}
