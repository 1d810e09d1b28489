import { SEVERITIES } from '../../../core/model/severity.js';
import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { earliest } from './common.js';

/**
 * All (every child active) or any (at least one) of child evaluators. Inputs go to every child; pointIds is
 * the union, deviceId the first child's that has one, nextCheckAt the earliest child's. The message joins
 * the active children's (or, when normal, the children's that keep it normal); the severity is the highest
 * a deciding child carries.
 */
export function createCompound(
  mode: 'all' | 'any',
  children: readonly ConditionEvaluator[],
): ConditionEvaluator {
  if (children.length === 0) throw new Error(`${mode}: needs at least one condition`);
  const pointIds = [...new Set(children.flatMap((c) => c.pointIds))];
  const deviceId = children.find((c) => c.deviceId !== undefined)?.deviceId;

  function combine(): ConditionVerdict {
    const verdicts = children.map((c) => c.current());
    const active = mode === 'all' ? verdicts.every((v) => v.active) : verdicts.some((v) => v.active);
    // Active: the active children decided. Normal: for all, the normal ones did; for any, all of them.
    const deciding = active || mode === 'all' ? verdicts.filter((v) => v.active === active) : verdicts;
    let severity: ConditionVerdict['severity'];
    for (const v of deciding)
      if (v.severity && (!severity || SEVERITIES.indexOf(v.severity) < SEVERITIES.indexOf(severity)))
        severity = v.severity;
    const out: ConditionVerdict = {
      active,
      message: deciding.map((v) => v.message).join(mode === 'all' && active ? ' and ' : '; '),
    };
    const value = deciding.find((v) => v.value !== undefined)?.value;
    if (value !== undefined) out.value = value;
    if (active && severity) out.severity = severity;
    return out;
  }

  let verdict = combine();

  return {
    pointIds,
    ...(deviceId !== undefined ? { deviceId } : {}),
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      let touched = false;
      for (const c of children) if (c.update(input, now)) touched = true;
      if (!touched) return undefined;
      verdict = combine();
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      let touched = false;
      for (const c of children) if (c.check(now)) touched = true;
      if (!touched) return undefined;
      const was = verdict.active;
      verdict = combine();
      return was !== verdict.active ? verdict : undefined;
    },
    nextCheckAt(now: number): number | undefined {
      return earliest(...children.map((c) => c.nextCheckAt(now)));
    },
    current: () => verdict,
  };
}
