import type { Schedule } from '../../../core/time/schedule.js';
import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { earliest } from './common.js';

/**
 * Gates an evaluator by a schedule: while the schedule is off the condition counts as normal (the inner
 * evaluator keeps following its inputs, so an on-delay that ran through the off hours holds when the
 * schedule comes on). `nextCheckAt` includes the schedule's next change, where check() re-evaluates.
 */
export function withSchedule(
  inner: ConditionEvaluator,
  schedule: Schedule,
  scheduleId = 'schedule',
): ConditionEvaluator {
  let verdict: ConditionVerdict = inner.current();

  function gate(now: number): boolean {
    const was = verdict.active;
    const raw = inner.current();
    if (!raw.active || schedule.isOn(now)) verdict = raw;
    else {
      const { severity: _ignored, ...rest } = raw;
      verdict = { ...rest, active: false, message: `${raw.message} (${scheduleId} off)` };
    }
    return was !== verdict.active;
  }

  return {
    pointIds: inner.pointIds,
    ...(inner.deviceId !== undefined ? { deviceId: inner.deviceId } : {}),
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      const touched = inner.update(input, now) !== undefined;
      const flipped = gate(now);
      return touched || flipped ? verdict : undefined;
    },
    check(now: number): ConditionVerdict | undefined {
      inner.check(now);
      return gate(now) ? verdict : undefined;
    },
    nextCheckAt(now: number): number | undefined {
      return earliest(inner.nextCheckAt(now), schedule.nextChange(now));
    },
    current: () => verdict,
    seed(active: boolean) {
      inner.seed?.(active);
      verdict = { ...verdict, active };
    },
  };
}
