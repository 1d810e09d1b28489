import { useEffect, useMemo, useState } from 'preact/hooks';
import type {
  FleetHistoryAnswer,
  FleetPointRow,
  FleetSiteRow,
} from '../../../domains/fleet/fleet-api-types.js';
import { api } from '../hub.js';
import { lang, useLang } from '../i18n.js';
import { href, type Route } from '../router.js';
import { ErrorBox, Loading, useNow } from '../ui.js';
import {
  Chart,
  type ChartOptions,
  formatNumber,
  timeAxis,
  unitText,
  type uPlot,
  valueAxis,
} from './chart.js';
import { Age, digitsFor, useFleetSite, usePoll } from './fleet-common.js';
import { kindWord, PointValue, SiteHead, StateNotice } from './fleet-site.js';
import { type FleetKey, ft } from './fleet-text.js';

const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
type RangeId = keyof typeof RANGES;
/** Charts drawn at once; more are a click away (a site's asset can have hundreds of points). */
const MAX_CHARTS = 12;

/** A point worth a trend: a number now, or nothing yet of a kind that is one. */
const plottable = (p: FleetPointRow) =>
  typeof p.value === 'number' || (p.value === null && (p.kind === 'measurement' || p.kind === 'counter'));

/**
 * `#/fleet/<site>/<asset>`: one asset of a site from the central's data: its points (latest value, quality, age;
 * the last known greyed when the site or the asset is not online) and a trend per numeric point from the central's
 * InfluxDB, in the site's time zone.
 */
