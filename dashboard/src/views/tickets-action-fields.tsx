import type { Ticket } from './tickets-common.js';
import { t } from './tickets-text.js';

/**
 * The inputs a ticket action's form needs besides its comment: whom to dispatch to, the arrival time, the
 * resolution and the checklist, the stars. Each input's value and setter are the form's (tickets-actions.tsx).
 */

export interface Suggestions {
  teams: { id: string; name: string; score: number; reasons: string[] }[];
  technicians: { username: string; team: string; inHand: number }[];
}

export type ChecklistRow = { ok: '' | 'ok' | 'not-ok'; value: string; note: string };

/** The assignee choice "someone else…" (a username typed in). */
export const OTHER = '__other';

type Field<T> = [T, (v: T) => void];

export function DispatchFields({
  id,
  suggestions,
  assignee: [assignee, setAssignee],
  otherAssignee: [otherAssignee, setOtherAssignee],
  team: [team, setTeam],
}: {
  id: (name: string) => string;
  suggestions: Suggestions | undefined;
  assignee: Field<string>;
  otherAssignee: Field<string>;
  team: Field<string>;
}) {
  return (
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
          {team && !suggestions?.teams.some((tm) => tm.id === team) && <option value={team}>{team}</option>}
        </select>
      </div>
    </div>
  );
}

export function AcceptFields({
  id,
  eta: [eta, setEta],
}: {
  id: (name: string) => string;
  eta: Field<string>;
}) {
  return (
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
  );
}

export function ResolveFields({
  id,
  ticket,
  resolution: [resolution, setResolution],
  rows: [rows, setRows],
}: {
  id: (name: string) => string;
  ticket: Ticket;
  resolution: Field<string>;
  rows: Field<ChecklistRow[]>;
}) {
  return (
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
                  onChange={(e) => put({ ok: (e.target as HTMLSelectElement).value as ChecklistRow['ok'] })}
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
  );
}

export function RateFields({ rating: [rating, setRating] }: { rating: Field<number> }) {
  return (
    <fieldset class="tk-stars">
      <legend>{t('rating')}</legend>
      {[1, 2, 3, 4, 5].map((n) => (
        <label key={n} class={n <= rating ? 'on' : ''} title={t('stars', { n })}>
          <input type="radio" name="rating" value={n} checked={rating === n} onChange={() => setRating(n)} />
          <span aria-hidden="true">★</span>
          <span class="tk-sr">{t('stars', { n })}</span>
        </label>
      ))}
    </fieldset>
  );
}
