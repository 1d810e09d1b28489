import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { pointLabel } from './common.js';

export interface DueOptions {
  /** A counter (run hours, starts, door cycles). */
  pointId: string;
  /** Service every this much of the counter (2000 run hours)... */
  every: number;
  /** ...warning this much before each multiple; default every / 20. */
  warnBefore?: number;
  unit?: string;
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const show = (v: number, unit: string | undefined) =>
  unit ? `${grouped.format(v)} ${unit}` : grouped.format(v);

/**
 * Service due soon: active while the counter is within `warnBefore` below the next multiple of `every`
 * (`value mod every ≥ every − warnBefore`): "run_hours_h due at 4,000 h (now 3,950 h)". Passing the
 * multiple clears it (there is no acknowledged-service record yet: the alert's own history says it was
 * due). Bad or non-numeric readings keep the verdict.
 */
export function createDue(opts: DueOptions): ConditionEvaluator {
  const { pointId, every, unit } = opts;
  const warnBefore = opts.warnBefore ?? every / 20;
  if (!(every > 0)) throw new Error(`due on ${pointId}: every must be > 0`);
  if (!(warnBefore > 0 && warnBefore <= every))
    throw new Error(`due on ${pointId}: warnBefore must be > 0 and ≤ every`);
  const label = pointLabel(pointId);
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  return {
    pointIds: [pointId],
    update(input: ConditionInput): ConditionVerdict | undefined {
      const r = input.reading;
      if (!r || r.pointId !== pointId || r.quality === 'bad') return undefined;
      if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return undefined;
      const v = r.value;
      const next = (Math.floor(v / every) + 1) * every;
      const active = next - v <= warnBefore;
      verdict = {
        active,
        value: v,
        message: active
          ? `${label} due at ${show(next, unit)} (now ${show(v, unit)})`
          : `${label} ${show(v, unit)}, next due at ${show(next, unit)}`,
      };
      return verdict;
    },
    check: () => undefined,
    nextCheckAt: () => undefined,
    current: () => verdict,
  };
}
