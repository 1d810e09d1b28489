import { useState } from 'preact/hooks';
import { api, can, problemText, useApi } from '../hub.js';
import { fmtDateTime, useLang } from '../i18n.js';
import { Badge, ErrorBox, Loading, Section } from '../ui.js';
import { t } from './people-oncall-text.js';
import type { PeopleSection } from './people-sections.js';

/**
 * The People view's `oncall` section (`#/people/oncall`): each team's rota (who is on now, the next, the
 * supervisor, the coming weeks) and the overrides, with a form for those who may set them (oncall:manage).
 */

interface OnCall {
  team: string;
  username: string;
  scheduled: string;
  next: string;
  supervisor: string;
  override?: Override;
  since: number;
  until: number;
}
interface Override {
  id: number;
  team: string;
  username: string;
  from: number;
  to: number;
  note?: string | null;
  createdBy?: string;
}
interface RotaView {
  team: string;
  teamName: string;
  members: string[];
  supervisor: string;
  handover: { day: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'; time: string };
  now: OnCall;
  weeks: { username: string; from: number; to: number }[];
}
interface Notice {
  step: number;
  target: 'oncall' | 'next' | 'supervisor';
  username: string;
  ts: number;
  outcome: 'queued' | 'held' | 'unreachable';
}
interface Escalation {
  alertId: number;
  team: string | null;
  nextStep: number;
  nextAt: number | null;
  startedAt: number;
  steps: { to: Notice['target']; afterMinutes: number }[];
  notices: Notice[];
  alert?: { id: number; assetId: string; severity: string; message: string };
}
interface Board {
  now: number;
  timeZone: string;
  rotas: RotaView[];
  overrides: Override[];
}

function RotaCard({ r }: { r: RotaView }) {
  return (
    <article class="oc-rota" data-rota={r.team}>
      <h3>{r.teamName}</h3>
      <p class="muted">{t('handover', { day: t(r.handover.day), time: r.handover.time })}</p>
      <dl class="oc-now">
        <dt>{t('onNow')}</dt>
        <dd data-oncall={r.now.username}>
          <b>{r.now.username}</b>{' '}
          {r.now.override && <Badge tone="warn">{t('covering', { who: r.now.scheduled })}</Badge>}
        </dd>
        <dt>{t('until')}</dt>
        <dd>{fmtDateTime(r.now.override ? Math.min(r.now.override.to, r.now.until) : r.now.until)}</dd>
        <dt>{t('next')}</dt>
        <dd data-next={r.now.next}>{r.now.next}</dd>
        <dt>{t('supervisor')}</dt>
        <dd>{r.supervisor}</dd>
      </dl>
      <table class="table oc-weeks">
        <caption class="muted">{t('weeks')}</caption>
        <thead>
          <tr>
            <th>{t('from')}</th>
            <th>{t('who')}</th>
          </tr>
        </thead>
        <tbody>
          {r.weeks.map((w, i) => (
            <tr key={w.from} data-week={i}>
              <td>
                {fmtDateTime(w.from)} {i === 0 && <Badge tone="info">{t('thisWeek')}</Badge>}
              </td>
              <td>{w.username}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

/**
 * A datetime-local value read as a wall time in the site's time zone (the times on this page are the site's),
 * as ms: the zone's offset at that moment, found with Intl (a wall time a DST change skips moves by the gap).
 */
export function siteWallToMs(value: string, timeZone: string): number {
  const [date, time] = value.split('T');
  const [y, mo, d] = (date ?? '').split('-').map(Number);
  const [h, mi] = (time ?? '').split(':').map(Number);
  const guess = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  const offsetAt = (ms: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      })
        .formatToParts(ms)
        .map((x) => [x.type, Number(x.value)]),
    );
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - ms;
  };
  const first = guess - offsetAt(guess);
  return guess - offsetAt(first);
}

function OverrideForm({
  rotas,
  timeZone,
  onSaved,
}: {
  rotas: RotaView[];
  timeZone: string;
  onSaved: () => void;
}) {
  const [team, setTeam] = useState(rotas[0]?.team ?? '');
  const [username, setUsername] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    // the form's times are the site's (like every time on the page), whatever the browser's zone
    const iso = (v: string) => (v ? new Date(siteWallToMs(v, timeZone)).toISOString() : v);
    try {
      await api('/oncall/overrides', {
        method: 'POST',
        body: {
          team,
          username: username.trim(),
          from: iso(from),
          to: iso(to),
          ...(note.trim() ? { note } : {}),
        },
      });
      setError(undefined);
      setUsername('');
      setNote('');
      onSaved();
    } catch (err) {
      setError(problemText(err));
    }
  };
  const field = (id: string, label: string, input: preact.ComponentChildren) => (
    <div class="field">
      <label for={`oc-${id}`}>{label}</label>
      {input}
    </div>
  );
  const onInput = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  const text = (id: string, value: string, set: (v: string) => void) => (
    <input id={`oc-${id}`} name={id} type="text" value={value} onInput={onInput(set)} />
  );
  const time = (id: string, value: string, set: (v: string) => void) => (
    <input id={`oc-${id}`} name={id} type="datetime-local" value={value} onInput={onInput(set)} />
  );
  return (
    <form class="oc-form" data-form="override" onSubmit={submit} noValidate>
      <h3>{t('add')}</h3>
      <div class="oc-form-fields">
        {field(
          'team',
          t('team'),
          <select
            id="oc-team"
            name="team"
            value={team}
            onChange={(e) => setTeam((e.target as HTMLSelectElement).value)}
          >
            {rotas.map((r) => (
              <option key={r.team} value={r.team}>
                {r.teamName}
              </option>
            ))}
          </select>,
        )}
        {field('username', t('username'), text('username', username, setUsername))}
        {field('from', t('from'), time('from', from, setFrom))}
        {field('to', t('to'), time('to', to, setTo))}
        {field('note', t('note'), text('note', note, setNote))}
      </div>
      {error && (
        <p class="form-error" role="alert" data-error="override">
          {error}
        </p>
      )}
      <button type="submit" class="btn">
        {t('save')}
      </button>
    </form>
  );
}

const STEP = { oncall: 'stepOncall', next: 'stepNext', supervisor: 'stepSupervisor' } as const;
/** The badge tones the style sheet has, per severity. */
const TONE: Record<string, string> = { critical: 'critical', high: 'high', medium: 'info', low: 'info' };

/** The chains running now (oncall:manage): the alert, who was told (and how it went), the next step and when. */
function Escalating({ names }: { names: Map<string, string> }) {
  const list = useApi<{ escalations: Escalation[] }>('/oncall/escalations');
  if (list.error) return <ErrorBox error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading />;
  const rows = list.data.escalations;
  if (!rows.length) return <p class="placeholder">{t('noEscalating')}</p>;
  return (
    <div class="oc-table-wrap">
      <table class="table oc-escalations">
        <thead>
          <tr>
            <th>{t('alert')}</th>
            <th>{t('team')}</th>
            <th>{t('told')}</th>
            <th>{t('nextStep')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => {
            const next = e.steps[e.nextStep];
            return (
              <tr key={e.alertId} data-escalation={e.alertId}>
                <td>
                  {e.alert && (
                    <Badge tone={TONE[e.alert.severity] ?? 'info'}>{t(e.alert.severity as 'low')}</Badge>
                  )}{' '}
                  <a href={`#/alerts/${e.alertId}`}>
                    {e.alert ? `${e.alert.assetId}: ${e.alert.message}` : e.alertId}
                  </a>
                  <div class="muted">
                    {t('started')} {fmtDateTime(e.startedAt)}
                  </div>
                </td>
                <td>{e.team ? (names.get(e.team) ?? e.team) : '—'}</td>
                <td>
                  {e.notices.map((n) => (
                    <div key={`${n.step}-${n.username}`} data-told={n.username}>
                      {n.username} <span class="muted">({t(STEP[n.target])})</span>{' '}
                      {n.outcome !== 'queued' && <Badge tone="warn">{t(n.outcome)}</Badge>}
                    </div>
                  ))}
                </td>
                <td data-next-at={e.nextAt ?? ''}>
                  {next ? `${t(STEP[next.to])} · ${fmtDateTime(e.nextAt)}` : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function OncallSection() {
  useLang();
  const board = useApi<Board>('/oncall');
  const [notice, setNotice] = useState<string>();
  const manage = can('oncall:manage');
  if (board.loading && !board.data) return <Loading />;
  if (board.error) return <ErrorBox error={board.error} retry={board.reload} />;
  const b = board.data!;
  const names = new Map(b.rotas.map((r) => [r.team, r.teamName]));
  const remove = async (id: number) => {
    try {
      await api(`/oncall/overrides/${id}`, { method: 'DELETE' });
      setNotice(t('removed'));
    } catch (err) {
      setNotice(problemText(err));
    }
    board.reload();
  };
  return (
    <div class="oc" data-section="oncall">
      <Section title={t('title')}>
        <p class="muted">{t('hint')}</p>
        {b.rotas.length === 0 ? (
          <p class="placeholder">{t('none')}</p>
        ) : (
          <div class="oc-rotas">
            {b.rotas.map((r) => (
              <RotaCard key={r.team} r={r} />
            ))}
          </div>
        )}
      </Section>
      {manage && (
        <Section title={t('escalating')}>
          <Escalating names={names} />
        </Section>
      )}
      <Section title={t('overrides')}>
        {notice && (
          <p class="muted" role="status">
            {notice}
          </p>
        )}
        {b.overrides.length === 0 ? (
          <p class="placeholder">{t('noOverrides')}</p>
        ) : (
          <div class="oc-table-wrap">
            <table class="table oc-overrides">
              <thead>
                <tr>
                  <th>{t('team')}</th>
                  <th>{t('who')}</th>
                  <th>{t('from')}</th>
                  <th>{t('to')}</th>
                  <th>{t('note')}</th>
                  {manage && <th />}
                </tr>
              </thead>
              <tbody>
                {b.overrides.map((o) => (
                  <tr key={o.id} data-override={o.id}>
                    <td>{names.get(o.team) ?? o.team}</td>
                    <td>{o.username}</td>
                    <td>{fmtDateTime(o.from)}</td>
                    <td>{fmtDateTime(o.to)}</td>
                    <td>{o.note ?? ''}</td>
                    {manage && (
                      <td>
                        <button type="button" class="btn btn-small" onClick={() => remove(o.id)}>
                          {t('remove')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {manage && b.rotas.length > 0 && (
          <OverrideForm
            rotas={b.rotas}
            timeZone={b.timeZone}
            onSaved={() => {
              setNotice(t('saved'));
              board.reload();
            }}
          />
        )}
      </Section>
    </div>
  );
}

/** The People view's tab (people-sections.ts): everyone logged in sees the rotas; oncall:manage gets the form. */
export const peopleOncallSection: PeopleSection = {
  id: 'oncall',
  label: () => t('title'),
  View: OncallSection,
};
