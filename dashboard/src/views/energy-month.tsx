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
  Change,
  Completeness,
  type FlatMeter,
  type Intervals,
  MEDIA,
  type Medium,
  type MeterRow,
  mediumName,
  moneyText,
  num,
  type Report,
  t,
  unitOf,
} from './energy-common.js';

/** The month's consumption per day, per building and per meter, and its after-hours waste. */

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

export function BuildingsPanel({ report, onZone }: { report: Report; onZone: (zone: string) => void }) {
  const media = MEDIA.filter((m) => report.buildings.some((b) => b.totals.some((x) => x.medium === m)));
  return (
    <section class="panel" data-panel="buildings">
      <div class="section-head">
        <h2>{t('buildingsTitle')}</h2>
      </div>
      <div class="e-scroll">
        <table class="table e-table" data-table="buildings">
          <thead>
            <tr>
              <th>{t('building')}</th>
              {media.map((m) => (
                <th key={m} class="num">
                  {mediumName(m)}
                </th>
              ))}
              <th class="num">{t('cost')}</th>
            </tr>
          </thead>
          <tbody>
            {report.buildings.map((b) => (
              <tr key={b.zone} data-zone={b.zone}>
                <th scope="row">
                  <button type="button" class="e-link" onClick={() => onZone(b.zone ?? '')}>
                    {b.name}
                  </button>
                </th>
                {media.map((m) => {
                  const x = b.totals.find((y) => y.medium === m);
                  return (
                    <td key={m} class="num" data-value={x?.consumption ?? ''}>
                      {x ? (
                        <>
                          {num(x.consumption, 0)} <small class="muted">{unitOf(x.unit)}</small>
                          <br />
                          <Change pct={x.changePct} title={t('vsLast')} />{' '}
                          <Change pct={x.baseline?.deviationPct} title={t('vsBaseline')} />
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  );
                })}
                <td class="num">{moneyText(b.cost, report.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted e-note">
        ▲▼ {t('vsLast')} · {t('vsBaseline')}
      </p>
    </section>
  );
}

/** Leaf meters (no sub-meter in the report) with after-hours use, by waste. */
export function AfterHoursPanel({ report }: { report: Report }) {
  const parents = new Set(report.meters.map((m) => m.parent));
  const rows = report.meters
    .filter((m) => !parents.has(m.id) && m.afterHours && m.afterHours.consumption !== null)
    .sort((a, b) => (b.afterHours?.waste ?? -1) - (a.afterHours?.waste ?? -1));
  const totals = report.totals.filter((x) => x.afterHours);
  const worst = Math.max(0, ...rows.map((m) => m.afterHours?.waste ?? 0));
  return (
    <section class="panel" data-panel="after-hours">
      <div class="section-head">
        <h2>{t('afterHoursTitle')}</h2>
      </div>
      <p class="muted e-note">{t('afterHoursNote')}</p>
      {!totals.length ? (
        <p class="placeholder">{t('noWorkingHours')}</p>
      ) : (
        <div class="e-scroll">
          <table class="table e-table" data-table="after-hours">
            <thead>
              <tr>
                <th>{t('meter')}</th>
                <th class="num">{t('afterHoursUse')}</th>
                <th class="num">{t('afterHoursWaste')}</th>
                <th class="e-bar-col" />
              </tr>
            </thead>
            <tbody>
              {totals.map((x) => (
                <tr key={x.medium} class="e-total-row" data-total={x.medium}>
                  <th scope="row">{mediumName(x.medium)}</th>
                  <td class="num">
                    {num(x.afterHours?.consumption, 0)} <small class="muted">{unitOf(x.unit)}</small>
                  </td>
                  <td class="num" data-value={x.afterHours?.waste ?? ''}>
                    <b>{num(x.afterHours?.waste, 1)}</b> <small class="muted">{unitOf(x.unit)}</small>
                  </td>
                  <td />
                </tr>
              ))}
              {rows.slice(0, 8).map((m) => (
                <tr key={m.id} data-meter={m.id}>
                  <td>{m.name}</td>
                  <td class="num">
                    {num(m.afterHours?.consumption, 0)} <small class="muted">{unitOf(m.unit)}</small>
                  </td>
                  <td class="num" data-value={m.afterHours?.waste ?? ''}>
                    {num(m.afterHours?.waste, 1)} <small class="muted">{unitOf(m.unit)}</small>
                  </td>
                  <td class="e-bar-col">
                    <span
                      class="e-bar"
                      style={{ width: `${worst > 0 ? ((m.afterHours?.waste ?? 0) / worst) * 100 : 0}%` }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {totals.length > 0 && worst === 0 && <p class="muted e-note">{t('nothingAfterHours')}</p>}
    </section>
  );
}

export function MetersPanel({
  report,
  flat,
  zoneName,
  currency,
}: {
  report: Report;
  flat: FlatMeter[];
  zoneName: Map<string, string>;
  currency: string;
}) {
  // the hierarchy's order (parents before their sub-meters), the report's figures
  const byId = new Map(report.meters.map((m) => [m.id, m]));
  const depth = new Map(flat.map((m) => [m.id, m.depth]));
  const ordered: MeterRow[] = [
    ...flat.flatMap((m) => (byId.has(m.id) ? [byId.get(m.id)!] : [])),
    ...report.meters.filter((m) => !depth.has(m.id)),
  ];
  const minDepth = Math.min(...ordered.map((m) => depth.get(m.id) ?? 0));
  return (
    <section class="panel" data-panel="meters">
      <div class="section-head">
        <h2>{t('metersTitle')}</h2>
        <span class="muted">{report.period.label}</span>
      </div>
      {!ordered.length ? (
        <p class="placeholder">{t('empty')}</p>
      ) : (
        <div class="e-scroll">
          <table class="table e-table" data-table="meters">
            <thead>
              <tr>
                <th>{t('meter')}</th>
                <th>{t('zone')}</th>
                <th class="num">{t('consumption')}</th>
                <th class="num">{t('completeness')}</th>
                <th class="num">{t('previous')}</th>
                <th class="num">{t('vsLast')}</th>
                <th class="num">{t('vsBaseline')}</th>
                <th class="num">{t('afterHoursWaste')}</th>
                <th class="num">{t('peakDemand')}</th>
                <th class="num">{t('cost')}</th>
              </tr>
            </thead>
            <tbody>
              {ordered.map((m) => {
                const u = unitOf(m.unit);
                return (
                  <tr key={m.id} data-meter={m.id} class={m.consumption === null ? 'e-gap' : undefined}>
                    <td>
                      <span
                        class="e-indent"
                        style={{ paddingLeft: `${((depth.get(m.id) ?? 0) - minDepth) * 16}px` }}
                      >
                        {m.name}
                        {m.virtual && <span class="badge badge-info e-virtual">{t('virtual')}</span>}
                      </span>
                      <small class="muted mono e-id">
                        {m.id} · {mediumName(m.medium)}
                      </small>
                    </td>
                    <td>{zoneName.get(m.zone) ?? m.zone}</td>
                    <td class="num" data-value={m.consumption ?? ''}>
                      {num(m.consumption, 1)} <small class="muted">{u}</small>
                    </td>
                    <td class="num">
                      <Completeness value={m.completeness} />
                    </td>
                    <td class="num">{num(m.previous.consumption, 1)}</td>
                    <td class="num">
                      <Change pct={m.changePct} />
                    </td>
                    <td class="num">
                      <Change pct={m.baseline?.deviationPct} />
                    </td>
                    <td class="num">{m.afterHours ? num(m.afterHours.waste, 1) : '—'}</td>
                    <td class="num">{m.peakDemandKw !== undefined ? `${num(m.peakDemandKw, 1)} kW` : '—'}</td>
                    <td class="num">{moneyText(m.cost, currency)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
