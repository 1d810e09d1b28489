import { useMemo } from 'preact/hooks';
import { lang } from '../i18n.js';
import { ErrorBox } from '../ui.js';
import {
  addDays,
  Chart,
  type ChartOptions,
  clockTime,
  fromZero,
  slotBars,
  timeAxis,
  type uPlot,
  valueAxis,
  zonedTime,
} from './chart.js';
import {
  assetOf,
  Completeness,
  DateField,
  type FlatMeter,
  num,
  type Rule,
  Stat,
  useMinute,
  useQuarterHours,
} from './energy-common.js';
import { t } from './energy-text.js';

/**
 * A meter's 15-minute demand (需量, kW) over a day against the limit of the demand rule on its asset. A slot's
 * demand is its peak 15-minute kW from the ledger (null after a gap: a catch-up is not a demand), or value × 4
 * for meters that have no peak figure; gaps stay empty.
 */

const SLOT = 15 * 60_000;
const STALE_MS = 35 * 60_000;

export function demandRule(rules: Rule[], meter: FlatMeter | undefined): Rule | undefined {
  const asset = assetOf(meter);
  if (!asset) return undefined;
  return rules.find(
    (r) =>
      r.condition?.type === 'demand' &&
      typeof r.condition.limitKw === 'number' &&
      r.instances?.some((i) => i.assetId === asset),
  );
}

export function DemandPanel(props: {
  tz: string;
  meters: FlatMeter[];
  rules: Rule[];
  meterId: string | undefined;
  date: string;
  today: string;
  onMeter: (id: string) => void;
  onDate: (date: string) => void;
}) {
  const { tz, meters, rules, meterId, date, today } = props;
  const minute = useMinute();
  const meter = meters.find((m) => m.id === meterId);
  const from = zonedTime(date, tz);
  const dayEnd = zonedTime(addDays(date, 1), tz);
  const to = Math.min(dayEnd, Math.max(from + 60_000, minute + 60_000));
  const { res, rows } = useQuarterHours(meter?.id, from, to);
  const rule = demandRule(rules, meter);
  const limit = rule?.condition?.limitKw;

  const view = useMemo(() => {
    const xs: number[] = [];
    for (let s = from; s < dayEnd; s += SLOT) xs.push(s);
    const byStart = new Map((rows ?? []).map((r) => [r.start, r]));
    const within: (number | null)[] = [];
    const over: (number | null)[] = [];
    let peak: { kw: number; at: number } | undefined;
    let last: { kw: number | null; at: number } | undefined;
    let done = 0;
    let known = 0;
    for (const x of xs) {
      const r = byStart.get(x);
      const kw =
        !r || r.value === null
          ? null
          : r.peakDemandKw !== undefined
            ? r.peakDemandKw
            : Math.round(r.value * 4 * 1000) / 1000;
      const high = kw !== null && limit !== undefined && kw > limit;
      within.push(high ? null : kw);
      over.push(high ? kw : null);
      if (kw !== null && (!peak || kw > peak.kw)) peak = { kw, at: x };
      if (r && r.end <= Date.now()) {
        done++;
        if (r.value !== null) {
          known++;
          last = { kw, at: x };
        }
      }
    }
    const limits = xs.map(() => limit ?? null);
    return {
      data: [xs, within, over, limits] as uPlot.AlignedData,
      peak,
      last,
      completeness: done ? known / done : null,
    };
  }, [rows, from, dayEnd, limit]);

  const l = lang();
  const options = useMemo<ChartOptions>(() => {
    const time = timeAxis(tz);
    return {
      ms: time.ms,
      tzDate: time.tzDate,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, kw: { range: fromZero(limit) } },
      legend: { live: true },
      series: [
        { label: t('date'), value: time.value },
        {
          label: t('demand'),
          scale: 'kw',
          stroke: '#1f5fbf',
          fill: 'rgba(31, 95, 191, 0.55)',
          width: 0,
          paths: slotBars(),
          points: { show: false },
          value: (_u, v) => (v === null || v === undefined ? '—' : `${num(v, 1)} kW`),
        },
        {
          label: t('overLimit'),
          scale: 'kw',
          stroke: '#c42b1c',
          fill: 'rgba(196, 43, 28, 0.75)',
          width: 0,
          paths: slotBars(),
          points: { show: false },
          value: (_u, v) => (v === null || v === undefined ? '—' : `${num(v, 1)} kW`),
        },
        {
          label: t('limit'),
          scale: 'kw',
          stroke: '#c42b1c',
          width: 1.5,
          dash: [6, 4],
          points: { show: false },
          show: limit !== undefined,
          value: (_u, v) => (v === null || v === undefined ? '—' : `${num(v, 1)} kW`),
        },
      ],
      axes: [time.axis, valueAxis('kw', 'kW', 3, 1)],
    };
  }, [tz, limit, l]);

  const stale =
    date === today && view.last && Date.now() - (view.last.at + SLOT) > STALE_MS ? view.last : undefined;
  const noData = rows !== undefined && !rows.some((r) => r.value !== null);

  return (
    <section class="panel" data-panel="demand">
      <div class="section-head">
        <h2>{t('demandTitle')}</h2>
        <div class="toolbar">
          <label class="e-field">
            <span>{t('meter')}</span>
            <select
              data-control="meter"
              value={meter?.id ?? ''}
              onChange={(e) => props.onMeter((e.target as HTMLSelectElement).value)}
            >
              {meters.map((m) => (
                <option key={m.id} value={m.id}>
                  {'\u00a0\u00a0'.repeat(m.depth)}
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <DateField control="date" date={date} today={today} onDate={props.onDate} />
          {date !== today && (
            <button type="button" class="btn btn-small" onClick={() => props.onDate(today)}>
              {t('today')}
            </button>
          )}
        </div>
      </div>
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      <div class="e-stats e-stats-small">
        <Stat
          name="demand-peak"
          label={t('peakDemand')}
          value={num(view.peak?.kw, 1)}
          unit="kW"
          tone={view.peak && limit !== undefined && view.peak.kw > limit ? 'bad' : undefined}
          sub={view.peak ? t('peakAt', { time: clockTime(view.peak.at, tz) }) : undefined}
        />
        <Stat
          name="demand-latest"
          label={t('latest')}
          value={num(view.last?.kw, 1)}
          unit="kW"
          tone={stale ? 'warn' : undefined}
          sub={
            stale
              ? t('staleSince', { time: clockTime(stale.at + SLOT, tz) })
              : view.last
                ? `${clockTime(view.last.at, tz)}–${clockTime(view.last.at + SLOT, tz)}`
                : undefined
          }
        />
        <Stat
          name="demand-limit"
          label={t('limit')}
          value={limit !== undefined ? num(limit, 1) : '—'}
          unit={limit !== undefined ? 'kW' : undefined}
          sub={rule ? t('limitFrom', { v: num(limit, 1), rule: rule.name ?? rule.id }) : t('noLimit')}
        />
        <Stat
          name="demand-data"
          label={t('completenessLong')}
          value={<Completeness value={view.completeness} />}
        />
      </div>
      <div class={`chart-wrap${res.loading && rows ? ' stale' : ''}`} data-stale={stale ? 'true' : undefined}>
        <Chart
          name="demand"
          label={`${t('demandTitle')} ${meter?.name ?? ''} ${date}`}
          options={options}
          data={view.data}
          xRange={[from, dayEnd]}
          height={240}
        />
        {noData && <p class="chart-empty">{t('noDataToday')}</p>}
      </div>
      <p class="muted e-note">{t('gapsNote')}</p>
    </section>
  );
}
