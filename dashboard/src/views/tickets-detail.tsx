import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiProblem, api, can, session, useHubEvent } from '../hub.js';
import { fmtDateTime, fmtNumber, useLang } from '../i18n.js';
import { href } from '../router.js';
import { Badge, ErrorBox, Loading } from '../ui.js';
import { ActionPanel } from './tickets-actions.js';
import {
  type Asset,
  eventText,
  FINISHED,
  lateness,
  loadAssets,
  PriorityBadge,
  problemLines,
  StateBadge,
  sourceText,
  stageText,
  stateText,
  type Ticket,
  type TicketDetail,
  type TicketEvent,
  t,
  who,
} from './tickets-common.js';
import { photoUrl, uploadPhoto } from './tickets-photo.js';
import { TrendChart } from './tickets-trend.js';

/**
 * One ticket (`#/tickets/<id>`): what and where, its state and deadlines, the actions this person may take,
 * the evidence (the alert and the trend before it), photos, and the timeline with notes. Live: a `ticket`
 * event for this ticket loads it again.
 */

export function TicketDetailView({ id }: { id: number }) {
  useLang();
  const [detail, setDetail] = useState<TicketDetail>();
  const [error, setError] = useState<ApiProblem>();
  const [assets, setAssets] = useState<Map<string, Asset>>();
  const asked = useRef(0);

  const load = () => {
    const n = ++asked.current;
    api<TicketDetail>(`/tickets/${id}`).then(
      (d) => {
        if (n !== asked.current) return;
        setDetail(d);
        setError(undefined);
      },
      (err: ApiProblem) => n === asked.current && setError(err),
    );
  };
  // An answer of ours (an action, a note) is newer than any load still under way.
  const show = (d: TicketDetail) => {
    ++asked.current;
    setDetail(d);
    setError(undefined);
  };
  useEffect(load, [id]);
  useEffect(() => {
    loadAssets().then(setAssets, () => undefined);
  }, []);
  useHubEvent<{ ticket?: { id: number } }>(
    'ticket',
    (e) => {
      if (e?.ticket?.id === id) load();
    },
    [id],
  );

  if (!detail) {
    return (
      <section class="view tk tk-detail" data-view-id="tickets">
        <BackLink />
        {error ? (
          error.status === 404 ? (
            <p class="form-error" role="alert">
              {t('notFound', { id })}
            </p>
          ) : (
            <ErrorBox error={error} retry={load} />
          )
        ) : (
          <Loading />
        )}
      </section>
    );
  }

  const tk = detail.ticket;
  return (
    <section class="view tk tk-detail" data-view-id="tickets" data-ticket={tk.id} data-state={tk.state}>
      <BackLink />
      {error && <ErrorBox error={error} retry={load} />}
      <div class="tk-detail-grid">
        <div class="tk-main">
          <Summary tk={tk} assets={assets} />
          <ActionPanel detail={detail} onDone={show} />
          {detail.evidence && <Evidence evidence={detail.evidence} />}
          <Photos detail={detail} onAdded={load} />
        </div>
        <div class="tk-side">
          <Timeline detail={detail} onNote={show} />
        </div>
      </div>
    </section>
  );
}

function BackLink() {
  return (
    <a class="tk-back" href={href('tickets')}>
      ← {t('back')}
    </a>
  );
}

