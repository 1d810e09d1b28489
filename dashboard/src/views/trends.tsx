import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, useApi, useHubEvent } from '../hub.js';
import { lang, messages, useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import {
  Chart,
  type ChartOptions,
  dateIn,
  dateTime,
  formatNumber,
  PALETTE,
  timeAxis,
  unitText,
  type uPlot,
  valueAxis,
  zonedTime,
} from './chart.js';
import {
  alignSeries,
  type HistoryAnswer,
  putLive,
  stepText,
  type TrendData,
  trimBefore,
} from './trends-data.js';

/**
 * Trends (趋势): several points on one time axis, one y axis per unit. Ranges 1 h, 24 h, 7 d, 30 d (ending
 * now: live readings are added as they come) or custom; drag across the chart to zoom in, shift+drag or the
 * arrows to pan. The History API picks the step (at most ~2,000 buckets). The selection is the URL:
 * `#/trends?points=a/x,b/y&range=24h` or `…&range=custom&from=<ISO>&to=<ISO>`.
 */

const t = messages({
  en: {
    title: 'Trends',
    points: 'Points',
    addPoint: 'Add a point…',
    filter: 'Filter points',
    remove: 'Remove {name}',
    range: 'Range',
    custom: 'Custom',
    from: 'From',
    to: 'To',
    apply: 'Apply',
    panLeft: 'Earlier',
    panRight: 'Later',
    zoomOut: 'Zoom out',
    live: 'Live',
    livePaused: 'Live paused (connection lost)',
    notLive: 'Fixed range',
    pickPoints: 'Pick one or more points to plot.',
    tooMany: 'At most {n} points on one chart.',
    noData: 'no data in this range',
    stale: 'stale',
    bad: 'bad',
    noValue: 'no value yet',
    hint: 'Drag across the chart to zoom in; shift+drag or ← → to pan.',
    step: 'step {step} · {agg} · {n} buckets · {source}',
    time: 'Time',
    loading: 'Loading…',
    badRange: 'From must be before to.',
  },
  'zh-CN': {
    title: '趋势',
    points: '测点',
    addPoint: '添加测点…',
    filter: '筛选测点',
    remove: '移除 {name}',
    range: '时间范围',
    custom: '自定义',
    from: '从',
    to: '到',
    apply: '应用',
    panLeft: '向前',
    panRight: '向后',
    zoomOut: '缩小',
    live: '实时',
    livePaused: '实时已暂停（连接中断）',
    notLive: '固定时段',
    pickPoints: '请选择一个或多个测点。',
    tooMany: '一张图最多 {n} 个测点。',
    noData: '该时段无数据',
    stale: '陈旧',
    bad: '异常',
    noValue: '尚无数据',
    hint: '在图上拖选可放大；按住 Shift 拖动或点 ← → 平移。',
    step: '步长 {step} · {agg} · {n} 个点 · {source}',
    time: '时间',
    loading: '加载中…',
    badRange: '开始时间须早于结束时间。',
  },
});

const PRESETS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
type Preset = keyof typeof PRESETS;
const PRESET_LABEL: Record<Preset, { en: string; 'zh-CN': string }> = {
  '1h': { en: '1 h', 'zh-CN': '1 小时' },
  '24h': { en: '24 h', 'zh-CN': '24 小时' },
  '7d': { en: '7 d', 'zh-CN': '7 天' },
  '30d': { en: '30 d', 'zh-CN': '30 天' },
};
const MAX_POINTS = 12;

interface PointInfo {
  id: string;
  name: string;
  label?: string;
  unit: string;
  kind: string;
  type: string;
  intervalMs?: number;
  latest?: Latest;
}
interface Latest {
  value: unknown;
  quality: 'good' | 'uncertain' | 'bad';
  ts: number | null;
}
interface Asset {
  id: string;
  name: string;
  zone: string;
  points: PointInfo[];
}
interface SiteAnswer {
  site: { timezone?: string };
  zones: { id: string; name: string; children?: SiteAnswer['zones'] }[];
}

interface Spec {
  points: string[];
  range: Preset | 'custom';
  from?: number;
  to?: number;
}

const parseInstant = (s: string | null) => {
  if (!s) return undefined;
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
};
const isoOf = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/:00\.000Z$/, 'Z')
    .replace(/\.000Z$/, 'Z');

