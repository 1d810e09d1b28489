import { useEffect, useMemo, useState } from 'preact/hooks';
import { type ApiProblem, api, can, problemText } from '../hub.js';
import { useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { AlertsBanner } from './alerts-banner.js';
import { AlertDetailPanel } from './alerts-detail.js';
import { ActionForm } from './alerts-form.js';
import { useAlertList } from './alerts-list.js';
import {
  type Action,
  type Alert,
  actionPermission,
  allowedActions,
  type Filter,
  filterFromQuery,
  filterToQuery,
  matchesServer,
  matchesText,
  sortAlerts,
} from './alerts-model.js';
import { AlertRow, CountsBar, fmtValue } from './alerts-row.js';
import { useSound } from './alerts-sound.js';
import { t } from './alerts-text.js';
import { AlertsToolbar } from './alerts-toolbar.js';

/**
 * The alerts console: active and recent alerts, filtered (severity, state, active only: by the API; asset or
 * text: here) and sorted (newest or most severe first); acknowledge with a comment, shelve for a while and
 * unshelve where the user's roles allow (alerts:ack; alerts:manage, or alerts:security for a gate's alert, as
 * each alert's `managePermission` says: the buttons one may not use are not shown); the details and transitions of the
 * selected alert (`#/alerts/<id>`). Live `alert` events update the rows in place; a newly raised alert is
 * highlighted, and a critical one also shows a banner at the top (and beeps, if the user turned sound on).
 */

interface FormState {
  id: number;
  action: Exclude<Action, 'unshelve'>;
  where: 'row' | 'detail';
}

export default function AlertsView({ route }: { route: Route }) {
  useLang();
  const [filter, setFilter] = useState<Filter>(() => filterFromQuery(route.query));
  const [form, setForm] = useState<FormState | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [rowError, setRowError] = useState<{ id: number; text: string } | null>(null);
  const [sound, setSound] = useSound();

  const selected = Number(route.rest[0]) > 0 ? Number(route.rest[0]) : null;
  const query = filterToQuery(filter);
  const queryKey = new URLSearchParams(query).toString();

  const {
    list,
    counts,
    loading,
    error,
    olderBusy,
    fresh,
    banner,
    setBanner,
    detailVersion,
    connLost,
    load,
    loadOlder,
    changed,
  } = useAlertList(filter, selected);

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
    const allowed = allowedActions(a.state).filter((x) => can(actionPermission(a, x)));
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

  const mayAct = can('alerts:ack') || can('alerts:manage') || can('alerts:security');

  return (
    <section class="view alerts-view" data-view-id="alerts">
      <AlertsBanner banner={banner} onShow={showFromBanner} onDismiss={() => setBanner([])} />

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

          <AlertsToolbar filter={filter} setF={setF} clearFilters={clearFilters} list={list} rows={rows} />

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
