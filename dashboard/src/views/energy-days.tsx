import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../hub.js';
import { lang } from '../i18n.js';
import {
  Chart,
  type ChartOptions,
  dayBars,
  fromZero,
  timeAxis,
  type uPlot,
  valueAxis,
  zonedTime,
} from './chart.js';
import {
  Completeness,
  type Intervals,
  MEDIA,
  type Medium,
  mediumName,
  num,
  type Report,
  unitOf,
} from './energy-common.js';
import { t } from './energy-text.js';

/** The month's consumption per day of a medium: bars (a day not fully covered drawn pale) and a table. */

const HALF_DAY = 12 * 3_600_000;

const dayFormats = new Map<string, Intl.DateTimeFormat>();
function dayLabel(ms: number, tz: string): string {
  const key = `${lang()}|${tz}`;
  let f = dayFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang(), { timeZone: tz, month: 'short', day: 'numeric', weekday: 'short' });
    dayFormats.set(key, f);
  }
  return f.format(ms);
}

/** Each day's completeness over the medium's main meters (the least complete), from their daily intervals. */
function useDayCompleteness(report: Report, medium: Medium): Map<string, number> | undefined {
  const total = report.totals.find((x) => x.medium === medium);
  const mains = total?.mainMeters.join(',') ?? '';
  const to = Math.min(report.period.to, Date.now());
  const [state, setState] = useState<{ key: string; map: Map<number, number> }>();
  const key = `${mains}|${report.period.from}|${report.period.label}|${report.generatedAt ?? ''}`;
  useEffect(() => {
    if (!mains || to <= report.period.from) return;
    let live = true;
    Promise.all(
      mains
        .split(',')
        .map((id) =>
          api<Intervals>(
            `/energy/meters/${encodeURIComponent(id)}/intervals?interval=1d&from=${report.period.from}&to=${to}`,
          ),
        ),
    ).then(
      (answers) => {
        if (!live) return;
        const map = new Map<number, number>();
        for (const a of answers)
          for (const row of a.intervals)
            map.set(row.start, Math.min(map.get(row.start) ?? 1, row.completeness));
        setState({ key, map });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [key]);
  return useMemo(() => {
    if (!state || state.key !== key) return undefined;
    const tz = report.timezone;
    return new Map((report.days ?? []).map((d) => [d.date, state.map.get(zonedTime(d.date, tz)) ?? 0]));
  }, [state, key, report]);
}

export function DaysPanel({ report, tz }: { report: Report; tz: string }) {
  const media = MEDIA.filter((m) => report.totals.some((x) => x.medium === m));
  const [chosen, setMedium] = useState<Medium>('electricity');
  const medium = media.includes(chosen) ? chosen : (media[0] ?? 'electricity');
  const unit = unitOf(report.totals.find((x) => x.medium === medium)?.unit ?? '');
  const completeness = useDayCompleteness(report, medium);
  // the days that have begun
  const days = useMemo(
    () => (report.days ?? []).filter((d) => zonedTime(d.date, tz) <= Date.now()),
    [report, tz],
  );

  const data = useMemo(() => {
    const xs = days.map((d) => zonedTime(d.date, tz) + HALF_DAY);
    const full: (number | null)[] = [];
    const partial: (number | null)[] = [];
    for (const d of days) {
      const v = d[medium];
      const c = completeness?.get(d.date);
      const isPartial = v !== null && c !== undefined && c < 0.999;
      full.push(isPartial ? null : v);
      partial.push(isPartial ? v : null);
    }
    return [xs, full, partial] as uPlot.AlignedData;
  }, [days, medium, completeness, tz]);

  const l = lang();
  const options = useMemo<ChartOptions>(() => {
    const time = timeAxis(tz);
    const color =
      medium === 'electricity' ? '31, 95, 191' : medium === 'water' ? '14, 124, 134' : '194, 106, 0';
    const value = (_u: uPlot, v: number | null) =>
      v === null || v === undefined ? '—' : `${num(v, 1)} ${unit}`;
    return {
      ms: time.ms,
      tzDate: time.tzDate,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, v: { range: fromZero() } },
      series: [
        { label: t('date'), value: (_u, v) => (v === null || v === undefined ? '' : dayLabel(v, tz)) },
        {
          label: `${mediumName(medium)} (${unit})`,
          scale: 'v',
          stroke: `rgb(${color})`,
          fill: `rgba(${color}, 0.75)`,
          width: 0,
          paths: dayBars(),
          points: { show: false },
          value,
        },
        {
          label: `${t('completeness')} < 100 %`,
          scale: 'v',
          stroke: `rgb(${color})`,
          fill: `rgba(${color}, 0.3)`,
          width: 1,
          dash: [3, 3],
          paths: dayBars(),
          points: { show: false },
          value,
        },
      ],
      axes: [time.axis, valueAxis('v', unit, 3, 0)],
    };
  }, [tz, medium, unit, l]);

  return (
    <section class="panel" data-panel="days">
      <div class="section-head">
        <h2>{t('dayTitle')}</h2>
        {media.length > 1 && (
          <div class="e-tabs" role="tablist">
            {media.map((m) => (
              <button
                key={m}
                type="button"
                role="tab"
                class="btn btn-small"
                aria-selected={m === medium}
                data-medium={m}
                onClick={() => setMedium(m)}
              >
                {mediumName(m)}
              </button>
            ))}
          </div>
        )}
      </div>
      <div class="e-days">
        <div class="chart-wrap">
          <Chart
            name="days"
            label={`${t('dayTitle')} ${report.period.label} ${mediumName(medium)}`}
            options={options}
            data={data}
            xRange={[report.period.from, report.period.to]}
            height={300}
          />
          <p class="muted e-note">{t('gapsNote')}</p>
        </div>
        <div class="e-scroll e-days-table">
          <table class="table e-table" data-table="days" data-medium={medium}>
            <thead>
              <tr>
                <th>{t('date')}</th>
                <th class="num">
                  {t('consumption')} ({unit})
                </th>
                <th class="num">{t('completeness')}</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.date} data-date={d.date} class={d[medium] === null ? 'e-gap' : undefined}>
                  <td>{dayLabel(zonedTime(d.date, tz) + HALF_DAY, tz)}</td>
                  <td class="num" data-value={d[medium] ?? ''}>
                    {d[medium] === null ? <span class="muted">{t('dayNull')}</span> : num(d[medium], 1)}
                  </td>
                  <td class="num">
                    {completeness ? <Completeness value={completeness.get(d.date)} /> : '…'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
