import { useState } from 'preact/hooks';
import { api } from '../hub.js';
import { fmtDateTime } from '../i18n.js';
import { problemLines, type TicketDetail, type TicketEvent } from './tickets-common.js';
import { eventText, stateText, t, who } from './tickets-text.js';

/** A ticket's timeline, newest first (who did what, with their comments), and adding a note to it. */

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

export function Timeline({ detail, onNote }: { detail: TicketDetail; onNote: (d: TicketDetail) => void }) {
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
      {detail.mayAdd && (
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
