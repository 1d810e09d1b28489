import { useSession } from '../hub.js';
import { href } from '../router.js';
import { Badge } from '../ui.js';
import {
  ErrorRow,
  type Issued,
  may,
  Panel,
  type Pass,
  ReasonRow,
  StateBadge,
  useActions,
  VisitorCell,
  Window,
} from './visitors-pass-parts.js';
import { sl } from './visitors-slip-text.js';
import { t } from './visitors-text.js';

/** Reception's button: the slip's print view (approved passes whose window is not over). */
function SlipLink({ pass }: { pass: Pick<Pass, 'id' | 'state' | 'validUntil'> }) {
  if (pass.state !== 'approved' || pass.validUntil <= Date.now()) return null;
  return (
    <a class="btn btn-small" href={href('visitors', ['passes', pass.id, 'slip'])} data-action="print-slip">
      {sl('print')}
    </a>
  );
}

/** The passes in the visitors view: those awaiting approval, today's, the code shown once after approval. */

export type { Issued, Pass };

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
                const approve = may(p, 'approve');
                const decline = may(p, 'decline');
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
                      {approve || decline ? (
                        <>
                          {approve && (
                            <button
                              type="button"
                              class="btn btn-small btn-primary"
                              data-action="approve"
                              disabled={actions.busy === p.id || over}
                              onClick={() => void actions.run(p.id, 'approve')}
                            >
                              {t('approve')}
                            </button>
                          )}
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
                          {!approve && (
                            <span class="visitor-sub muted" data-approval="other">
                              {t('approvedByOther')}
                            </span>
                          )}
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
                    <SlipLink pass={p} />
                    {may(p, 'revoke') && (
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
            <SlipLink pass={i.pass} />
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
