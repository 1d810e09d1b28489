import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, can, problemText, useSession } from '../hub.js';
import { fmtDateTime, fmtTime, siteDate } from '../i18n.js';
import { Badge } from '../ui.js';
import { known, t } from './visitors-text.js';

/** The passes in the visitors view: those awaiting approval, today's, the code shown once after approval. */

/** A pass as GET /passes returns it: masked personal fields only, never its code. */
export interface Pass {
  id: number;
  state: 'requested' | 'approved' | 'declined' | 'revoked' | 'cancelled';
  visitorName: string;
  company: string | null;
  host: string;
  purpose: string;
  validFrom: number;
  validUntil: number;
  maxEntries: number;
  entriesUsed: number;
  inside: boolean;
  createdBy: string;
}

/** What POST /passes/:id/approve answers: the code and QR payload, this once. */
export interface Issued {
  pass: Pass;
  code: string;
  qr: string;
}

export function Panel(props: {
  name: string;
  title: string;
  sub?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="panel visitors-panel" data-section={props.name}>
      <div class="section-head">
        <h2>{props.title}</h2>
        {props.sub !== undefined && <span class="muted">{props.sub}</span>}
        {props.actions && <div class="section-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

const STATE_TONE: Record<Pass['state'], string> = {
  requested: 'warn',
  approved: 'good',
  declined: 'muted',
  revoked: 'bad',
  cancelled: 'muted',
};

function StateBadge({ state }: { state: Pass['state'] }) {
  return <Badge tone={STATE_TONE[state] ?? 'muted'}>{known('state', state)}</Badge>;
}

/** The window: the start's date left out when it is today, the end's when it is the start's. */
function Window({ pass }: { pass: Pass }) {
  const startDay = siteDate(pass.validFrom);
  const start = startDay === siteDate(Date.now()) ? fmtTime(pass.validFrom) : fmtDateTime(pass.validFrom);
  const end =
    siteDate(pass.validUntil) === startDay ? fmtTime(pass.validUntil) : fmtDateTime(pass.validUntil);
  return (
    <span class="nowrap" title={`${fmtDateTime(pass.validFrom)} – ${fmtDateTime(pass.validUntil)}`}>
      {start} – {end}
    </span>
  );
}

/** The visitor's name and, below it, their company. */
function VisitorCell({ pass }: { pass: Pass }) {
  return (
    <td>
      <span class="visitor-name">{pass.visitorName}</span>
      {pass.company && (
        <span class="visitor-sub muted" data-company>
          {pass.company}
        </span>
      )}
    </td>
  );
}

type Action = 'approve' | 'decline' | 'revoke';

/**
 * A pass's buttons and, for decline and revoke, the reason asked inline. `onDone` gets the answer (the
 * approval's carries the code).
 */
function useActions(onDone: (action: Action, answer: unknown) => void) {
  const [busy, setBusy] = useState<number>();
  const [asking, setAsking] = useState<{ id: number; action: 'decline' | 'revoke' }>();
  const [error, setError] = useState<{ id: number; text: string }>();
  const run = async (id: number, action: Action, comment?: string) => {
    setBusy(id);
    setError(undefined);
    try {
      const answer = await api(`/passes/${id}/${action}`, {
        method: 'POST',
        body: comment === undefined ? {} : { comment },
      });
      setAsking(undefined);
      onDone(action, answer);
    } catch (err) {
      setError({ id, text: t('actionFailed', { action: t(action), why: problemText(err) }) });
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, asking, setAsking, error, setError, run };
}

type Actions = ReturnType<typeof useActions>;

function ReasonRow({
  id,
  action,
  actions,
  span,
}: {
  id: number;
  action: 'decline' | 'revoke';
  actions: Actions;
  span: number;
}) {
  const [comment, setComment] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!comment.trim()) {
      actions.setError({ id, text: t('sayWhy') });
      return;
    }
    void actions.run(id, action, comment.trim());
  };
  return (
    <tr class="pass-reason" data-reason-for={id}>
      <td colSpan={span}>
        <form class="reason-form" onSubmit={submit} novalidate>
          <label>
            <span>{t(action === 'decline' ? 'declineReason' : 'revokeReason')}</span>
            <input
              name="comment"
              type="text"
              maxLength={2000}
              value={comment}
              onInput={(e) => setComment((e.target as HTMLInputElement).value)}
              ref={input}
            />
          </label>
          <button
            type="submit"
            class="btn btn-small btn-danger"
            disabled={actions.busy === id}
            data-action={action === 'decline' ? 'confirm-decline' : 'confirm-revoke'}
          >
            {t(action === 'decline' ? 'confirmDecline' : 'confirmRevoke')}
          </button>
          <button type="button" class="btn btn-small" onClick={() => actions.setAsking(undefined)}>
            {t('cancel')}
          </button>
        </form>
      </td>
    </tr>
  );
}

function ErrorRow({ id, actions, span }: { id: number; actions: Actions; span: number }) {
  if (actions.error?.id !== id) return null;
  return (
    <tr class="pass-error">
      <td colSpan={span}>
        <p class="form-error" role="alert">
          {actions.error.text}
        </p>
      </td>
    </tr>
  );
}

/** The host's or security's say on a pass. */
const decides = (pass: Pass, me: string | undefined) => pass.host === me || can('passes:manage');

export function PendingPasses({
  passes,
  onIssued,
  onChanged,
}: {
  passes: Pass[] | undefined;
  onIssued: (issued: Issued) => void;
  onChanged: () => void;
}) {
  const me = useSession()?.user.username;
  const actions = useActions((action, answer) => {
    if (action === 'approve') onIssued(answer as Issued);
    onChanged();
  });
  const now = Date.now();
  const SPAN = 6;
  return (
    <Panel name="pending" title={t('pending')}>
      {passes && passes.length === 0 && <p class="placeholder">{t('pendingNone')}</p>}
      {passes && passes.length > 0 && (
        <div class="table-wrap">
          <table class="table passes">
            <thead>
              <tr>
                <th>{t('visitor')}</th>
                <th>{t('host')}</th>
                <th>{t('purpose')}</th>
                <th>{t('window')}</th>
                <th class="num">{t('entries')}</th>
                <th>{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {passes.map((p) => {
                const over = p.validUntil <= now;
                const mine = decides(p, me);
                return [
                  <tr key={p.id} data-pass-id={p.id} data-state={p.state}>
                    <VisitorCell pass={p} />
                    <td data-label={t('host')}>
                      {p.host === me ? <b>{t('you')}</b> : p.host}
                      {p.createdBy !== p.host && (
                        <span class="visitor-sub muted">
                          {t('registeredBy', { who: p.createdBy === me ? t('you') : p.createdBy })}
                        </span>
                      )}
                    </td>
                    <td class="purpose" data-label={t('purpose')}>
                      {p.purpose}
                    </td>
                    <td data-label={t('window')}>
                      <Window pass={p} />
                      {over && <span class="visitor-sub bad">{t('windowOver')}</span>}
                    </td>
                    <td class="num" data-label={t('entries')}>
                      {p.maxEntries === 0 ? t('anyEntries') : p.maxEntries}
                    </td>
                    <td class="pass-actions">
                      {mine ? (
                        <>
                          <button
                            type="button"
                            class="btn btn-small btn-primary"
                            data-action="approve"
                            disabled={actions.busy === p.id || over}
                            onClick={() => void actions.run(p.id, 'approve')}
                          >
                            {t('approve')}
                          </button>
                          <button
                            type="button"
                            class="btn btn-small"
                            data-action="decline"
                            disabled={actions.busy === p.id}
                            onClick={() => {
                              actions.setError(undefined);
                              actions.setAsking({ id: p.id, action: 'decline' });
                            }}
                          >
                            {t('decline')}
                          </button>
                        </>
                      ) : (
                        <span class="muted">{t('waitingFor', { host: p.host })}</span>
                      )}
                    </td>
                  </tr>,
                  actions.asking?.id === p.id && (
                    <ReasonRow
                      key={`${p.id}-reason`}
                      id={p.id}
                      action={actions.asking.action}
                      actions={actions}
                      span={SPAN}
                    />
                  ),
                  <ErrorRow key={`${p.id}-error`} id={p.id} actions={actions} span={SPAN} />,
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

export function TodayPasses({ passes, onChanged }: { passes: Pass[] | undefined; onChanged: () => void }) {
  const me = useSession()?.user.username;
  const actions = useActions(() => onChanged());
  const SPAN = 7;
  return (
    <Panel name="today" title={t('today')} sub={t('todayNote')}>
      {passes && passes.length === 0 && <p class="placeholder">{t('todayNone')}</p>}
      {passes && passes.length > 0 && (
        <div class="table-wrap">
          <table class="table passes">
            <thead>
              <tr>
                <th>{t('visitor')}</th>
                <th>{t('host')}</th>
                <th>{t('window')}</th>
                <th>{t('state')}</th>
                <th class="num">{t('entries')}</th>
                <th>{t('inside')}</th>
                <th>{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {passes.map((p) => [
                <tr
                  key={p.id}
                  data-pass-id={p.id}
                  data-state={p.state}
                  data-inside={p.inside ? 'true' : 'false'}
                  class={p.state === 'approved' ? undefined : 'stale'}
                >
                  <VisitorCell pass={p} />
                  <td data-label={t('host')}>{p.host === me ? <b>{t('you')}</b> : p.host}</td>
                  <td data-label={t('window')}>
                    <Window pass={p} />
                  </td>
                  <td>
                    <StateBadge state={p.state} />
                  </td>
                  <td class="num" data-label={t('entries')} data-entries-used={p.entriesUsed}>
                    {p.entriesUsed} / {p.maxEntries === 0 ? t('anyEntries') : p.maxEntries}
                  </td>
                  <td data-label={t('inside')}>
                    {p.inside ? <Badge tone="info">{t('yes')}</Badge> : t('no')}
                  </td>
                  <td class="pass-actions">
                    {p.state === 'approved' && decides(p, me) && (
                      <button
                        type="button"
                        class="btn btn-small"
                        data-action="revoke"
                        disabled={actions.busy === p.id}
                        onClick={() => {
                          actions.setError(undefined);
                          actions.setAsking({ id: p.id, action: 'revoke' });
                        }}
                      >
                        {t('revoke')}
                      </button>
                    )}
                  </td>
                </tr>,
                actions.asking?.id === p.id && (
                  <ReasonRow
                    key={`${p.id}-reason`}
                    id={p.id}
                    action={actions.asking.action}
                    actions={actions}
                    span={SPAN}
                  />
                ),
                <ErrorRow key={`${p.id}-error`} id={p.id} actions={actions} span={SPAN} />,
              ])}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

/** The codes issued on this page, each shown until dismissed: the API never returns them again. */
export function IssuedCodes({ issued, dismiss }: { issued: Issued[]; dismiss: (id: number) => void }) {
  return (
    <>
      {issued.map((i) => (
        <div key={i.pass.id} class="issued" role="status" data-issued-pass={i.pass.id}>
          <div class="issued-head">
            <strong>{t('issued', { id: i.pass.id, name: i.pass.visitorName })}</strong>
            <button
              type="button"
              class="btn btn-small"
              data-action="dismiss-code"
              onClick={() => dismiss(i.pass.id)}
            >
              {t('done')}
            </button>
          </div>
          <dl class="issued-values">
            <div>
              <dt>{t('code')}</dt>
              <dd>
                <code data-issued-code>{i.code}</code>
              </dd>
            </div>
            <div>
              <dt>{t('qr')}</dt>
              <dd>
                <code data-issued-qr>{i.qr}</code>
              </dd>
            </div>
          </dl>
          <p class="muted">{t('issuedOnce')}</p>
        </div>
      ))}
    </>
  );
}