function Summary({ tk, assets }: { tk: Ticket; assets?: Map<string, Asset> }) {
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

function Evidence({ evidence }: { evidence: NonNullable<TicketDetail['evidence']> }) {
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

/** Who may add photos (the API's rule): its requester, its technician, the desk, a supervisor; not when finished. */
function mayAddPhoto(tk: Ticket): boolean {
  const me = session()?.user.username;
  if (FINISHED.includes(tk.state)) return false;
  return tk.requester === me || tk.assignee === me || can('tickets:dispatch') || can('tickets:manage');
}

const stageOf = (tk: Ticket): 'report' | 'work' | 'resolution' =>
  tk.state === 'resolved'
    ? 'resolution'
    : ['dispatched', 'accepted', 'in-progress'].includes(tk.state)
      ? 'work'
      : 'report';

function Photos({ detail, onAdded }: { detail: TicketDetail; onAdded: () => void }) {
  const tk = detail.ticket;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function add(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      await uploadPhoto(tk.id, file, stageOf(tk));
      onAdded();
    } catch (err) {
      setError(problemLines(err));
    } finally {
      setBusy(false);
      input.value = '';
    }
  }
  return (
    <section class="panel tk-photos" aria-labelledby="tk-photos-title">
      <div class="section-head">
        <h2 id="tk-photos-title">{t('photos')}</h2>
        {mayAddPhoto(tk) && (
          <label class={`btn btn-small tk-file${busy ? ' is-busy' : ''}`}>
            <input
              type="file"
              name="photo"
              accept="image/*"
              capture="environment"
              disabled={busy}
              onChange={add}
            />
            {busy ? t('uploading') : t('addPhoto')}
          </label>
        )}
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {detail.photos.length === 0 ? (
        <p class="muted">{t('noPhotos')}</p>
      ) : (
        <ul class="tk-thumbs">
          {detail.photos.map((p) => (
            <li key={p.id} data-photo={p.file}>
              <a href={photoUrl(tk.id, p.file)} target="_blank" rel="noopener">
                <img src={photoUrl(tk.id, p.file)} alt={`${t('photo')} ${p.id}`} loading="lazy" />
              </a>
              <span class="muted">
                {stageText(p.stage)} · {p.uploadedBy}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What a step's data adds: to whom it went, the arrival time, the stars. */
function eventData(e: TicketEvent): string | null {
  const d = (e.data ?? {}) as {
    assignee?: string | null;
    team?: string | null;
    etaAt?: number;
    rating?: number;
  };
  if (e.event === 'dispatch') return [d.assignee, d.team].filter(Boolean).join(' · ') || null;
  if (e.event === 'accept' && d.etaAt) return `${t('eta')} ${fmtDateTime(d.etaAt)}`;
  if (e.event === 'rate' && d.rating) return '★'.repeat(d.rating);
  return null;
}

const mayNote = () =>
  can('tickets:submit') || can('tickets:work') || can('tickets:dispatch') || can('tickets:manage');

function Timeline({ detail, onNote }: { detail: TicketDetail; onNote: (d: TicketDetail) => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const events = [...detail.events].reverse();
  async function add(e: Event) {
    e.preventDefault();
    if (!note.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      onNote(
        await api<TicketDetail>(`/tickets/${detail.ticket.id}/notes`, {
          method: 'POST',
          body: { comment: note.trim() },
        }),
      );
      setNote('');
    } catch (err) {
      setError(problemLines(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="panel tk-timeline" aria-labelledby="tk-timeline-title">
      <div class="section-head">
        <h2 id="tk-timeline-title">{t('timeline')}</h2>
      </div>
      {mayNote() && (
        <form class="tk-note" onSubmit={add}>
          <label for="tk-note-text" class="tk-sr">
            {t('note')}
          </label>
          <textarea
            id="tk-note-text"
            name="note"
            rows={2}
            maxLength={2000}
            placeholder={t('notePlaceholder')}
            value={note}
            onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
          />
          <button type="submit" class="btn btn-small" disabled={busy || !note.trim()} data-add-note>
            {t('addNote')}
          </button>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
      <ol class="tk-events">
        {events.map((e) => (
          <li key={e.id} data-event={e.event}>
            <div class="tk-event-head">
              <b>{who(e.actor)}</b> {eventText(e.event)}
              {e.to && e.from !== e.to && (
                <>
                  {' → '}
                  <span class="tk-event-state">{stateText(e.to)}</span>
                </>
              )}
            </div>
            {eventData(e) && <p class="tk-event-data">{eventData(e)}</p>}
            {e.comment && e.event !== 'photo' && <p class="tk-event-comment">{e.comment}</p>}
            <time class="muted">{fmtDateTime(e.ts)}</time>
          </li>
        ))}
      </ol>
    </section>
  );
}