export default function FleetAssetView({
  siteId,
  assetId,
  route,
}: {
  siteId: string;
  assetId: string;
  route: Route;
}) {
  useLang();
  const answer = useFleetSite(siteId, 'asset');
  const now = useNow();
  const [all, setAll] = useState(false);
  const rangeParam = route.query.get('range');
  const range: RangeId = rangeParam && rangeParam in RANGES ? (rangeParam as RangeId) : '24h';

  if (!answer.data) return answer.fallback;
  const { site } = answer.data;
  const asset = answer.data.assets.find((a) => a.id === assetId);
  if (!asset)
    return (
      <section class="view fl" data-view-id="fleet" data-fleet-page="asset">
        <p class="placeholder" data-not-found>
          {ft('assetNotFound', { id: assetId })} <a href={href('fleet', [site.id])}>{site.name || site.id}</a>
        </p>
      </section>
    );

  const numeric = asset.points.filter(plottable);
  const charts = all ? numeric : numeric.slice(0, MAX_CHARTS);
  const tz = site.timezone || 'UTC';
  return (
    <section
      class="view fl"
      data-view-id="fleet"
      data-fleet-page="asset"
      data-site={site.id}
      data-asset={asset.id}
      data-asset-state={asset.state}
    >
      <SiteHead site={site} asset={asset} now={now} />
      <StateNotice site={site} />
      {asset.state === 'offline' && site.state === 'online' && (
        <p class="fl-notice fl-notice-bad" role="status" data-part="asset-offline">
          {ft('assetOfflineTip')}
        </p>
      )}
      <section class="panel fl-panel" data-section="points">
        <div class="section-head">
          <h2>
            {ft('points')} <small class="muted">{asset.points.length}</small>
          </h2>
        </div>
        {asset.points.length ? (
          <table class="table fl-points-table">
            <thead>
              <tr>
                <th scope="col">{ft('point')}</th>
                <th scope="col" class="num">
                  {ft('value')}
                </th>
                <th scope="col">{ft('updated')}</th>
              </tr>
            </thead>
            <tbody>
              {asset.points.map((p) => (
                <tr
                  key={p.name}
                  class={`fl-prow${p.stale || p.quality !== 'good' ? ' fl-point-stale' : ''}`}
                  data-point={p.name}
                  data-stale={p.stale ? 'true' : 'false'}
                  data-quality={p.quality}
                >
                  <th scope="row" title={p.name}>
                    {p.label ?? p.name}
                    {kindWord(p) && <small class="muted fl-kind-word">{kindWord(p)}</small>}
                  </th>
                  <td class="num" data-label={ft('value')}>
                    <PointValue p={p} />
                  </td>
                  <td class="fl-age" data-label={ft('updated')}>
                    <Age ms={p.ts} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="placeholder">{ft('noPoints')}</p>
        )}
      </section>
      <section class="panel fl-panel" data-section="trends">
        <div class="section-head">
          <h2>{ft('trends')}</h2>
          <nav class="fl-ranges" aria-label={ft('range')}>
            {(Object.keys(RANGES) as RangeId[]).map((r) => (
              <a
                key={r}
                class="btn btn-small"
                href={href('fleet', [site.id, asset.id], { range: r })}
                aria-current={r === range ? 'page' : undefined}
                data-range={r}
              >
                {ft(`r-${r}` as FleetKey)}
              </a>
            ))}
          </nav>
        </div>
        <p class="muted fl-history-note">{ft('historyNote', { tz })}</p>
        {!numeric.length && <p class="placeholder">{ft('noNumeric')}</p>}
        <div class="fl-charts">
          {charts.map((p) => (
            <PointTrend
              key={`${p.name}|${range}`}
              site={site}
              assetId={asset.id}
              point={p}
              range={range}
              tz={tz}
            />
          ))}
        </div>
        {numeric.length > charts.length && (
          <p class="fl-more-charts">
            {ft('moreCharts', { n: numeric.length - charts.length })}{' '}
            <button type="button" class="btn btn-small" onClick={() => setAll(true)} data-action="all-charts">
              {ft('showAll')}
            </button>
          </p>
        )}
      </section>
    </section>
  );
}

/** One point's history from the central's InfluxDB, reloaded every 30 s (a minute for the week). */
function PointTrend(props: {
  site: FleetSiteRow;
  assetId: string;
  point: FleetPointRow;
  range: RangeId;
  tz: string;
}) {
  const { site, assetId, point, range, tz } = props;
  const [answer, setAnswer] = useState<{ data: FleetHistoryAnswer; from: number; to: number } | null>(null);
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  usePoll(() => setTick((t) => t + 1), range === '7d' ? 60_000 : 30_000);

  useEffect(() => {
    let live = true;
    const to = Date.now();
    const from = to - RANGES[range];
    const q = new URLSearchParams({ point: point.name, from: String(from), to: String(to) });
    api<FleetHistoryAnswer>(
      `/fleet/sites/${encodeURIComponent(site.id)}/assets/${encodeURIComponent(assetId)}/history?${q}`,
    ).then(
      (data) => {
        if (!live) return;
        setAnswer({ data, from, to });
        setError(undefined);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [site.id, assetId, point.name, range, tick]);

  const unit = unitText(answer?.data.unit || point.unit);
  const l = lang();
  const options = useMemo<ChartOptions>(() => {
    const time = timeAxis(tz);
    return {
      ms: time.ms,
      tzDate: time.tzDate,
      cursor: { drag: { x: false, y: false } },
      legend: { show: false },
      // a flat or narrow line gets room around it (and more than one tick)
      scales: {
        x: { time: true },
        y: {
          range: (_u, min, max) => {
            if (min === null || max === null) return [0, 1];
            const pad = Math.max((max - min) * 0.15, Math.abs(max) * 0.02, 0.5);
            return [min - pad, max + pad];
          },
        },
      },
      series: [
        { label: ft('time'), value: time.value },
        {
          label: point.label ?? point.name,
          scale: 'y',
          stroke: point.stale ? '#8c959f' : '#1f5fbf',
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) =>
            v === null || v === undefined ? '—' : `${formatNumber(v, 2)} ${unit}`,
        },
      ],
      axes: [time.axis, { ...valueAxis('y', unit, 3, 2), label: undefined, size: 52 }],
    };
  }, [tz, unit, l, point.name, point.label, point.stale]);

  const data = useMemo<uPlot.AlignedData>(() => {
    const values = answer?.data.values ?? [];
    return [values.map((v) => v[0]), values.map((v) => v[1])] as uPlot.AlignedData;
  }, [answer]);
  const xRange = useMemo<[number, number] | undefined>(
    () => (answer ? [answer.from, answer.to] : undefined),
    [answer],
  );
  const last = answer?.data.values.at(-1);

  return (
    <figure class="fl-chart" data-trend={point.name} data-points={answer?.data.values.length ?? 0}>
      <figcaption class="fl-chart-head">
        <span class="fl-chart-name" title={point.name}>
          {point.label ?? point.name}
        </span>
        <span class="muted">
          {unit}
          {last ? ` · ${formatNumber(last[1], digitsFor(last[1]))}` : ''}
        </span>
      </figcaption>
      {error !== undefined && <ErrorBox error={error} retry={() => setTick((t) => t + 1)} />}
      {answer && (
        <div class="chart-wrap">
          <Chart
            name="fleet-trend"
            label={ft('chartLabel', { name: point.name })}
            options={options}
            data={data}
            xRange={xRange}
            height={180}
          />
          {!answer.data.values.length && <p class="chart-empty">{ft('noHistory')}</p>}
        </div>
      )}
      {!answer && error === undefined && <Loading />}
    </figure>
  );
}
