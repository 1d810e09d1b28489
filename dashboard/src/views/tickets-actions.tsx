import { useEffect, useState } from 'preact/hooks';
import { api } from '../hub.js';
import { useLang } from '../i18n.js';
import {
  actionHint,
  actionText,
  problemLines,
  type Ticket,
  type TicketAction,
  type TicketDetail,
  t,
} from './tickets-common.js';

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

interface Suggestions {
  teams: { id: string; name: string; score: number; reasons: string[] }[];
  technicians: { username: string; team: string; inHand: number }[];
}

type ChecklistRow = { ok: '' | 'ok' | 'not-ok'; value: string; note: string };

const OTHER = '__other';

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
        <div class="tk-fields-2">
          <div class="field">
            <label for={id('assignee')}>{t('assignee')}</label>
            <select
              id={id('assignee')}
              name="assignee"
              value={assignee}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                setAssignee(v);
                const s = suggestions?.technicians.find((x) => x.username === v);
                if (s) setTeam(s.team);
              }}
            >
              {suggestions?.technicians.length ? (
                <optgroup label={t('suggested')}>
                  {suggestions.technicians.map((x) => (
                    <option key={x.username} value={x.username}>
                      {`${x.username} · ${suggestions.teams.find((tm) => tm.id === x.team)?.name ?? x.team} · ${t('inHand', { n: x.inHand })}`}
                    </option>
                  ))}
                </optgroup>
              ) : null}
              <option value="">{t('noTechnician')}</option>
              <option value={OTHER}>{t('otherPerson')}</option>
            </select>
            {assignee === OTHER && (
              <input
                id={id('other')}
                name="otherAssignee"
                aria-label={t('username')}
                placeholder={t('username')}
                autocapitalize="none"
                spellcheck={false}
                maxLength={64}
                value={otherAssignee}
                onInput={(e) => setOtherAssignee((e.target as HTMLInputElement).value)}
              />
            )}
          </div>
          <div class="field">
            <label for={id('team')}>{t('team')}</label>
            <select
              id={id('team')}
              name="team"
              value={team}
              onChange={(e) => setTeam((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t('noTeam')}</option>
              {suggestions?.teams.map((tm) => (
                <option key={tm.id} value={tm.id} title={tm.reasons.join(', ')}>
                  {tm.name}
                </option>
              ))}
              {team && !suggestions?.teams.some((tm) => tm.id === team) && (
                <option value={team}>{team}</option>
              )}
            </select>
          </div>
        </div>
      )}

      {action === 'accept' && (
        <div class="field">
          <label for={id('eta')}>{t('etaMinutes')}</label>
          <div class="tk-eta">
            <input
              id={id('eta')}
              name="etaMinutes"
              type="number"
              inputMode="numeric"
              min={0}
              max={10080}
              step={1}
              required
              value={eta}
              onInput={(e) => setEta((e.target as HTMLInputElement).value)}
            />
            {[15, 30, 60, 120].map((m) => (
              <button
                key={m}
                type="button"
                class="btn btn-small"
                aria-pressed={eta === String(m)}
                onClick={() => setEta(String(m))}
              >
                {m}
              </button>
            ))}
          </div>
        </div>
      )}

      {action === 'resolve' && (
        <>
          <div class="field">
            <label for={id('resolution')}>{t('resolution')}</label>
            <textarea
              id={id('resolution')}
              name="resolution"
              rows={3}
              maxLength={5000}
              required
              value={resolution}
              onInput={(e) => setResolution((e.target as HTMLTextAreaElement).value)}
            />
          </div>
          {ticket.checklist?.length ? (
            <fieldset class="tk-checklist">
              <legend>{t('checklist')}</legend>
              {ticket.checklist.map((item, i) => {
                const r = rows[i]!;
                const put = (change: Partial<ChecklistRow>) =>
                  setRows(rows.map((x, j) => (j === i ? { ...x, ...change } : x)));
                return (
                  <div class="tk-check-row" key={item.item} data-check-item={i}>
                    <span class="tk-check-item">{item.item}</span>
                    <select
                      name={`check-${i}-ok`}
                      aria-label={`${item.item}: ${t('ok')} / ${t('notOk')}`}
                      value={r.ok}
                      onChange={(e) =>
                        put({ ok: (e.target as HTMLSelectElement).value as ChecklistRow['ok'] })
                      }
                    >
                      <option value="">{t('choose')}</option>
                      <option value="ok">{t('ok')}</option>
                      <option value="not-ok">{t('notOk')}</option>
                    </select>
                    {item.unit ? (
                      <span class="tk-check-value">
                        <input
                          type="number"
                          step="any"
                          name={`check-${i}-value`}
                          aria-label={`${item.item} (${item.unit})`}
                          value={r.value}
                          onInput={(e) => put({ value: (e.target as HTMLInputElement).value })}
                        />
                        <span class="muted">{item.unit}</span>
                      </span>
                    ) : (
                      <span />
                    )}
                    <input
                      name={`check-${i}-note`}
                      aria-label={`${item.item}: ${t('itemNote')}`}
                      placeholder={t('itemNote')}
                      maxLength={500}
                      value={r.note}
                      onInput={(e) => put({ note: (e.target as HTMLInputElement).value })}
                    />
                  </div>
                );
              })}
            </fieldset>
          ) : null}
        </>
      )}

      {action === 'rate' && (
        <fieldset class="tk-stars">
          <legend>{t('rating')}</legend>
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} class={n <= rating ? 'on' : ''} title={t('stars', { n })}>
              <input
                type="radio"
                name="rating"
                value={n}
                checked={rating === n}
                onChange={() => setRating(n)}
              />
              <span aria-hidden="true">★</span>
              <span class="tk-sr">{t('stars', { n })}</span>
            </label>
          ))}
        </fieldset>
      )}

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
