import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiProblem, api, useHubEvent } from '../hub.js';
import { useLang } from '../i18n.js';
import { href } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { ActionPanel } from './tickets-actions.js';
import { type Asset, loadAssets, type TicketDetail } from './tickets-common.js';
import { Evidence } from './tickets-evidence.js';
import { Photos } from './tickets-photos.js';
import { Summary } from './tickets-summary.js';
import { t } from './tickets-text.js';
import { Timeline } from './tickets-timeline.js';

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
