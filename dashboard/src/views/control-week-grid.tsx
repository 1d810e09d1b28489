import { useEffect, useState } from 'preact/hooks';
import type { ScheduleBody, SchedulePeriod } from '../hub-types.js';
import { WEEKDAYS } from '../hub-types.js';
import {
  DAY_MIN,
  defaultValue,
  errorsUnder,
  freeSpan,
  newSpan,
  type RowId,
  rowPath,
  rowPeriods,
  toHHMM,
  toMin,
  type ValueKind,
  valueText,
  withRow,
} from './control-schedule-model.js';
import { dayName, t } from './control-schedules-text.js';

/**
 * The week grid: a row per weekday (and the calendar's holidays), 24 hours of 15- or 30-minute cells, each
 * period a block with its value. Drag across a row to add a period (clipped to the free time around where the
 * drag began), click a block to select it (the period editor below changes or deletes it). At phone width the
 * same periods are a list per day with an add button.
 */

export interface Selection {
  row: RowId;
  index: number;
}

interface GridProps {
  body: ScheduleBody;
  kind: ValueKind;
  editable: boolean;
  step: 15 | 30;
  showHoliday: boolean;
  selected: Selection | null;
  errors: Map<string, string>;
  onSelect: (s: Selection | null) => void;
  /** A new schedule, and the new period to select. */
  onChange: (body: ScheduleBody, select?: Selection) => void;
  phone: boolean;
}

/** Add a period [from, to) to a row with the default value; the new period selected. */
function addTo(p: GridProps, row: RowId, span: [number, number]) {
  const period: SchedulePeriod = { from: toHHMM(span[0]), to: toHHMM(span[1]), value: defaultValue(p.kind) };
  const next = withRow(p.body, row, [...rowPeriods(p.body, row), period]);
  p.onChange(next, { row, index: rowPeriods(next, row).indexOf(period) });
}

/** A row's complaints from the API, each named by its period's times ('14:00–13:30: expected "to" after "from"'). */
function rowErrors(grid: GridProps, row: RowId): string[] {
  const periods = rowPeriods(grid.body, row);
  const prefix = `${rowPath(row)}.`;
  return [...grid.errors]
    .filter(([p]) => p === rowPath(row) || p.startsWith(prefix))
    .map(([p, m]) => {
      const q = periods[Number(p.slice(prefix.length).split('.')[0])];
      return q ? `${q.from}–${q.to}: ${m}` : m;
    });
}

const pct = (min: number) => `${(min / DAY_MIN) * 100}%`;

function Block(props: { grid: GridProps; row: RowId; index: number; period: SchedulePeriod }) {
  const { grid, row, index, period } = props;
  const from = toMin(period.from);
  const to = toMin(period.to);
  const bad = errorsUnder(grid.errors, `${rowPath(row)}.${index}`).length > 0;
  const sel = grid.selected?.row === row && grid.selected.index === index;
  const label = valueText(period.value, [t('on'), t('off')], grid.kind.unit);
  return (
    <button
      type="button"
      class={`cs-block${sel ? ' selected' : ''}${bad ? ' invalid' : ''}${period.value === false ? ' off' : ''}`}
      style={{ left: pct(from), width: pct(Math.max(to - from, 0)) }}
      data-period={`${row}.${index}`}
      data-value={String(period.value)}
      title={`${dayName(row)} ${period.from}–${period.to} · ${label}`}
      onPointerDown={(e) => e.stopPropagation()}
      onClick={() => grid.onSelect(sel ? null : { row, index })}
    >
      <span class="cs-block-value">{label}</span>
      <span class="cs-block-time">
        {period.from}–{period.to}
      </span>
    </button>
  );
}

