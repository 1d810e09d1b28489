import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { fmt, numericReading, pointLabel } from './common.js';

export interface RateOptions {
  pointId: string;
  /** Active when |Δvalue| / Δt exceeds this, per minute, between consecutive usable readings. */
  maxPerMinute: number;
  unit?: string;
}

/**
 * Rate of change between consecutive usable readings (finite numbers, quality not bad), by the readings'
 * own timestamps, so irregular intervals count exactly. A reading not newer than the last one is ignored;
 * bad or non-numeric readings are skipped (they neither change the verdict nor start a new pair).
 */
export function createRate(opts: RateOptions): ConditionEvaluator {
  const { pointId, maxPerMinute, unit } = opts;
  if (!(maxPerMinute > 0)) throw new Error(`rate on ${pointId}: maxPerMinute must be > 0`);
  const label = pointLabel(pointId);
  const per = unit ? ` ${unit}/min` : '/min';
  let last: { value: number; ts: number } | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} no rate yet` };

  return {
    pointIds: [pointId],
    update(input: ConditionInput): ConditionVerdict | undefined {
      const r = numericReading(input, pointId);
      if (!r) return undefined;
      const prev = last;
      if (prev && r.ts <= prev.ts) return undefined;
      last = r;
      if (!prev) return undefined;
      const rate = (r.value - prev.value) / ((r.ts - prev.ts) / 60_000);
      const fast = Math.abs(rate) > maxPerMinute;
      const dir = rate >= 0 ? 'rising' : 'falling';
      verdict = {
        active: fast,
        value: r.value,
        message: `${label} ${dir} ${fmt(Math.abs(rate))}${per}${fast ? ', faster than' : ', within'} ${fmt(maxPerMinute)}${per}`,
      };
      return verdict;
    },
    check: () => undefined,
    nextCheckAt: () => undefined,
    current: () => verdict,
  };
}
