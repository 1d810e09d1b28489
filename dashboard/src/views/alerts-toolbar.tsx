import { can } from '../hub.js';
import { stateText } from './alerts-detail.js';
import { type Alert, type Filter, SEVERITIES, type SortBy, STATES } from './alerts-model.js';
import { t } from './alerts-text.js';
import { CsvLink } from './csv-link.js';

/** The alerts console's filters (severity, state, active only, text), its sort, and how many are shown. */
export function AlertsToolbar({
  filter,
  setF,
  clearFilters,
  list,
  rows,
}: {
  filter: Filter;
  setF: (patch: Partial<Filter>) => void;
  clearFilters: () => void;
  list: { alerts: Alert[] } | undefined;
  rows: Alert[];
}) {
  const filtered = filter.severity || filter.state || filter.active || filter.text.trim();
  return (
    <div class="toolbar alerts-toolbar">
      <label>
        <span>{t('severity')}</span>
        <select
          id="alerts-severity"
          value={filter.severity}
          onChange={(e) => setF({ severity: (e.target as HTMLSelectElement).value as Filter['severity'] })}
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
      {can('alerts:ack') && (
        // the server's filters (severity, state, active); the text search stays on the screen
        <CsvLink
          path="/alerts/export.csv"
          name="alerts.csv"
          query={{
            ...(filter.severity ? { severity: filter.severity } : {}),
            ...(filter.state ? { state: filter.state } : {}),
            ...(filter.active ? { active: 'true' } : {}),
          }}
        />
      )}
      <span class="muted alerts-shown" aria-live="polite">
        {list &&
          (rows.length === list.alerts.length
            ? t('shown', { n: rows.length })
            : t('shownOf', { n: rows.length, total: list.alerts.length }))}
      </span>
    </div>
  );
}
