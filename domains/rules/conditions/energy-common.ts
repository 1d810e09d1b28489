import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { numericReading } from './common.js';

/** Shared bits of the energy conditions (demand, after-hours, budget, night-flow). */
export {
  alignedStart,
  hhmm,
  LoadTrace,
  type MeterSource,
  meterFactor,
  meterSource,
  round3,
  zoneOffset,
} from '../../energy/demand-forecast.js';

/**
 * The evaluator shape the meter conditions share: a usable reading of the point is taken, then the
 * condition re-evaluated; a check only re-evaluates; both say whether the verdict flipped.
 */
export function meterEvaluator(
  pointId: string,
  c: {
    take(now: number, value: number): void;
    /** Re-evaluate at now; true when the verdict's active state flipped. */
    evaluate(now: number): boolean;
    verdict(): ConditionVerdict;
    nextCheckAt(now: number): number | undefined;
  },
): ConditionEvaluator {
  return {
    pointIds: [pointId],
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      const r = numericReading(input, pointId);
      if (!r) return undefined;
      c.take(now, r.value);
      c.evaluate(now);
      return c.verdict();
    },
    check: (now) => (c.evaluate(now) ? c.verdict() : undefined),
    nextCheckAt: (now) => c.nextCheckAt(now),
    current: () => c.verdict(),
  };
}
