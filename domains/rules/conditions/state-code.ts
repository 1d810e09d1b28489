import type { Severity } from '../../../core/model/severity.js';
import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { fmtValue, pointLabel } from './common.js';

export interface StateCodeOptions {
  pointId: string;
  /** Value (as a string: 3 → '3', true → 'true') → what it means; a value not in the table is normal. */
  codes: Record<string, { message: string; severity?: Severity | undefined }>;
}

/**
 * Active while the value (number, string or boolean, looked up by its string form) is a key of `codes`;
 * the verdict carries the code's message (prefixed by the point and code) and severity. Bad readings keep
 * the last verdict.
 */
export function createStateCode(opts: StateCodeOptions): ConditionEvaluator {
  const { pointId, codes } = opts;
  const label = pointLabel(pointId);
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  return {
    pointIds: [pointId],
    update(input: ConditionInput): ConditionVerdict | undefined {
      const r = input.reading;
      if (!r || r.pointId !== pointId || r.quality === 'bad') return undefined;
      const key = String(r.value);
      const code = Object.hasOwn(codes, key) ? codes[key] : undefined;
      verdict = code
        ? {
            active: true,
            value: r.value,
            message: `${label} ${fmtValue(r.value)}: ${code.message}`,
            ...(code.severity ? { severity: code.severity } : {}),
          }
        : { active: false, value: r.value, message: `${label} ${fmtValue(r.value)} normal` };
      return verdict;
    },
    check: () => undefined,
    nextCheckAt: () => undefined,
    current: () => verdict,
  };
}
