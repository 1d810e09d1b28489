import { useMemo, useRef, useState } from 'preact/hooks';
import { useApi } from '../hub.js';
import type { AssetAnswer, SiteAnswer } from '../hub-types.js';
import { lang, useLang } from '../i18n.js';
import { navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { Chart, type ChartOptions, formatNumber, unitText, type uPlot } from './chart.js';
import { trendOptions } from './trends-chart.js';
import { TrendChips } from './trends-chips.js';
import { stepText } from './trends-data.js';
import { useTrendData } from './trends-live.js';
import { PointPicker } from './trends-picker.js';
import { RangeBar } from './trends-range.js';
import {
  asPreset,
  MAX_POINTS,
  PRESETS,
  type Preset,
  parseSpec,
  type Spec,
  specHref,
  type TrendPoint,
} from './trends-spec.js';
import { t } from './trends-text.js';

/**
 * Trends (趋势): several points on one time axis, one y axis per unit. Ranges 1 h, 24 h, 7 d, 30 d (ending
 * now: live readings are added as they come) or custom; drag across the chart to zoom in, shift+drag or the
 * arrows to pan. The History API picks the step (at most ~2,000 buckets). The selection is the URL:
 * `#/trends?points=a/x,b/y&range=24h` or `…&range=custom&from=<ISO>&to=<ISO>`.
 */

export default function TrendsView({ route }: { route: Route }) {
  useLang();
  const assets = useApi<AssetAnswer[]>('/assets?values=true');
  const site = useApi<SiteAnswer>('/site');
  if (assets.error)
    return (
      <section class="view trends" data-view-id="trends">
        <h2 class="view-title">{t('title')}</h2>
        <ErrorBox error={assets.error} retry={assets.reload} />
      </section>
    );
  if (!assets.data || (!site.data && !site.error))
    return (
      <section class="view trends" data-view-id="trends">
        <h2 class="view-title">{t('title')}</h2>
        <Loading />
      </section>
    );
  return <Trends route={route} assets={assets.data} site={site.data} />;
}

function Trends({ route, assets, site }: { route: Route; assets: AssetAnswer[]; site?: SiteAnswer }) {
  const tz = site?.site.timezone ?? 'UTC';
  const spec = parseSpec(route.query);
  const specKey = specHref(spec);
  const go = (s: Spec) => navigate(specHref({ ...s, points: s.points.slice(0, MAX_POINTS) }));

  const pointById = useMemo(() => {
    const m = new Map<string, TrendPoint>();
    for (const a of assets) for (const p of a.points) m.set(p.id, { ...p, asset: a });
    return m;
  }, [assets]);
  const points = spec.points;
  const pointsKey = points.join(',');
  const { latest, data, dataOf, meta, version, conn, now, live, reload } = useTrendData({
    spec,
    specKey,
    pointById,
  });

  const units = useMemo(() => {
    const list: string[] = [];
    for (const id of points) {
      const u = unitText(pointById.get(id)?.unit) || '—';
      if (!list.includes(u)) list.push(u);
    }
    return list;
  }, [pointsKey, pointById]);

  // zoom (drag) and pan (shift+drag) report through refs: the chart's options stay the same
  const onRange = useRef<(from: number, to: number) => void>(() => undefined);
  onRange.current = (from, to) => {
    const f = Math.round(from / 1_000) * 1_000;
    const e = Math.min(Math.round(to / 1_000) * 1_000, Date.now());
    if (e - f < 60_000) return;
    const preset = asPreset(f, e, Date.now());
    go(preset ? { points, range: preset } : { points, range: 'custom', from: f, to: e });
  };
  const [panning, setPanning] = useState(false);

  const l = lang();
  const options = useMemo<ChartOptions>(
    () => trendOptions({ tz, units, points, pointById, onRange, setPanning }),
    [tz, pointsKey, units, pointById, l],
  );

  const aligned = useMemo<uPlot.AlignedData>(() => {
    const d = data.current;
    // until the new selection has loaded, nothing (the series must match the chart's)
    if (!d || dataOf.current !== pointsKey) return [[], ...points.map(() => [])] as uPlot.AlignedData;
    return [d.xs, ...d.ys] as uPlot.AlignedData;
  }, [version, pointsKey]);
  /** Each series' newest value on the chart, [bucket, value] (for tests and the curious). */
  const lastShown = useMemo(() => {
    const xs = aligned[0] as number[];
    return JSON.stringify(
      aligned.slice(1).map((ys) => {
        for (let k = ys.length - 1; k >= 0; k--) if (typeof ys[k] === 'number') return [xs[k], ys[k]];
        return null;
      }),
    );
  }, [aligned]);
  const fresh = meta?.key === specKey && !meta.loading && dataOf.current === pointsKey;
  const window: [number, number] | undefined = meta
    ? live
      ? [now - PRESETS[spec.range as Preset], Math.max(now, meta.window[1])]
      : meta.window
    : undefined;

  const add = (id: string) => {
    if (!id || points.includes(id)) return;
    go({ ...spec, points: [...points, id] });
  };
  const remove = (id: string) => go({ ...spec, points: points.filter((p) => p !== id) });
  const span = window ? window[1] - window[0] : PRESETS['24h'];
  const pan = (dir: -1 | 1) => {
    if (!window) return;
    const shift = (span / 2) * dir;
    let to = Math.min(window[1] + shift, Date.now());
    let from = to - span;
    if (dir < 0) {
      from = window[0] + shift;
      to = from + span;
    }
    onRange.current(from, to);
  };
  const zoomOut = () => {
    if (!window) return;
    const mid = (window[0] + window[1]) / 2;
    const to = Math.min(mid + span, Date.now());
    onRange.current(to - span * 2, to);
  };

  return (
    <section class="view trends" data-view-id="trends">
      <div class="energy-head">
        <h2 class="view-title">{t('title')}</h2>
        <RangeBar
          spec={spec}
          tz={tz}
          window={window}
          onPreset={(p) => go({ points, range: p })}
          onCustom={(from, to) => go({ points, range: 'custom', from, to })}
          onPan={pan}
          onZoomOut={zoomOut}
          canPanRight={!live}
        />
      </div>

      <section class="panel" data-panel="trend">
        <div class="section-head">
          <h2>{t('points')}</h2>
          <span class="trend-status">
            {points.length > 0 &&
              (live ? (
                conn === 'live' ? (
                  <span class="badge badge-good" data-live="on">
                    ● {t('live')}
                  </span>
                ) : (
                  <span class="badge badge-warn" data-live="paused">
                    {t('livePaused')}
                  </span>
                )
              ) : (
                <span class="badge" data-live="off">
                  {t('notLive')}
                </span>
              ))}
            {meta?.answer && (
              <span class="muted" data-step={meta.answer.step}>
                {t('step', {
                  step: stepText(meta.answer.step),
                  agg: meta.answer.agg,
                  n: formatNumber(Math.round((meta.answer.to - meta.answer.from) / meta.answer.step), 0),
                  source: meta.answer.source,
                })}
              </span>
            )}
          </span>
        </div>
        <PointPicker
          assets={assets}
          site={site}
          chosen={points}
          onAdd={add}
          full={points.length >= MAX_POINTS}
        />
        {points.length > 0 && (
          <TrendChips
            points={points}
            pointById={pointById}
            latest={latest}
            series={fresh ? data.current?.ys : undefined}
            tz={tz}
            onRemove={remove}
          />
        )}
        {meta?.error !== undefined && <ErrorBox error={meta.error} retry={reload} />}
        {!points.length ? (
          <p class="placeholder">{t('pickPoints')}</p>
        ) : (
          <div
            class={`chart-wrap${meta?.loading ? ' stale' : ''}`}
            aria-busy={meta?.loading}
            data-units={units.join(',')}
            data-last={lastShown}
          >
            <Chart
              name="trend"
              label={`${t('title')}: ${points.join(', ')}`}
              options={options}
              data={aligned}
              xRange={window}
              keepScales={panning}
              height={420}
            />
            {!fresh && meta?.loading && <p class="chart-empty">{t('loading')}</p>}
          </div>
        )}
        {points.length > 0 && <p class="muted e-note">{t('hint')}</p>}
      </section>
    </section>
  );
}
