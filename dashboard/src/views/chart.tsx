import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { fromWallTime } from '../../../core/time/zoned-time.js';
import { lang } from '../i18n.js';

/**
 * uPlot in a Preact component, and what the energy and trends charts share: time in the site's zone (the
 * axis ticks, the legend), units, a palette. The chart is made on mount and again when `options` change
 * (callers memoize them), takes new `data` with setData, and follows its container's width.
 */

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export function Chart(props: {
  options: ChartOptions;
  data: uPlot.AlignedData;
  height?: number;
  /** What the chart shows, for screen readers. */
  label: string;
  /** data-chart, for tests and styles. */
  name?: string;
  /** The x range to show (ms); otherwise the data's. */
  xRange?: [number, number];
  /** Keep the scales the user panned or zoomed to when new data comes. */
  keepScales?: boolean;
  onReady?: (u: uPlot | null) => void;
}) {
  const { options, data, height = 260, xRange, keepScales } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ data, xRange, onReady: props.onReady });
  latest.current = { data, xRange, onReady: props.onReady };

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot(
      { ...options, width: Math.max(el.clientWidth, 120), height },
      latest.current.data,
      el,
    );
    plot.current = u;
    const range = latest.current.xRange;
    if (range) u.setScale('x', { min: range[0], max: range[1] });
    latest.current.onReady?.(u);
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      latest.current.onReady?.(null);
      u.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    if (u.data !== data) u.setData(data, !keepScales);
    if (xRange && !keepScales) u.setScale('x', { min: xRange[0], max: xRange[1] });
  }, [data, xRange?.[0], xRange?.[1]]);

  return (
    <div
      ref={box}
      class="chart-box"
      role="img"
      aria-label={props.label}
      data-chart={props.name}
      data-points={data[0]?.length ?? 0}
    />
  );
}

// ── Time in the site's zone ─────────────────────────────────────────────────

const dtf = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = dtf.get(key);
  if (!f) {
    f = make();
    dtf.set(key, f);
  }
  return f;
}

/** The site's local date (YYYY-MM-DD) of an instant. */
export function dateIn(ms: number, tz: string): string {
  return formatter(`iso|${tz}`, () => new Intl.DateTimeFormat('sv-SE', { timeZone: tz })).format(ms);
}

/** The instant of a wall time in the site's zone (`date` YYYY-MM-DD, minutes after midnight): the hub's rule. */
export function zonedTime(date: string, tz: string, minutes = 0): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return fromWallTime({ year, month, day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, tz);
}

/** YYYY-MM-DD plus n days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** YYYY-MM plus n months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

/** "HH:mm" (or with seconds) in the site's zone, in the user's language. */
export function clockTime(ms: number, tz: string, seconds = false): string {
  return formatter(
    `hm|${lang()}|${tz}|${seconds}`,
    () =>
      new Intl.DateTimeFormat(lang(), {
        timeZone: tz,
        hour: '2-digit',
        minute: '2-digit',
        ...(seconds ? { second: '2-digit' } : {}),
        hourCycle: 'h23',
      }),
  ).format(ms);
}

/** A short date ("Jun 3" / "6月3日") in the site's zone. */
export function shortDate(ms: number, tz: string): string {
  return formatter(
    `md|${lang()}|${tz}`,
    () => new Intl.DateTimeFormat(lang(), { timeZone: tz, month: 'short', day: 'numeric' }),
  ).format(ms);
}

/** Date and time, to the second, in the site's zone. */
export function dateTime(ms: number, tz: string): string {
  return formatter(
    `dt|${lang()}|${tz}`,
    () =>
      new Intl.DateTimeFormat(lang(), {
        timeZone: tz,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }),
  ).format(ms);
}

/** uPlot options for an x axis of ms in the site's zone: tick placement, tick labels and the legend's time. */
export function timeAxis(tz: string): Pick<uPlot.Options, 'ms' | 'tzDate'> & {
  axis: uPlot.Axis;
  value: (u: uPlot, v: number) => string;
} {
  return {
    ms: 1,
    tzDate: (ts: number) => uPlot.tzDate(new Date(ts), tz),
    axis: {
      stroke: '#4a5667',
      grid: { stroke: '#eef1f5', width: 1 },
      ticks: { stroke: '#e1e6ed', width: 1 },
      values: (_u, splits, _axisIdx, _space, incr) => {
        let lastDate = '';
        return splits.map((v) => {
          const date = dateIn(v, tz);
          const newDate = date !== lastDate;
          lastDate = date;
          if (incr >= 86_400_000 - 3_600_000) return shortDate(v, tz);
          const time = clockTime(v, tz, incr < 60_000);
          return newDate ? `${time}\n${shortDate(v, tz)}` : time;
        });
      },
    },
    value: (_u, v) => (v === null || v === undefined ? '' : dateTime(v, tz)),
  };
}

/** A y axis in a unit. */
export function valueAxis(scale: string, unit: string, side: 1 | 3 = 3, digits = 2): uPlot.Axis {
  return {
    scale,
    side,
    label: unit,
    labelSize: 18,
    labelGap: 2,
    size: 56,
    stroke: '#4a5667',
    grid: side === 3 ? { stroke: '#eef1f5', width: 1 } : { show: false },
    ticks: { stroke: '#e1e6ed', width: 1 },
    values: (_u, splits) => splits.map((v) => formatNumber(v, digits)),
  };
}

const nf = new Map<string, Intl.NumberFormat>();
export function formatNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const key = `${lang()}|${digits}`;
  let f = nf.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang(), { maximumFractionDigits: digits });
    nf.set(key, f);
  }
  return f.format(v);
}

/** Units as people write them. */
const UNITS: Record<string, string> = {
  degC: '°C',
  degF: '°F',
  m3: 'm³',
  'm3/h': 'm³/h',
  'm3/s': 'm³/s',
  pct: '%',
};
export const unitText = (unit: string | undefined): string => (unit ? (UNITS[unit] ?? unit) : '');

/** Distinct colours for series. */
export const PALETTE = [
  '#1f5fbf',
  '#c26a00',
  '#0e7c86',
  '#7a4cc2',
  '#c42b1c',
  '#4d7d1e',
  '#b0388a',
  '#5b6674',
  '#d49a00',
  '#2a9d8f',
];

/** Bars from x to the next slot (x is a slot's start); null values draw nothing. */
export const slotBars = () => uPlot.paths.bars!({ align: 1, size: [1, Number.POSITIVE_INFINITY], gap: 1 });
/** Bars centred on x (days). */
export const dayBars = () => uPlot.paths.bars!({ size: [0.7, 64] });

/** A y range from zero up to a little above the largest of max and the extra values. */
export const fromZero =
  (...extra: (number | null | undefined)[]) =>
  (_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax => {
    const top = Math.max(max ?? 0, ...extra.map((v) => v ?? 0));
    return [0, top > 0 ? top * 1.12 : 1];
  };

export { uPlot };