function Track(props: { grid: GridProps; row: RowId }) {
  const { grid, row } = props;
  const periods = rowPeriods(grid.body, row);
  const [drag, setDrag] = useState<{ anchor: number; cur: number } | null>(null);

  const cellAt = (e: PointerEvent) => {
    const el = e.currentTarget as HTMLElement;
    const r = el.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - r.left, 0), r.width - 0.01);
    return Math.floor(((x / r.width) * DAY_MIN) / grid.step) * grid.step;
  };
  const span = (d: { anchor: number; cur: number }) =>
    freeSpan(periods, d.anchor, Math.min(d.anchor, d.cur), Math.max(d.anchor, d.cur) + grid.step);
  const draft = drag && span(drag);

  return (
    <div
      class={`cs-track cs-step-${grid.step}${grid.editable ? ' editable' : ''}`}
      data-track={row}
      onPointerDown={(e) => {
        if (!grid.editable || e.button !== 0) return;
        const at = cellAt(e);
        if (!span({ anchor: at, cur: at })) return;
        (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        setDrag({ anchor: at, cur: at });
        e.preventDefault();
      }}
      onPointerMove={(e) => drag && setDrag({ ...drag, cur: cellAt(e) })}
      onPointerUp={() => {
        if (!drag) return;
        const s = span(drag);
        setDrag(null);
        if (s) addTo(grid, row, s);
      }}
      onPointerCancel={() => setDrag(null)}
    >
      {periods.map((p, i) => (
        <Block key={`${i}|${p.from}`} grid={grid} row={row} index={i} period={p} />
      ))}
      {draft && (
        <div class="cs-block cs-draft" style={{ left: pct(draft[0]), width: pct(draft[1] - draft[0]) }}>
          <span class="cs-block-time">
            {toHHMM(draft[0])}–{toHHMM(draft[1])}
          </span>
        </div>
      )}
    </div>
  );
}

function AddButton({ grid, row }: { grid: GridProps; row: RowId }) {
  const span = newSpan(rowPeriods(grid.body, row));
  if (!grid.editable) return null;
  return (
    <button
      type="button"
      class="cs-add"
      data-add={row}
      disabled={!span}
      title={`${t('addPeriod')} · ${dayName(row)}`}
      aria-label={`${t('addPeriod')} · ${dayName(row)}`}
      onClick={() => span && addTo(grid, row, span)}
    >
      +
    </button>
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

export function WeekGrid(grid: GridProps) {
  const rows: RowId[] = [...WEEKDAYS, ...(grid.showHoliday ? (['holiday'] as const) : [])];
  // Escape drops the selection.
  useEffect(() => {
    const on = (e: KeyboardEvent) => e.key === 'Escape' && grid.onSelect(null);
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, [grid.onSelect]);

  if (grid.phone)
    return (
      <div class="cs-days" data-grid="list">
        {rows.map((row) => {
          const periods = rowPeriods(grid.body, row);
          const rowErr = rowErrors(grid, row);
          return (
            <div key={row} class={`cs-dayline${row === 'holiday' ? ' holiday' : ''}`} data-row={row}>
              <span class="cs-day">{dayName(row)}</span>
              <div class="cs-chips">
                {periods.length === 0 && <span class="muted">{t('noPeriods')}</span>}
                {periods.map((p, i) => {
                  const sel = grid.selected?.row === row && grid.selected.index === i;
                  const bad = errorsUnder(grid.errors, `${rowPath(row)}.${i}`).length > 0;
                  return (
                    <button
                      key={`${i}|${p.from}`}
                      type="button"
                      class={`cs-chip${sel ? ' selected' : ''}${bad ? ' invalid' : ''}${p.value === false ? ' off' : ''}`}
                      data-period={`${row}.${i}`}
                      data-value={String(p.value)}
                      onClick={() => grid.onSelect(sel ? null : { row, index: i })}
                    >
                      {p.from}–{p.to} · {valueText(p.value, [t('on'), t('off')], grid.kind.unit)}
                    </button>
                  );
                })}
              </div>
              <AddButton grid={grid} row={row} />
              {rowErr.length > 0 && <p class="cs-field-error">{rowErr.join('; ')}</p>}
            </div>
          );
        })}
      </div>
    );

  return (
    <div class="cs-grid" data-grid="week">
      <div class="cs-hours" aria-hidden="true">
        <span />
        <div class="cs-hour-scale">
          {HOURS.map((h) => (
            <span key={h} style={{ left: pct(h * 60) }}>
              {h}
            </span>
          ))}
        </div>
        <span />
      </div>
      {rows.map((row) => {
        const rowErr = rowErrors(grid, row);
        return (
          <div key={row} class={`cs-row${row === 'holiday' ? ' holiday' : ''}`} data-row={row}>
            <span class="cs-day" title={row === 'holiday' ? t('holidayRowHint') : undefined}>
              {dayName(row)}
            </span>
            <Track grid={grid} row={row} />
            <AddButton grid={grid} row={row} />
            {rowErr.length > 0 && <p class="cs-field-error cs-row-error">{rowErr.join('; ')}</p>}
          </div>
        );
      })}
    </div>
  );
}