function parseSpec(q: URLSearchParams): Spec {
  const points = [...new Set((q.get('points') ?? '').split(',').filter(Boolean))].slice(0, MAX_POINTS);
  const range = q.get('range') ?? '24h';
  if (range === 'custom') {
    const from = parseInstant(q.get('from'));
    const to = parseInstant(q.get('to'));
    if (from !== undefined && to !== undefined && from < to) return { points, range, from, to };
  }
  return { points, range: range in PRESETS ? (range as Preset) : '24h' };
}

function specHref(s: Spec): string {
  const query: Record<string, string> = {};
  if (s.points.length) query.points = s.points.join(',');
  query.range = s.range;
  if (s.range === 'custom' && s.from !== undefined && s.to !== undefined) {
    query.from = isoOf(s.from);
    query.to = isoOf(s.to);
  }
  // commas and slashes kept readable: the link is meant to be shared
  return href('trends', [], query).replace(/%2C/g, ',').replace(/%2F/g, '/');
}

/** A preset of exactly this span, if the range ends now. */
function asPreset(from: number, to: number, now: number): Preset | undefined {
  if (now - to > 5_000) return undefined;
  return (Object.keys(PRESETS) as Preset[]).find((p) => Math.abs(PRESETS[p] - (to - from)) < 1_000);
}

