import type { ControlPoint, ControlPointsAnswer, ControlSlot, PointValue } from '../hub-types.js';
import { fmtNumber } from '../i18n.js';
import { unitText } from './chart.js';
import { type ControlKey, ct } from './control-text.js';

/** How the control view writes values, sources and levels: `Operator alice · 8 manual operator`. */

/** The named levels (domains/control/control-types.ts LEVELS). */
export const NAMED_LEVELS = [1, 8, 10, 12, 14, 16] as const;
export const OPERATOR_LEVEL = 8;
export const DEFAULT_OVERRIDE_MINUTES = 120;
export const MAX_OVERRIDE_MINUTES = 1440;

const SOURCE_KINDS = ['operator', 'schedule', 'scene', 'rule', 'occupancy', 'demand-limit', 'site-file'];

/** `8` → `8 manual operator`; an unnamed level → its number. */
export function levelText(level: number | null | undefined): string {
  if (level === null || level === undefined) return '—';
  return (NAMED_LEVELS as readonly number[]).includes(level)
    ? `${level} ${ct(`lvl-${level}` as ControlKey)}`
    : String(level);
}

/** `operator:alice` → `Operator alice`; a kind the view does not know is shown as it is. */
export function sourceText(source: string | null | undefined): string {
  if (!source) return '—';
  const at = source.indexOf(':');
  const kind = at < 0 ? source : source.slice(0, at);
  const id = at < 0 ? '' : source.slice(at + 1);
  return SOURCE_KINDS.includes(kind) ? ct(`src-${kind}` as ControlKey, { id }).trim() : source;
}

/** Who holds the value in force: `Operator alice · 8 manual operator`. */
export function holderText(p: Pick<ControlPoint, 'effective'>): string {
  if (p.effective.level === null) return ct('relinquished');
  return `${sourceText(p.effective.source)} · ${levelText(p.effective.level)}`;
}

/** A value with the point's unit; booleans as On and Off. */
export function valueText(v: PointValue | null | undefined, p?: Pick<ControlPoint, 'unit' | 'type'>): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return ct(v ? 'on' : 'off');
  if (typeof v === 'number') {
    const unit = unitText(p?.unit);
    return unit ? `${fmtNumber(v, 2)} ${unit}` : fmtNumber(v, 2);
  }
  return String(v);
}

/** The operator override a point has (level 8), if any. */
export const operatorSlot = (p: ControlPoint): ControlSlot | undefined =>
  p.slots.find((s) => s.level === OPERATOR_LEVEL);

/** The points of the answer (an older hub sent the list itself). */
export function pointsOf(answer: ControlPointsAnswer | ControlPoint[] | undefined): ControlPoint[] {
  if (!answer) return [];
  return Array.isArray(answer) ? answer : answer.points;
}

/** `/control/points/<asset>/<point>` for a point id `asset/point`. */
export function pointPath(pointId: string): string {
  const at = pointId.indexOf('/');
  return `/control/points/${encodeURIComponent(pointId.slice(0, at))}/${encodeURIComponent(pointId.slice(at + 1))}`;
}
