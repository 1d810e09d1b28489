import type { RefObject } from 'preact';
import {
  type ChartOptions,
  formatNumber,
  PALETTE,
  timeAxis,
  unitText,
  type uPlot,
  valueAxis,
} from './chart.js';
import { startPan } from './trends-range.js';
import type { TrendPoint } from './trends-spec.js';
import { t } from './trends-text.js';

/**
 * The trends chart: one series per point, one y axis per unit (left and right in turn); a drag across it
 * zooms in and shift+drag pans, both reported through `onRange` (a ref: the options stay the same).
 */
export function trendOptions({
  tz,
  units,
  points,
  pointById,
  onRange,
  setPanning,
}: {
  tz: string;
  units: string[];
  points: string[];
  pointById: Map<string, TrendPoint>;
  onRange: RefObject<(from: number, to: number) => void>;
  setPanning: (on: boolean) => void;
}): ChartOptions {
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
}