export default function TrendsView({ route }: { route: Route }) {
  useLang();
  const assets = useApi<Asset[]>('/assets?values=true');
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

function Trends({ route, assets, site }: { route: Route; assets: Asset[]; site?: SiteAnswer }) {
  const tz = site?.site.timezone ?? 'UTC';
  const spec = parseSpec(route.query);
  const specKey = specHref(spec);
  const go = (s: Spec) => navigate(specHref({ ...s, points: s.points.slice(0, MAX_POINTS) }));

  const pointById = useMemo(() => {
    const m = new Map<string, PointInfo & { asset: Asset }>();
    for (const a of assets) for (const p of a.points) m.set(p.id, { ...p, asset: a });
    return m;
  }, [assets]);
  const points = spec.points;
  const pointsKey = points.join(',');

  // latest values: from the asset list, then live
  const [latest, setLatest] = useState(() => {
    const m = new Map<string, Latest>();
    for (const p of pointById.values()) if (p.latest) m.set(p.id, p.latest);
    return m;
  });

  // the data, kept in a ref and mutated by live readings; `version` re-renders
  const data = useRef<TrendData | null>(null);
  /** Which points data.current is of. */
  const dataOf = useRef('');
  /** The newest live reading put in, per point (the hub sends a value again when its quality changes). */
  const liveTs = useRef(new Map<string, number>());
  /** Live readings that came while history was loading: put in after it, if newer than what it covers. */
  const pending = useRef<{ pointId: string; ts: number; value: number }[]>([]);
  const [meta, setMeta] = useState<{
    key: string;
    answer?: Omit<HistoryAnswer, 'series'>;
    error?: unknown;
    loading: boolean;
    window: [number, number];
  }>();
  const [version, setVersion] = useState(0);
  const [conn, setConn] = useState<string>('live');
  const [reloadKey, setReloadKey] = useState(0);
  const live = spec.range !== 'custom';

  useEffect(() => {
    if (!points.length) {
      data.current = null;
      setMeta(undefined);
      return;
    }
    const now = Date.now();
    const to = spec.range === 'custom' ? spec.to! : Math.ceil(now / 1_000) * 1_000;
    const from = spec.range === 'custom' ? spec.from! : to - PRESETS[spec.range];
    let current = true;
    setMeta((m) => ({ key: specKey, answer: m?.answer, loading: true, window: [from, to] }));
    pending.current = [];
    api<HistoryAnswer>(
      `/history?points=${points.map(encodeURIComponent).join(',')}&from=${from}&to=${to}`,
    ).then(
      (answer) => {
        if (!current) return;
        const d = alignSeries(answer, points, (id) => pointById.get(id)?.intervalMs);
        data.current = d;
        dataOf.current = pointsKey;
        liveTs.current.clear();
        for (const r of pending.current) {
          const i = points.indexOf(r.pointId);
          if (i < 0 || r.ts < to || r.ts <= (liveTs.current.get(r.pointId) ?? 0)) continue;
          liveTs.current.set(r.pointId, r.ts);
          putLive(d, i, r.ts, r.value);
        }
        pending.current = [];
        const { series: _, ...rest } = answer;
        setMeta({ key: specKey, answer: rest, loading: false, window: [from, to] });
        setVersion((v) => v + 1);
      },
      (error: unknown) => {
        if (!current) return;
        setMeta({ key: specKey, error, loading: false, window: [from, to] });
      },
    );
    return () => {
      current = false;
    };
  }, [specKey, reloadKey]);

  // a live range slides with the clock
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(timer);
  }, [live]);

  useHubEvent<{ pointId: string; value: unknown; quality: Latest['quality']; ts: number | null }[]>(
    'values',
    (batch) => {
      let changed = false;
      let next: Map<string, Latest> | undefined;
      for (const v of batch) {
        const i = points.indexOf(v.pointId);
        if (i < 0) continue;
        next ??= new Map(latest);
        next.set(v.pointId, { value: v.value, quality: v.quality, ts: v.ts });
        if (!live || typeof v.value !== 'number' || v.ts === null || v.quality === 'bad') continue;
        const d = data.current;
        if (!d || dataOf.current !== pointsKey || meta?.key !== specKey || meta.loading) {
          if (pending.current.length < 10_000)
            pending.current.push({ pointId: v.pointId, ts: v.ts, value: v.value });
          continue;
        }
        if (v.ts <= (liveTs.current.get(v.pointId) ?? 0)) continue;
        liveTs.current.set(v.pointId, v.ts);
        putLive(d, i, v.ts, v.value);
        changed = true;
      }
      if (next) setLatest(next);
      if (changed && data.current && spec.range !== 'custom') {
        trimBefore(data.current, Date.now() - PRESETS[spec.range]);
        setVersion((x) => x + 1);
        setNow(Date.now());
      }
    },
    [latest, pointsKey, live, meta, specKey],
  );
  useHubEvent<string>(
    'conn',
    (s) => {
      // back after a break: what was missed comes from history
      if (s === 'live' && conn !== 'live' && live) setReloadKey((k) => k + 1);
      setConn(s);
    },
    [conn, live],
  );

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
  const options = useMemo<ChartOptions>(() => {
    const time = timeAxis(tz);
    const scaleOf = (unit: string) => `u${units.indexOf(unit)}`;
    return {
      ms: time.ms,
      tzDate: time.tzDate,
      cursor: {
        drag: { x: true, y: false, setScale: false },
        bind: {
          mousedown: (u, _target, handler) => (e: MouseEvent) => {
            if (!e.shiftKey) return handler(e);
            startPan(u, e, setPanning, (a, b) => onRange.current(a, b));
            return null;
          },
        },
      },
      scales: Object.fromEntries([['x', { time: true }], ...units.map((u) => [scaleOf(u), { auto: true }])]),
      series: [
        { label: t('time'), value: time.value },
        ...points.map((id, i) => {
          const p = pointById.get(id);
          const unit = unitText(p?.unit) || '—';
          return {
            label: p ? `${p.asset.name} · ${p.label ?? p.name}` : id,
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
        ...units.map((u, i) => valueAxis(scaleOf(u), u === '—' ? '' : u, i % 2 === 0 ? 3 : 1, 2)),
      ],
      hooks: {
        setSelect: [
          (u: uPlot) => {
            const { left, width } = u.select;
            if (width < 5) return;
            const a = u.posToVal(left, 'x');
            const b = u.posToVal(left + width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onRange.current(a, b);
          },
        ],
      },
    };
  }, [tz, pointsKey, units, pointById, l]);

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
          <ul class="trend-chips">
            {points.map((id, i) => {
              const p = pointById.get(id);
              const lv = latest.get(id);
              const ys = fresh ? data.current?.ys[i] : undefined;
              const empty = ys !== undefined && !ys.some((v) => typeof v === 'number');
              const q = lv?.ts === null || lv?.ts === undefined ? 'none' : lv.quality;
              return (
                <li key={id} class="trend-chip" data-point={id} data-quality={q}>
                  <span class="trend-swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
                  <span class="trend-chip-name">
                    {p ? `${p.asset.name} · ${p.label ?? p.name}` : id}
                    <small class="muted mono">{id}</small>
                  </span>
                  <span class="trend-chip-value" data-value={typeof lv?.value === 'number' ? lv.value : ''}>
                    {q === 'none' ? (
                      <span class="muted">{t('noValue')}</span>
                    ) : (
                      <>
                        <span>
                          <b>
                            {typeof lv?.value === 'number'
                              ? formatNumber(lv.value, 2)
                              : String(lv?.value ?? '—')}
                          </b>{' '}
                          {unitText(p?.unit)}
                        </span>
                        <small class="muted">{lv?.ts ? dateTime(lv.ts, tz) : ''}</small>
                      </>
                    )}
                  </span>
                  {q === 'uncertain' && <span class="badge badge-warn">{t('stale')}</span>}
                  {q === 'bad' && <span class="badge badge-bad">{t('bad')}</span>}
                  {empty && <span class="badge">{t('noData')}</span>}
                  {!p && <span class="badge badge-bad">?</span>}
                  <button
                    type="button"
                    class="trend-chip-x"
                    aria-label={t('remove', { name: p?.label ?? p?.name ?? id })}
                    title={t('remove', { name: p?.label ?? p?.name ?? id })}
                    onClick={() => remove(id)}
                  >
                    ×
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {meta?.error !== undefined && (
          <ErrorBox error={meta.error} retry={() => setReloadKey((k) => k + 1)} />
        )}
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

/** Shift+drag: move the x scale with the mouse, and report the range when the button is let go. */
function startPan(
  u: uPlot,
  e: MouseEvent,
  setPanning: (on: boolean) => void,
  done: (from: number, to: number) => void,
) {
  const min0 = u.scales.x?.min ?? 0;
  const max0 = u.scales.x?.max ?? 0;
  const x0 = e.clientX;
  const width = u.over.clientWidth || 1;
  setPanning(true);
  const shift = (ev: MouseEvent) => ((x0 - ev.clientX) / width) * (max0 - min0);
  const move = (ev: MouseEvent) => {
    const d = shift(ev);
    u.setScale('x', { min: min0 + d, max: max0 + d });
  };
  const up = (ev: MouseEvent) => {
    document.removeEventListener('mousemove', move);
    document.removeEventListener('mouseup', up);
    setPanning(false);
    const d = shift(ev);
    if (Math.abs(d) > 0) done(min0 + d, max0 + d);
  };
  document.addEventListener('mousemove', move);
  document.addEventListener('mouseup', up);
}

function RangeBar(props: {
  spec: Spec;
  tz: string;
  window: [number, number] | undefined;
  onPreset: (p: Preset) => void;
  onCustom: (from: number, to: number) => void;
  onPan: (dir: -1 | 1) => void;
  onZoomOut: () => void;
  canPanRight: boolean;
}) {
  const { spec, tz, window } = props;
  const l = lang();
  const local = (ms: number) =>
    `${dateIn(ms, tz)}T${new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms)}`;
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState('');
  const w0 = window?.[0];
  const w1 = window?.[1];
  // the inputs show the range in view (in the site's time zone) until edited
  useEffect(() => {
    if (w0 === undefined || w1 === undefined) return;
    setFrom(local(w0));
    setTo(local(w1));
  }, [Math.round((w0 ?? 0) / 60_000), Math.round((w1 ?? 0) / 60_000), tz]);
  const parse = (v: string) => {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(v);
    return m ? zonedTime(m[1]!, tz, Number(m[2]) * 60 + Number(m[3])) : undefined;
  };
  const apply = (ev: Event) => {
    ev.preventDefault();
    const a = parse(from);
    const b = parse(to);
    if (a === undefined || b === undefined || a >= b) {
      setError(t('badRange'));
      return;
    }
    setError('');
    props.onCustom(a, Math.min(b, Date.now()));
  };
  return (
    <form class="toolbar trend-range" onSubmit={apply}>
      <fieldset class="e-tabs">
        <legend class="e-sr">{t('range')}</legend>
        {(Object.keys(PRESETS) as Preset[]).map((p) => (
          <button
            key={p}
            type="button"
            class="btn btn-small"
            aria-pressed={spec.range === p}
            data-range={p}
            onClick={() => props.onPreset(p)}
          >
            {PRESET_LABEL[p][l]}
          </button>
        ))}
        <button
          type="button"
          class="btn btn-small"
          aria-pressed={spec.range === 'custom'}
          data-range="custom"
          onClick={() => window && props.onCustom(window[0], window[1])}
        >
          {t('custom')}
        </button>
      </fieldset>
      <label class="e-field">
        <span>{t('from')}</span>
        <input
          type="datetime-local"
          data-control="from"
          value={from}
          onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
        />
      </label>
      <label class="e-field">
        <span>{t('to')}</span>
        <input
          type="datetime-local"
          data-control="to"
          value={to}
          onInput={(e) => setTo((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="btn btn-small">
        {t('apply')}
      </button>
      <span class="e-tabs">
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('panLeft')}
          title={t('panLeft')}
          data-pan="left"
          onClick={() => props.onPan(-1)}
        >
          ←
        </button>
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('zoomOut')}
          title={t('zoomOut')}
          data-zoom="out"
          onClick={props.onZoomOut}
        >
          −
        </button>
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('panRight')}
          title={t('panRight')}
          data-pan="right"
          disabled={!props.canPanRight}
          onClick={() => props.onPan(1)}
        >
          →
        </button>
      </span>
      {error && (
        <span class="form-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

function PointPicker(props: {
  assets: Asset[];
  site?: SiteAnswer;
  chosen: string[];
  onAdd: (id: string) => void;
  full: boolean;
}) {
  const [filter, setFilter] = useState('');
  const zoneName = useMemo(() => {
    const m = new Map<string, string>();
    const walk = (zs: SiteAnswer['zones'] = []) => {
      for (const z of zs) {
        m.set(z.id, z.name);
        walk(z.children);
      }
    };
    walk(props.site?.zones);
    return m;
  }, [props.site]);
  const f = filter.trim().toLowerCase();
  const groups = props.assets
    .map((a) => ({
      a,
      points: a.points.filter(
        (p) =>
          p.type === 'number' &&
          !props.chosen.includes(p.id) &&
          (!f ||
            `${a.name} ${a.id} ${p.id} ${p.label ?? ''} ${zoneName.get(a.zone) ?? ''}`
              .toLowerCase()
              .includes(f)),
      ),
    }))
    .filter((g) => g.points.length);
  const onChange = (e: Event) => {
    const el = e.target as HTMLSelectElement;
    props.onAdd(el.value);
    el.value = '';
  };
  return (
    <div class="toolbar trend-picker">
      <input
        type="search"
        placeholder={t('filter')}
        aria-label={t('filter')}
        data-control="filter"
        value={filter}
        onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
      />
      <select data-control="add-point" aria-label={t('addPoint')} disabled={props.full} onChange={onChange}>
        <option value="">{props.full ? t('tooMany', { n: MAX_POINTS }) : t('addPoint')}</option>
        {groups.map(({ a, points }) => (
          <optgroup key={a.id} label={`${a.name}${zoneName.get(a.zone) ? ` · ${zoneName.get(a.zone)}` : ''}`}>
            {points.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label ?? p.name}
                {p.unit ? ` (${unitText(p.unit)})` : ''}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
