import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PassView } from '../../../domains/visitors/pass-types.js';
import { api, problemText } from '../hub.js';
import { fmtDateTime, fmtTime, siteDate } from '../i18n.js';
import { Badge } from '../ui.js';
import { known, t } from './visitors-text.js';

/** What the visitors view's pass lists share: the pass, a panel, the cells, and a pass's actions with their reason. */

/** A pass as GET /passes returns it (the hub's PassView): masked personal fields only, never its code. */
export type Pass = Pick<
  PassView,
  | 'id'
  | 'state'
  | 'visitorName'
  | 'company'
  | 'host'
  | 'purpose'
  | 'validFrom'
  | 'validUntil'
  | 'maxEntries'
  | 'entriesUsed'
  | 'inside'
  | 'createdBy'
> & {
  /** What the caller may do with it now, as the hub decides (the host rule, self-hosting, kiosks). */
  actions?: string[];
};

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

export function StateBadge({ state }: { state: Pass['state'] }) {
  return <Badge tone={STATE_TONE[state] ?? 'muted'}>{known('state', state)}</Badge>;
}

/** The window: the start's date left out when it is today, the end's when it is the start's. */
export function Window({ pass }: { pass: Pass }) {
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
export function VisitorCell({ pass }: { pass: Pass }) {
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

export type Action = 'approve' | 'decline' | 'revoke';

/**
 * A pass's buttons and, for decline and revoke, the reason asked inline. `onDone` gets the answer (the
 * approval's carries the code).
 */
export function useActions(onDone: (action: Action, answer: unknown) => void) {
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

export type Actions = ReturnType<typeof useActions>;

export function ReasonRow({
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

export function ErrorRow({ id, actions, span }: { id: number; actions: Actions; span: number }) {
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

/** Whether the hub lets the caller take this action on the pass (GET /passes carries them per pass). */
export const may = (pass: Pass, action: Action) => pass.actions?.includes(action) ?? false;
