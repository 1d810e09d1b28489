import type { ConditionInput, ConditionVerdict } from '../types.js';

/** Shared bits of the condition evaluators. */

/** The point name of `asset-id/point-name` (what messages show). */
export function pointLabel(pointId: string): string {
  const slash = pointId.indexOf('/');
  return slash >= 0 ? pointId.slice(slash + 1) : pointId;
}

/** A number for a message: at most 3 decimals, no float noise (9.4, not 9.400000000001). */
export function fmt(v: number): string {
  return String(Number(v.toFixed(3)));
}

/** `9.4 °C`, or `9.4` without a unit. */
export function withUnit(v: number, unit: string | undefined): string {
  return unit ? `${fmt(v)} ${unit}` : fmt(v);
}

export function fmtValue(v: number | boolean | string): string {
  return typeof v === 'number' ? fmt(v) : String(v);
}

/** A usable numeric reading of `pointId` (finite number, quality not bad), or undefined. */
export function numericReading(
  input: ConditionInput,
  pointId: string,
): { value: number; ts: number } | undefined {
  const r = input.reading;
  if (!r || r.pointId !== pointId || r.quality === 'bad') return undefined;
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return undefined;
  return { value: r.value, ts: r.ts };
}

export function sameVerdict(a: ConditionVerdict, b: ConditionVerdict): boolean {
  return a.active === b.active && a.message === b.message && a.value === b.value && a.severity === b.severity;
}

/** The earliest of the defined instants. */
export function earliest(...ts: (number | undefined)[]): number | undefined {
  let out: number | undefined;
  for (const t of ts) if (t !== undefined && (out === undefined || t < out)) out = t;
  return out;
}
