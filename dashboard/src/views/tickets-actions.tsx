import { useEffect, useState } from 'preact/hooks';
import { api } from '../hub.js';
import { useLang } from '../i18n.js';
import {
  AcceptFields,
  type ChecklistRow,
  DispatchFields,
  OTHER,
  RateFields,
  ResolveFields,
  type Suggestions,
} from './tickets-action-fields.js';
import { problemLines, type Ticket, type TicketAction, type TicketDetail } from './tickets-common.js';
import { actionHint, actionText, t } from './tickets-text.js';

/**
 * The actions the API offers this caller on this ticket (`actions` of GET /tickets/:id), nothing else: a
 * button each; a button opens its form with the inputs its body needs (hub/api/ticket-routes.ts ACTION_BODY),
 * and the form posts it. The answer is the ticket's new detail; a refusal shows the problem's detail.
 */

const PRIMARY = new Set<TicketAction>(['approve', 'dispatch', 'accept', 'start', 'resolve', 'rate']);
const COMMENT_REQUIRED = new Set<TicketAction>(['reject', 'decline', 'reopen']);

export function ActionPanel({ detail, onDone }: { detail: TicketDetail; onDone: (d: TicketDetail) => void }) {
  useLang();
  const [open, setOpen] = useState<TicketAction | null>(null);
  const { actions, ticket } = detail;
  // the ticket moved on (here or elsewhere): a form for an action no longer offered goes
  useEffect(() => {
    if (open && !actions.includes(open)) setOpen(null);
  }, [actions, open]);

  return (
    <section class="panel tk-actions" aria-labelledby="tk-actions-title" data-actions={actions.join(' ')}>
      <div class="section-head">
        <h2 id="tk-actions-title">{t('actions')}</h2>
      </div>
      {actions.length === 0 ? (
        <p class="muted" data-no-actions>
          {t('noActions')}
        </p>
      ) : (
        <div class="tk-action-buttons">
          {actions.map((a) => (
            <button
              key={a}
              type="button"
              class={`btn${PRIMARY.has(a) ? ' btn-primary' : ''}`}
              data-action={a}
              aria-expanded={open === a}
              onClick={() => setOpen(open === a ? null : a)}
            >
              {actionText(a)}
            </button>
          ))}
        </div>
      )}
      {open && (
        <ActionForm
          key={`${open}|${ticket.id}`}
          action={open}
          ticket={ticket}
          onCancel={() => setOpen(null)}
          onDone={(d) => {
            setOpen(null);
            onDone(d);
          }}
        />
      )}
    </section>
  );
}

function ActionForm({
  action,
  ticket,
  onCancel,
  onDone,
}: {
  action: TicketAction;
  ticket: Ticket;
  onCancel: () => void;
  onDone: (d: TicketDetail) => void;
}) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // dispatch
  const [suggestions, setSuggestions] = useState<Suggestions>();
  const [assignee, setAssignee] = useState('');
  const [otherAssignee, setOtherAssignee] = useState('');
  const [team, setTeam] = useState('');
  // accept
  const [eta, setEta] = useState('30');
  // resolve
  const [resolution, setResolution] = useState('');
  const [rows, setRows] = useState<ChecklistRow[]>(() =>
    (ticket.checklist ?? []).map(() => ({ ok: '', value: '', note: '' })),
  );
  // rate
  const [rating, setRating] = useState(0);

  useEffect(() => {
    if (action !== 'dispatch') return;
    api<Suggestions>(`/tickets/${ticket.id}/suggestions`).then(
      (s) => {
        setSuggestions(s);
        const first = s.technicians.find((x) => x.username !== ticket.assignee) ?? s.technicians[0];
        if (first) {
          setAssignee(first.username);
          setTeam(first.team);
        } else if (s.teams[0]) setTeam(s.teams[0].id);
        else setAssignee(OTHER);
      },
      (err) => {
        setError(problemLines(err));
        setAssignee(OTHER);
      },
    );
  }, [action, ticket.id, ticket.assignee]);

  const id = (name: string) => `tk-${action}-${name}`;
  const trimmed = comment.trim();

  function body(): object {
    const c = trimmed ? { comment: trimmed } : {};
    switch (action) {
      case 'dispatch': {
        const who = assignee === OTHER ? otherAssignee.trim() : assignee;
        return { ...(who ? { assignee: who } : {}), ...(team ? { team } : {}), ...c };
      }
      case 'accept':
        return { etaMinutes: Number(eta), ...c };
      case 'resolve':
        return {
          resolution: resolution.trim(),
          ...(ticket.checklist?.length
            ? {
                checklistResults: ticket.checklist.map((item, i) => {
                  const r = rows[i]!;
                  const value = r.value.trim() === '' ? undefined : Number(r.value);
                  return {
                    item: item.item,
                    ok: r.ok === 'ok',
                    ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
                    ...(r.note.trim() ? { note: r.note.trim() } : {}),
                  };
                }),
              }
            : {}),
        };
      case 'rate':
        return { rating, ...c };
      default:
        return c;
    }
  }

  const dispatchTarget = assignee === OTHER ? otherAssignee.trim() : assignee;
  const ready =
    !busy &&
    (!COMMENT_REQUIRED.has(action) || trimmed !== '') &&
    (action !== 'dispatch' || dispatchTarget !== '' || team !== '') &&
    (action !== 'rate' || rating > 0) &&
    (action !== 'resolve' || (resolution.trim() !== '' && rows.every((r) => r.ok !== ''))) &&
    (action !== 'accept' || (eta !== '' && Number.isInteger(Number(eta)) && Number(eta) >= 0));

  async function submit(e: Event) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(undefined);
    try {
      onDone(await api<TicketDetail>(`/tickets/${ticket.id}/${action}`, { method: 'POST', body: body() }));
    } catch (err) {
      setError(problemLines(err));
      setBusy(false);
    }
  }

  return (
    <form class="tk-form" data-form={action} onSubmit={submit} noValidate>
      <p class="muted tk-form-hint">{actionHint(action)}</p>

      {action === 'dispatch' && (
        <DispatchFields
          id={id}
          suggestions={suggestions}
          assignee={[assignee, setAssignee]}
          otherAssignee={[otherAssignee, setOtherAssignee]}
          team={[team, setTeam]}
        />
      )}
      {action === 'accept' && <AcceptFields id={id} eta={[eta, setEta]} />}
      {action === 'resolve' && (
        <ResolveFields
          id={id}
          ticket={ticket}
          resolution={[resolution, setResolution]}
          rows={[rows, setRows]}
        />
      )}
      {action === 'rate' && <RateFields rating={[rating, setRating]} />}

      {action !== 'resolve' && (
        <div class="field">
          <label for={id('comment')}>
            {COMMENT_REQUIRED.has(action) ? t('reason') : t('commentOptional')}
          </label>
          <textarea
            id={id('comment')}
            name="comment"
            rows={2}
            maxLength={2000}
            required={COMMENT_REQUIRED.has(action)}
            value={comment}
            onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
          />
        </div>
      )}

      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="tk-form-buttons">
        <button type="button" class="btn" onClick={onCancel}>
          {t('cancelForm')}
        </button>
        <button type="submit" class="btn btn-primary" data-submit={action} disabled={!ready}>
          {actionText(action)}
        </button>
      </div>
    </form>
  );
}
