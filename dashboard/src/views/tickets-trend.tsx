import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { fmtDateTime, fmtNumber, fmtTime, useLang } from '../i18n.js';
import type { TrendSnapshot } from './tickets-common.js';
import { t } from './tickets-text.js';

/**
 * The evidence's trend snapshot (the points' history up to the alert) drawn with uPlot: one line per point,
 * one y axis per unit (the first two get a scale on the left and the right), the alert's raise as a red
 * dashed line and its clearing, if any, as a green one.
 */

const COLORS = ['#1f5fbf', '#c26a00', '#0e7c86', '#7a4cc2', '#c42b1c', '#137333', '#5b6674', '#b8327a'];

const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null;

/** The series on one time axis: the union of their timestamps, a gap where a series has no value. */
export function alignTrend(trend: TrendSnapshot): uPlot.AlignedData {
  const xs = [...new Set(trend.series.flatMap((s) => s.values.map(([ts]) => ts)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = trend.series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [ts, v] of s.values) col[index.get(ts)!] = num(v);
    return col;
  });
  return [xs, ...ys];
}

export function TrendChart({
  trend,
  raisedAt,
  clearedAt,
}: {
  trend: TrendSnapshot;
  raisedAt?: number | null;
  clearedAt?: number | null;
}) {
  const lang = useLang();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const units = [...new Set(trend.series.map((s) => s.unit || '—'))];
    const marks: [number, string][] = [];
    if (raisedAt) marks.push([raisedAt, '#c42b1c']);
    if (clearedAt) marks.push([clearedAt, '#137333']);
    const width = () => Math.max(240, el.clientWidth);
    const opts: uPlot.Options = {
      width: width(),
      height: el.clientWidth < 500 ? 200 : 260,
      ms: 1,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true, range: [trend.from, Math.max(trend.to, clearedAt ?? 0)] } },
      series: [
        { label: t('time'), value: (_u, v) => (v === null ? '—' : fmtDateTime(v)) },
        ...trend.series.map((s, i) => ({
          label: `${s.pointId.split('/').pop()}${s.unit ? ` (${s.unit})` : ''}`,
          scale: `u${units.indexOf(s.unit || '—')}`,
          stroke: COLORS[i % COLORS.length],
          width: 1.6,
          spanGaps: false,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmtNumber(v)),
        })),
      ],
      axes: [
        { values: (_u, splits) => splits.map((v) => fmtTime(v)), space: 90 },
        ...units.slice(0, 2).map((unit, i) => ({
          scale: `u${i}`,
          side: i === 0 ? 3 : 1,
          label: unit,
          labelSize: 18,
          size: 52,
          grid: { show: i === 0 },
          values: (_u: uPlot, splits: number[]) => splits.map((v) => fmtNumber(v)),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const { ctx, bbox } = u;
            for (const [at, color] of marks) {
              const x = u.valToPos(at, 'x', true);
              if (x < bbox.left || x > bbox.left + bbox.width) continue;
              ctx.save();
              ctx.strokeStyle = color;
              ctx.lineWidth = 2 * uPlot.pxRatio;
              ctx.setLineDash([5 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
              ctx.beginPath();
              ctx.moveTo(x, bbox.top);
              ctx.lineTo(x, bbox.top + bbox.height);
              ctx.stroke();
              ctx.restore();
            }
          },
        ],
      },
    };
    const plot = new uPlot(opts, alignTrend(trend), el);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: plot.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [trend, raisedAt, clearedAt, lang]);
  return <div ref={box} class="chart tk-chart" data-chart="trend" />;
}
