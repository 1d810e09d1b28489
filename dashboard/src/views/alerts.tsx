import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ApiProblem, api, can, problemText, useHubEvent } from '../hub.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtTime, useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { Badge, ErrorBox, Loading } from '../ui.js';
import { AlertDetailPanel, stateText, valueText } from './alerts-detail.js';
import {
  ACTION_PERMISSION,
  type Action,
  type Alert,
  type AlertEvent,
  type AlertList,
  allowedActions,
  type Counts,
  type Filter,
  filterFromQuery,
  filterToQuery,
  listPath,
  matchesServer,
  matchesText,
  needsAck,
  SEVERITIES,
  SEVERITY_TONE,
  SHELVE_MINUTES,
  type SortBy,
  STATE_TONE,
  STATES,
  sortAlerts,
  upsert,
} from './alerts-model.js';
import { beep, useSound } from './alerts-sound.js';
import { t } from './alerts-text.js';

/**
 * The alerts console: active and recent alerts, filtered (severity, state, active only: by the API; asset or
 * text: here) and sorted (newest or most severe first); acknowledge with a comment, shelve for a while and
 * unshelve where the user's roles allow (alerts:ack, alerts:manage); the details and transitions of the
 * selected alert (`#/alerts/<id>`). Live `alert` events update the rows in place; a newly raised alert is
 * highlighted, and a critical one also shows a banner at the top (and beeps, if the user turned sound on).
 */

/** How long a newly raised alert's row stays highlighted. */
const FRESH_MS = 30_000;
const fmtValue = (n: number) => fmtNumber(n, 2);
const pointName = (a: Alert) => (a.pointId ? (a.pointId.split('/').at(-1) ?? a.pointId) : '');

interface FormState {
  id: number;
  action: Exclude<Action, 'unshelve'>;
  where: 'row' | 'detail';
}

