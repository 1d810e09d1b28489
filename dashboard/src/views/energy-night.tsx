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
 * Water night flow (夜间流量): a water meter's 15-minute consumption through the night as m³/h, and the lowest
 * of it in the night window (the night-flow rule's on the meter's asset, else 01:00–04:00). Water that never
 * stops at night is a leak more often than not.
 */

const SLOT = 15 * 60_000;
const MARGIN = 2 * 3_600_000;

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

export function NightFlowPanel(props: {
  tz: string;
  meters: FlatMeter[];
  rules: Rule[];
  meterId: string | undefined;
  /** The day the night window ends on; without it, the latest night whose window has begun. */
  date: string | undefined;
  today: string;
  onMeter: (id: string) => void;
  onDate: (date: string | undefined) => void;
}) {
  const { tz, meters, rules, meterId, today } = props;
  const minute = useMinute();
  const meter = meters.find((m) => m.id === meterId);
  const asset = assetOf(meter);
  const rule = rules.find(
    (r) => r.condition?.type === 'night-flow' && r.instances?.some((i) => i.assetId === asset),
  );
  const winFrom = rule?.condition?.from ?? '01:00';
  const winTo = rule?.condition?.to ?? '04:00';
  const zeroBelow = rule?.condition?.zeroBelow ?? 0.001;
  // the window ends on `date`; it began the day before when it spans midnight
  const spansMidnight = minutesOf(winFrom) > minutesOf(winTo);
  const startOf = (day: string) => zonedTime(spansMidnight ? addDays(day, -1) : day, tz, minutesOf(winFrom));
  // tonight's window is the one to look at once its first quarter hour has ended; until then, last night's
  const latest = minute >= startOf(today) + SLOT ? today : addDays(today, -1);
  const date = props.date ?? latest;
  const windowStart = startOf(date);
  const windowEnd = zonedTime(date, tz, minutesOf(winTo));
  const from = windowStart - MARGIN;
  const end = windowEnd + MARGIN;
  const to = Math.min(end, minute + 60_000);
  const { res, rows } = useQuarterHours(meter?.id, from, to);

  const view = useMemo(() => {
    const xs: number[] = [];
    for (let s = from; s < end; s += SLOT) xs.push(s);
    const byStart = new Map((rows ?? []).map((r) => [r.start, r]));
    const flow: (number | null)[] = [];
    let min: { flow: number; at: number } | undefined;
    let done = 0;
    let known = 0;
    for (const x of xs) {
      const r = byStart.get(x);
      const f = !r || r.value === null ? null : Math.round(r.value * 4 * 10_000) / 10_000;
      flow.push(f);
      if (x >= windowStart && x + SLOT <= windowEnd && r && r.end <= Date.now()) {
        done++;
        if (f !== null) {
          known++;
          if (!min || f < min.flow) min = { flow: f, at: x };
        }
      }
    }
    return {
      data: [xs, flow] as uPlot.AlignedData,
      min,
      completeness: done ? known / done : null,
    };
  }, [rows, from, end, windowStart, windowEnd]);

  const l = lang();
  const options = useMemo<ChartOptions>(() => {
    const time = timeAxis(tz);
    return {
      ms: time.ms,
      tzDate: time.tzDate,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, flow: { range: fromZero() } },
      series: [
        { label: t('date'), value: time.value },
        {
          label: t('flow'),
          scale: 'flow',
          stroke: '#0e7c86',
          fill: 'rgba(14, 124, 134, 0.5)',
          width: 0,
          paths: slotBars(),
          points: { show: false },
          value: (_u, v) => (v === null || v === undefined ? '—' : `${num(v, 3)} m³/h`),
        },
      ],
      axes: [time.axis, valueAxis('flow', 'm³/h', 3, 3)],
      hooks: {
        // the night window, shaded
        drawClear: [
          (u: uPlot) => {
            const ctx = u.ctx;
            const x0 = u.valToPos(windowStart, 'x', true);
            const x1 = u.valToPos(windowEnd, 'x', true);
            ctx.save();
            ctx.fillStyle = 'rgba(31, 95, 191, 0.07)';
            ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
            ctx.restore();
          },
        ],
      },
    };
  }, [tz, windowStart, windowEnd, l]);

  if (!meters.length)
    return (
      <section class="panel" data-panel="night-flow">
        <div class="section-head">
          <h2>{t('nightTitle')}</h2>
        </div>
        <p class="placeholder">{t('noWater')}</p>
      </section>
    );

  const leak = view.min !== undefined && view.min.flow >= zeroBelow;
  const noData = rows !== undefined && !rows.some((r) => r.value !== null);
  return (
    <section class="panel" data-panel="night-flow">
      <div class="section-head">
        <h2>{t('nightTitle')}</h2>
        <div class="toolbar">
          {meters.length > 1 && (
            <label class="e-field">
              <span>{t('waterMeter')}</span>
              <select
                data-control="water"
                value={meter?.id ?? ''}
                onChange={(e) => props.onMeter((e.target as HTMLSelectElement).value)}
              >
                {meters.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <DateField
            control="night"
            date={date}
            today={today}
            onDate={(d) => props.onDate(d === latest ? undefined : d)}
          />
        </div>
      </div>
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      <div class="e-stats e-stats-small">
        <Stat
          name="night-min"
          label={t('minFlow', { from: winFrom, to: winTo })}
          value={num(view.min?.flow, 3)}
          unit="m³/h"
          tone={view.min === undefined ? undefined : leak ? 'bad' : 'good'}
          sub={
            view.min === undefined
              ? meters.length === 1
                ? meter?.name
                : undefined
              : leak
                ? t('neverZero')
                : `${t('fellToZero')} · ${clockTime(view.min.at, tz)}`
          }
        />
        <Stat
          name="night-data"
          label={t('completenessLong')}
          value={<Completeness value={view.completeness} />}
          sub={meters.length === 1 ? meter?.name : undefined}
        />
      </div>
      <div class={`chart-wrap${res.loading && rows ? ' stale' : ''}`}>
        <Chart
          name="night-flow"
          label={`${t('nightTitle')} ${meter?.name ?? ''} ${date}`}
          options={options}
          data={view.data}
          xRange={[from, end]}
          height={240}
        />
        {noData && <p class="chart-empty">{t('noNightData')}</p>}
      </div>
    </section>
  );
}
