import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { numericReading, pointLabel, withUnit } from './common.js';

export interface DeviationOptions {
  /** The point whose value is compared... */
  pointId: string;
  /** ...with this one's (the reference: a setpoint, the other side of a coil). */
  fromPointId: string;
  /** Active when |value − reference| > maxAbs... */
  maxAbs?: number;
  /** ...or < minAbs (a chiller's ΔT too small). */
  minAbs?: number;
  /** The difference must stay out of range this long (ms) before the condition is active; default 0. */
  forMs?: number;
  unit?: string;
}

/**
 * Active when the difference between two points of an asset (value − reference) is out of range in
 * absolute terms (|d| > maxAbs or |d| < minAbs) for at least `forMs`; the verdict's value is the signed
 * difference. Needs a usable reading of both points; a bad or non-numeric reading keeps the last value of
 * that point. Time-based when forMs > 0: `nextCheckAt` is when it would turn active.
 */
export function createDeviation(opts: DeviationOptions): ConditionEvaluator {
  const { pointId, fromPointId, maxAbs, minAbs, unit } = opts;
  const forMs = opts.forMs ?? 0;
  if (maxAbs === undefined && minAbs === undefined)
    throw new Error(`deviation on ${pointId}: give maxAbs, minAbs or both`);
  const label = `${pointLabel(pointId)} − ${pointLabel(fromPointId)}`;
  let value: number | undefined;
  let reference: number | undefined;
  /** Since when the difference is out of range (undefined: it is not). */
  let outSince: number | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  const range = (): string => {
    const parts: string[] = [];
    if (minAbs !== undefined) parts.push(`≥ ${withUnit(minAbs, unit)}`);
    if (maxAbs !== undefined) parts.push(`≤ ${withUnit(maxAbs, unit)}`);
    return parts.join(' and ');
  };

  /** Re-derive the verdict at now; true when the active state flipped. */
  function evaluate(now: number): boolean {
    const was = verdict.active;
    if (value === undefined || reference === undefined) return false;
    const d = value - reference;
    const abs = Math.abs(d);
    const above = maxAbs !== undefined && abs > maxAbs;
    const below = minAbs !== undefined && abs < minAbs;
    if (!above && !below) outSince = undefined;
    else if (outSince === undefined) outSince = now;
    const active = outSince !== undefined && now - outSince >= forMs;
    const shown = withUnit(d, unit);
    verdict = active
      ? {
          active,
          value: d,
          message: above
            ? `${label} ${shown}, more than ${withUnit(maxAbs!, unit)}`
            : `${label} ${shown}, less than ${withUnit(minAbs!, unit)}`,
        }
      : { active, value: d, message: `${label} ${shown}, within ${range()}` };
    return was !== active;
  }

  return {
    pointIds: [pointId, fromPointId],
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      const own = numericReading(input, pointId);
      const ref = numericReading(input, fromPointId);
      if (!own && !ref) return undefined;
      if (own) value = own.value;
      if (ref) reference = ref.value;
      evaluate(now);
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      return evaluate(now) ? verdict : undefined;
    },
    nextCheckAt(): number | undefined {
      return outSince === undefined || verdict.active ? undefined : outSince + forMs;
    },
    current: () => verdict,
  };
}
