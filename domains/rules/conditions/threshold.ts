import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { numericReading, pointLabel, withUnit } from './common.js';

export interface ThresholdOptions {
  pointId: string;
  high?: number;
  low?: number;
  /** Hysteresis: once active, clears only at ≤ high − deadband and ≥ low + deadband. */
  deadband?: number;
  unit?: string;
}

/**
 * Active when the value is above `high` or below `low`; clears only once back inside by `deadband`.
 * Only usable numeric readings (finite, quality good or uncertain) move the verdict: a bad reading or a
 * non-numeric value keeps the last verdict (bad quality is the quality rule's business).
 */
export function createThreshold(opts: ThresholdOptions): ConditionEvaluator {
  const { pointId, high, low, unit } = opts;
  const deadband = opts.deadband ?? 0;
  if (high === undefined && low === undefined)
    throw new Error(`threshold on ${pointId}: give high, low or both`);
  if (deadband < 0) throw new Error(`threshold on ${pointId}: deadband must be ≥ 0`);
  const label = pointLabel(pointId);
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  const limits = (): string => {
    const parts: string[] = [];
    if (low !== undefined) parts.push(`≥ ${withUnit(low, unit)}`);
    if (high !== undefined) parts.push(`≤ ${withUnit(high, unit)}`);
    return parts.join(' and ');
  };

  /** The side that made it active (kept while the value sits in the deadband). */
  let side: 'above' | 'below' = 'above';
  const activeVerdict = (v: number): ConditionVerdict => {
    const limit = side === 'above' ? high! : low!;
    return {
      active: true,
      value: v,
      message: `${label} ${withUnit(v, unit)} ${side} ${withUnit(limit, unit)}`,
    };
  };

  function take(v: number): void {
    const above = high !== undefined && v > high;
    const below = low !== undefined && v < low;
    if (above || below) {
      side = above ? 'above' : 'below';
      verdict = activeVerdict(v);
      return;
    }
    const clear = (high === undefined || v <= high - deadband) && (low === undefined || v >= low + deadband);
    if (verdict.active && !clear) {
      // Inside the limits but within the deadband: still active.
      const limit = side === 'above' ? high! : low!;
      const clearsAt =
        side === 'above' ? `≤ ${withUnit(high! - deadband, unit)}` : `≥ ${withUnit(low! + deadband, unit)}`;
      verdict = {
        active: true,
        value: v,
        message: `${label} ${withUnit(v, unit)} back from ${withUnit(limit, unit)}, clears at ${clearsAt}`,
      };
      return;
    }
    verdict = { active: false, value: v, message: `${label} ${withUnit(v, unit)} within ${limits()}` };
  }

  return {
    pointIds: [pointId],
    update(input: ConditionInput): ConditionVerdict | undefined {
      const r = numericReading(input, pointId);
      if (!r) return undefined;
      take(r.value);
      return verdict;
    },
    check: () => undefined,
    nextCheckAt: () => undefined,
    current: () => verdict,
    // active before: a value inside the hysteresis band keeps it active (which side: the first reading says)
    seed(active: boolean) {
      verdict = { ...verdict, active };
    },
  };
}
