import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, useHubEvent } from '../hub.js';
import { lang } from '../i18n.js';
import { href } from '../router.js';
import { ErrorBox } from '../ui.js';
import { type AssetPoint, type Latest, pointLabel } from './asset-points.js';
import { t } from './asset-text.js';
import {
  Chart,
  type ChartOptions,
  formatNumber,
  PALETTE,
  timeAxis,
  unitText,
  type uPlot,
  valueAxis,
} from './chart.js';
import { alignSeries, type HistoryAnswer, putLive, type TrendData, trimBefore } from './trends-data.js';

const DAY = 86_400_000;
/** More lines than this on a small chart are a tangle: the rest are a click away in Trends. */
export const MAX_LINES = 8;

/**
 * The asset's numeric points over the last 24 hours (the History API), live readings added as they come, and
 * a link to the same points in Trends. One y scale per unit; the first two units get an axis.
 */
export function AssetTrend({ points, tz }: { points: AssetPoint[]; tz: string }) {
  const ids = points.map((p) => p.id);
  const key = ids.join(',');
  const data = useRef<TrendData | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  /** Per point, the newest reading on the chart: the history's end at first, then the live ones. */
  const shown = useRef(new Map<string, number>());

  useEffect(() => {
    if (!ids.length) return;
    let live = true;
    const to = Math.ceil(Date.now() / 1_000) * 1_000;
    const from = to - DAY;
    setError(undefined);
    api<HistoryAnswer>(`/history?points=${ids.map(encodeURIComponent).join(',')}&from=${from}&to=${to}`).then(
      (answer) => {
        if (!live) return;
        data.current = alignSeries(answer, ids, (id) => points.find((p) => p.id === id)?.intervalMs);
        shown.current = new Map(ids.map((id) => [id, to]));
        setVersion((v) => v + 1);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [key, reload]);

  useHubEvent<Latest[]>(
    'values',
    (batch) => {
      const d = data.current;
      if (!d) return;
      let changed = false;
      for (const v of batch) {
        const i = ids.indexOf(v.pointId);
        if (i < 0 || typeof v.value !== 'number' || v.ts === null || v.quality === 'bad') continue;
        if (v.ts <= (shown.current.get(v.pointId) ?? 0)) continue;
        shown.current.set(v.pointId, v.ts);
        putLive(d, i, v.ts, v.value);
        changed = true;
      }
      if (changed) {
        trimBefore(d, Date.now() - DAY);
        setVersion((x) => x + 1);
      }
    },
    [key],
  );

  const units = useMemo(() => {
    const list: string[] = [];
    for (const p of points) {
      const u = unitText(p.unit) || '—';
      if (!list.includes(u)) list.push(u);
    }
    return list;
  }, [key]);

  const l = lang();
  const options = useMemo<ChartOptions>(() => {
    const time = timeAxis(tz);
    const scaleOf = (unit: string) => `u${units.indexOf(unit)}`;
    return {
      ms: time.ms,
      tzDate: time.tzDate,
      cursor: { drag: { x: false, y: false } },
      scales: Object.fromEntries([['x', { time: true }], ...units.map((u) => [scaleOf(u), { auto: true }])]),
      series: [
        { label: t('time'), value: time.value },
        ...points.map((p, i) => {
          const unit = unitText(p.unit) || '—';
          return {
            label: pointLabel(p),
            scale: scaleOf(unit),
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            value: (_u: uPlot, v: number | null) =>
              v === null || v === undefined ? '—' : `${formatNumber(v, 2)} ${unit === '—' ? '' : unit}`,
          };
        }),
      ],
      axes: [
        time.axis,
        ...units.map((u, i) => ({
          ...valueAxis(scaleOf(u), u === '—' ? '' : u, i === 0 ? 3 : 1, 2),
          show: i < 2,
        })),
      ],
    };
  }, [tz, key, units, l]);

  const aligned = useMemo<uPlot.AlignedData>(() => {
    const d = data.current;
    if (!d) return [[], ...ids.map(() => [])] as uPlot.AlignedData;
    return [d.xs, ...d.ys] as uPlot.AlignedData;
  }, [version, key]);
  const now = Date.now();
  const window = useMemo<[number, number]>(() => [now - DAY, now], [version]);

  const link = href('trends', [], { points: key, range: '24h' });
  return (
    <section class="panel as-trend" data-section="trend">
      <div class="section-head">
        <h2>{t('trend')}</h2>
        {ids.length > 0 && (
          <a class="btn btn-small" href={link} data-link="trends">
            {t('openTrends')}
          </a>
        )}
      </div>
      {error !== undefined && <ErrorBox error={error} retry={() => setReload((r) => r + 1)} />}
      {!ids.length ? (
        <p class="placeholder">{t('noNumeric')}</p>
      ) : (
        <div class="chart-wrap">
          <Chart
            name="asset-trend"
            label={t('chartLabel', { name: points.map(pointLabel).join(', ') })}
            options={options}
            data={aligned}
            xRange={window}
            height={240}
          />
          {data.current && !data.current.xs.length && <p class="chart-empty">{t('noHistory')}</p>}
        </div>
      )}
    </section>
  );
}