export default function AlertsView({ route }: { route: Route }) {
  useLang();
  const [filter, setFilter] = useState<Filter>(() => filterFromQuery(route.query));
  const [list, setList] = useState<{ alerts: Alert[]; next?: number }>();
  const [counts, setCounts] = useState<Counts>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [olderBusy, setOlderBusy] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const [banner, setBanner] = useState<Alert[]>([]);
  const [form, setForm] = useState<FormState | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [rowError, setRowError] = useState<{ id: number; text: string } | null>(null);
  const [detailVersion, setDetailVersion] = useState(0);
  const [connLost, setConnLost] = useState(false);
  const [sound, setSound] = useSound();

  const selected = Number(route.rest[0]) > 0 ? Number(route.rest[0]) : null;
  const query = filterToQuery(filter);
  const queryKey = new URLSearchParams(query).toString();
  const path = listPath(filter);

  // what the live handler needs without being registered again
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  /** Events that arrive while the list loads: applied to the answer too, so none is lost. */
  const during = useRef<Alert[] | null>(null);
  const seq = useRef(0);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const countsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const countsSeq = useRef(0);
  const wasLive = useRef(true);

  const load = () => {
    const my = ++seq.current;
    during.current = [];
    setLoading(true);
    api<AlertList>(path).then(
      (r) => {
        if (my !== seq.current) return;
        let alerts = r.alerts;
        for (const a of during.current ?? []) alerts = upsert(alerts, a, filterRef.current);
        during.current = null;
        setList({ alerts, next: r.next });
        setCounts(r.counts);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (my !== seq.current) return;
        during.current = null;
        setError(err);
        setLoading(false);
      },
    );
  };

  const loadOlder = () => {
    if (list?.next === undefined) return;
    setOlderBusy(true);
    const my = seq.current;
    api<AlertList>(listPath(filter, list.next)).then(
      (r) => {
        setOlderBusy(false);
        if (my !== seq.current) return;
        setList((l) => {
          if (!l) return l;
          const have = new Set(l.alerts.map((a) => a.id));
          return { alerts: [...l.alerts, ...r.alerts.filter((a) => !have.has(a.id))], next: r.next };
        });
      },
      (err: unknown) => {
        setOlderBusy(false);
        setError(err);
      },
    );
  };

  useEffect(load, [path]);

  // the filter in the address (back, forward and shared links restore it), without a history entry each
  useEffect(() => {
    const to = href('alerts', selected ? [selected] : [], query);
    if (location.hash !== to) history.replaceState(history.state, '', to);
  }, [queryKey, selected]);

  // the route changed (a link, back, forward): take its filter
  useEffect(() => {
    const next = filterFromQuery(route.query);
    setFilter((f) => (JSON.stringify(f) === JSON.stringify(next) ? f : next));
  }, [route]);

  // a selected row comes into view (from the banner, or a link)
  useEffect(() => {
    if (selected)
      document
        .querySelector(`[data-alert-id="${selected}"]`)
        ?.scrollIntoView({ block: 'nearest', inline: 'start' });
  }, [selected]);

  useEffect(
    () => () => {
      for (const id of timers.current) clearTimeout(id);
      clearTimeout(countsTimer.current);
    },
    [],
  );

  /** The counts after a burst of events (one request, the latest answer wins). */
  const refreshCounts = () => {
    clearTimeout(countsTimer.current);
    countsTimer.current = setTimeout(() => {
      const my = ++countsSeq.current;
      api<AlertList>('/alerts?limit=1').then(
        (r) => my === countsSeq.current && setCounts(r.counts),
        () => undefined,
      );
    }, 100);
  };

  const markFresh = (id: number) => {
    setFresh((s) => new Set(s).add(id));
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setFresh((s) => {
        const next = new Set(s);
        next.delete(id);
        return next;
      });
    }, FRESH_MS);
    timers.current.add(timer);
  };

  /** An alert changed (live, or the answer to an action): the list, the banner, the details. */
  const changed = (a: Alert) => {
    during.current?.push(a);
    setList((l) => l && { ...l, alerts: upsert(l.alerts, a, filterRef.current) });
    setBanner((b) => (needsAck(a) ? b.map((x) => (x.id === a.id ? a : x)) : b.filter((x) => x.id !== a.id)));
    if (a.id === selectedRef.current) setDetailVersion((v) => v + 1);
    refreshCounts();
  };

  useHubEvent<AlertEvent>('alert', (e) => {
    const a = e?.alert;
    if (!a || typeof a.id !== 'number') return;
    changed(a);
    if (e.event === 'raised') {
      markFresh(a.id);
      if (a.severity === 'critical') {
        setBanner((b) => [a, ...b.filter((x) => x.id !== a.id)]);
        beep();
      }
    }
  });

  // events missed while the socket was away: load again when it is back
  useHubEvent<string>('conn', (s) => {
    const live = s === 'live';
    setConnLost(!live);
    if (live && !wasLive.current) load();
    wasLive.current = live;
  });

  const run = async (a: Alert, action: Action, body: object) => {
    setBusy(a.id);
    setRowError(null);
    try {
      const updated = await api<Alert>(`/alerts/${a.id}/${action}`, { method: 'POST', body });
      changed(updated);
      setForm(null);
      return undefined;
    } catch (err) {
      const text = problemText(err as ApiProblem);
      if (action === 'unshelve') setRowError({ id: a.id, text });
      return text;
    } finally {
      setBusy(null);
    }
  };

  const actionsFor = (a: Alert, where: FormState['where']) => {
    const allowed = allowedActions(a.state).filter((x) => can(ACTION_PERMISSION[x]));
    const open = (action: FormState['action']) =>
      setForm((f) =>
        f?.id === a.id && f.action === action && f.where === where ? null : { id: a.id, action, where },
      );
    return allowed.map((action) => (
      <button
        key={action}
        type="button"
        class={`btn btn-small${action === 'ack' ? ' btn-primary' : ''}`}
        data-action={action}
        disabled={busy === a.id}
        aria-expanded={action === 'unshelve' ? undefined : form?.id === a.id && form.action === action}
        onClick={() => (action === 'unshelve' ? void run(a, 'unshelve', {}) : open(action))}
      >
        {t(action)}
      </button>
    ));
  };

  const formFor = (a: Alert, where: FormState['where']) =>
    form?.id === a.id && form.where === where && allowedActions(a.state).includes(form.action) ? (
      <ActionForm
        key={`${a.id}|${form.action}`}
        alert={a}
        action={form.action}
        busy={busy === a.id}
        submit={(body) => run(a, form.action, body)}
        cancel={() => setForm(null)}
      />
    ) : null;

  const setF = (patch: Partial<Filter>) => setFilter((f) => ({ ...f, ...patch }));
  const clearFilters = () =>
    setFilter((f) => ({ severity: '', state: '', active: false, text: '', sort: f.sort }));
  const filtered = filter.severity || filter.state || filter.active || filter.text.trim();

  const rows = useMemo(
    () =>
      sortAlerts(
        (list?.alerts ?? []).filter((a) => matchesText(a, filter.text)),
        filter.sort,
      ),
    [list, filter.text, filter.sort],
  );
  const selectHref = (id: number) => href('alerts', [id], query);
  const closeHref = href('alerts', [], query);

  const showFromBanner = (a: Alert) => {
    if (!matchesServer(a, filter) || !matchesText(a, filter.text)) clearFilters();
    setBanner((b) => b.filter((x) => x.id !== a.id));
    navigate(selectHref(a.id));
  };

  const mayAct = can('alerts:ack') || can('alerts:manage');
  const top = banner[0];

  return (
    <section class="view alerts-view" data-view-id="alerts">
      {top && (
        <div class="alerts-banner" role="alert" data-banner-alert={top.id}>
          <span class="alerts-banner-icon" aria-hidden="true">
            !
          </span>
          <div class="alerts-banner-text">
            <strong>{t('banner', { message: top.message })}</strong>
            <span>
              {t('bannerAt', { asset: top.assetId, when: fmtDateTime(top.raisedAt) })}
              {banner.length > 1 && ` · ${t('bannerMore', { n: banner.length - 1 })}`}
            </span>
          </div>
          <div class="alerts-banner-actions">
            <button
              type="button"
              class="btn btn-small"
              data-action="banner-show"
              onClick={() => showFromBanner(top)}
            >
              {t('bannerShow')}
            </button>
            <button
              type="button"
              class="btn btn-small"
              data-action="banner-dismiss"
              onClick={() => setBanner([])}
            >
              {t('bannerDismiss')}
            </button>
          </div>
        </div>
      )}

      <div class={`alerts-layout${selected ? ' has-detail' : ''}`}>
        <section class="panel alerts-main" aria-labelledby="alerts-title">
          <div class="section-head">
            <h2 id="alerts-title">{t('title')}</h2>
            <label class="alerts-sound" title={t('soundHint')}>
              <input
                type="checkbox"
                id="alerts-sound"
                checked={sound}
                onChange={(e) => setSound((e.target as HTMLInputElement).checked)}
              />
              {t('sound')}
            </label>
          </div>

          <CountsBar counts={counts} severity={filter.severity} pick={(s) => setF({ severity: s })} />

          <div class="toolbar alerts-toolbar">
            <label>
              <span>{t('severity')}</span>
              <select
                id="alerts-severity"
                value={filter.severity}
                onChange={(e) =>
                  setF({ severity: (e.target as HTMLSelectElement).value as Filter['severity'] })
                }
              >
                <option value="">{t('allSeverities')}</option>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`sev-${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>{t('state')}</span>
              <select
                id="alerts-state"
                value={filter.state}
                onChange={(e) => setF({ state: (e.target as HTMLSelectElement).value as Filter['state'] })}
              >
                <option value="">{t('allStates')}</option>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {stateText(s)}
                  </option>
                ))}
              </select>
            </label>
            <label class="alerts-check">
              <input
                type="checkbox"
                id="alerts-active"
                checked={filter.active}
                onChange={(e) => setF({ active: (e.target as HTMLInputElement).checked })}
              />
              <span>{t('activeOnly')}</span>
            </label>
            <label>
              <span>{t('search')}</span>
              <input
                id="alerts-text"
                type="search"
                value={filter.text}
                maxLength={64}
                placeholder={t('searchPlaceholder')}
                onInput={(e) => setF({ text: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label>
              <span>{t('sort')}</span>
              <select
                id="alerts-sort"
                value={filter.sort}
                onChange={(e) => setF({ sort: (e.target as HTMLSelectElement).value as SortBy })}
              >
                <option value="time">{t('sortTime')}</option>
                <option value="severity">{t('sortSeverity')}</option>
              </select>
            </label>
            {filtered && (
              <button type="button" class="btn btn-small" data-action="clear-filters" onClick={clearFilters}>
                {t('clearFilters')}
              </button>
            )}
            <span class="muted alerts-shown" aria-live="polite">
              {list &&
                (rows.length === list.alerts.length
                  ? t('shown', { n: rows.length })
                  : t('shownOf', { n: rows.length, total: list.alerts.length }))}
            </span>
          </div>

          {connLost && <p class="alerts-stale">{t('stale')}</p>}
          {!mayAct && <p class="muted alerts-readonly">{t('readOnly')}</p>}
          {error !== undefined && <ErrorBox error={error} retry={load} />}
          {!list && loading && <Loading />}
          {list && (
            <div class={`alerts-table-wrap${loading ? ' stale' : ''}`}>
              <table class="table alerts-table">
                <thead>
                  <tr>
                    <th>{t('colSeverityState')}</th>
                    <th>{t('colAlert')}</th>
                    <th>{t('colAsset')}</th>
                    <th class="num">{t('colValue')}</th>
                    <th>{t('colRaised')}</th>
                    <th>{t('colHandled')}</th>
                    <th>{mayAct ? t('colActions') : ''}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <AlertRow
                      key={a.id}
                      a={a}
                      fresh={fresh.has(a.id)}
                      selected={a.id === selected}
                      selectHref={selectHref(a.id)}
                      actions={actionsFor(a, 'row')}
                      form={formFor(a, 'row')}
                      error={rowError?.id === a.id ? rowError.text : undefined}
                    />
                  ))}
                </tbody>
              </table>
              {!rows.length && <p class="placeholder alerts-empty">{t('none')}</p>}
              {list.next !== undefined && (
                <button
                  type="button"
                  class="btn btn-small alerts-older"
                  data-action="load-older"
                  disabled={olderBusy}
                  onClick={loadOlder}
                >
                  {t('loadOlder')}
                </button>
              )}
            </div>
          )}
        </section>

        {selected && (
          <AlertDetailPanel
            key={selected}
            id={selected}
            version={detailVersion}
            fmtValue={fmtValue}
            closeHref={closeHref}
            actions={(a) => (
              <>
                {actionsFor(a, 'detail')}
                {formFor(a, 'detail')}
              </>
            )}
          />
        )}
      </div>
    </section>
  );
}

function CountsBar(props: {
  counts?: Counts;
  severity: Filter['severity'];
  pick: (s: Filter['severity']) => void;
}) {
  const c = props.counts;
  return (
    <div class="alerts-counts" title={t('summary')} data-counts>
      <span class="alerts-count alerts-count-total">
        <span>{t('active')}</span>
        <b data-count="total">{c?.total ?? '—'}</b>
      </span>
      {SEVERITIES.map((s) => (
        <button
          key={s}
          type="button"
          class={`alerts-count alerts-count-${s}`}
          data-count-severity={s}
          data-nonzero={c && c[s] > 0 ? 'true' : 'false'}
          aria-pressed={props.severity === s}
          onClick={() => props.pick(props.severity === s ? '' : s)}
        >
          <span>{t(`sev-${s}`)}</span>
          <b data-count={s}>{c?.[s] ?? '—'}</b>
        </button>
      ))}
      <span class="alerts-count alerts-count-unacked" data-nonzero={c && c.unacked > 0 ? 'true' : 'false'}>
        <span>{t('unacked')}</span>
        <b data-count="unacked">{c?.unacked ?? '—'}</b>
      </span>
    </div>
  );
}

function AlertRow(props: {
  a: Alert;
  fresh: boolean;
  selected: boolean;
  selectHref: string;
  actions: ComponentChildren;
  form: ComponentChildren;
  error?: string;
}) {
  const { a } = props;
  const hidden = a.state === 'shelved' || a.state === 'suppressed';
  return (
    <>
      <tr
        data-alert-id={a.id}
        data-state={a.state}
        data-severity={a.severity}
        data-active={String(a.active)}
        data-new={props.fresh ? 'true' : undefined}
        aria-selected={props.selected}
        class={`alerts-row${props.fresh ? ' is-new' : ''}${props.selected ? ' is-selected' : ''}${needsAck(a) ? ' is-unacked' : ''}`}
      >
        <td>
          <div class="alerts-badges">
            <Badge tone={SEVERITY_TONE[a.severity]}>{t(`sev-${a.severity}`)}</Badge>
            <Badge tone={STATE_TONE[a.state]}>{stateText(a.state)}</Badge>
            {hidden && (
              <span class="alerts-sub muted">{a.active ? t('conditionActive') : t('conditionCleared')}</span>
            )}
          </div>
        </td>
        <td class="alerts-msg">
          <a href={props.selectHref} data-action="select" aria-current={props.selected ? 'true' : undefined}>
            {a.message}
          </a>
          {props.fresh && <span class="alerts-new">{t('new')}</span>}
          {a.flapping && <span class="chip alerts-chip-flap">{t('flapping')}</span>}
          {a.occurrences > 1 && (
            <span class="alerts-sub alerts-occ muted"> · {t('occurrences', { n: a.occurrences })}</span>
          )}
          {props.error && (
            <p class="form-error" role="alert">
              {props.error}
            </p>
          )}
        </td>
        <td>
          <span class="mono">{a.assetId}</span>
          {a.pointId && <div class="alerts-sub muted mono">{pointName(a)}</div>}
        </td>
        <td class="num">{valueText(a.value, fmtValue)}</td>
        <td class="alerts-when">
          <time>{fmtTime(a.raisedAt)}</time>
          <div class="alerts-sub muted">{fmtDate(a.raisedAt)}</div>
        </td>
        <td class="alerts-handled">
          {a.state === 'shelved' && a.shelvedUntil !== null ? (
            <>
              <span>{a.shelvedBy ?? '—'}</span>
              <div class="alerts-sub muted">{t('shelvedUntil', { when: fmtDateTime(a.shelvedUntil) })}</div>
            </>
          ) : a.ackedAt !== null ? (
            <>
              <span>{t('byAt', { who: a.ackedBy ?? '—', when: fmtDateTime(a.ackedAt) })}</span>
              {a.ackComment && (
                <div class="alerts-sub alerts-comment" title={a.ackComment}>
                  {a.ackComment}
                </div>
              )}
            </>
          ) : (
            <span class="muted">—</span>
          )}
        </td>
        <td class="alerts-actions">
          <div>{props.actions}</div>
        </td>
      </tr>
      {props.form && (
        <tr class="alerts-form-row">
          <td colSpan={7}>{props.form}</td>
        </tr>
      )}
    </>
  );
}

function ActionForm(props: {
  alert: Alert;
  action: 'ack' | 'shelve';
  busy: boolean;
  submit: (body: { comment?: string; minutes?: number }) => Promise<string | undefined>;
  cancel: () => void;
}) {
  const [comment, setComment] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => input.current?.focus(), []);
  const shelve = props.action === 'shelve';
  const id = `alerts-${props.action}-${props.alert.id}`;

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const text = comment.trim();
    const body = { ...(shelve ? { minutes } : {}), ...(text ? { comment: text } : {}) };
    setError(await props.submit(body));
  };

  return (
    <form
      class="alerts-form"
      data-form={props.action}
      data-form-for={props.alert.id}
      onSubmit={onSubmit}
      onKeyDown={(e) => e.key === 'Escape' && props.cancel()}
    >
      {shelve && (
        <label class="alerts-form-field">
          <span>{t('shelveFor')}</span>
          <select
            name="minutes"
            value={String(minutes)}
            onChange={(e) => setMinutes(Number((e.target as HTMLSelectElement).value))}
          >
            {SHELVE_MINUTES.map((m) => (
              <option key={m} value={String(m)}>
                {m < 60 ? t('minutes', { n: m }) : t('hours', { n: m / 60 })}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="alerts-form-field alerts-form-comment" for={id}>
        <span>{t('comment')}</span>
        <input
          ref={input}
          id={id}
          name="comment"
          type="text"
          maxLength={500}
          value={comment}
          placeholder={shelve ? t('shelvePlaceholder') : t('ackPlaceholder')}
          onInput={(e) => setComment((e.target as HTMLInputElement).value)}
        />
      </label>
      <div class="alerts-form-buttons">
        <button
          type="submit"
          class="btn btn-small btn-primary"
          data-action={`${props.action}-submit`}
          disabled={props.busy}
        >
          {shelve ? t('shelveSubmit') : t('ackSubmit')}
        </button>
        <button type="button" class="btn btn-small" data-action="cancel" onClick={props.cancel}>
          {t('cancel')}
        </button>
      </div>
      {error && (
        <p class="form-error alerts-form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
