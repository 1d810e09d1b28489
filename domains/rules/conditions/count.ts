import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { pointLabel } from './common.js';

export interface CountOptions {
  /** The condition whose turning active is counted. */
  inner: ConditionEvaluator;
  /** Active at this many occurrences... */
  times: number;
  /** ...within this window (ms). */
  withinMs: number;
}

/** `1 h`, `15 min`, `30 s`, or ms. */
export function fmtDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/**
 * Active while the inner condition turned active (normal → active, at the `now` it was seen) at least
 * `times` times within the last `withinMs`; an occurrence at t counts while now − t < withinMs. Clears by
 * time: `nextCheckAt` is when the oldest occurrence leaves the window (while active), or the inner
 * condition's own. The active message is the last occurrence's ("fault_code 31: door fault, 3 times within
 * 1 h"), with its severity; the value is the count.
 */
export function createCount(opts: CountOptions): ConditionEvaluator {
  const { inner, times, withinMs } = opts;
  if (!Number.isInteger(times) || times < 1) throw new Error('count: times must be an integer ≥ 1');
  if (!(withinMs > 0)) throw new Error('count: withinMs must be > 0');
  const label = inner.pointIds.map(pointLabel).join(', ') || inner.deviceId || 'condition';
  const window = fmtDuration(withinMs);
  /** When the inner condition turned active, oldest first. */
  const occurrences: number[] = [];
  let last: ConditionVerdict | undefined;
  let innerActive = inner.current().active;
  let verdict: ConditionVerdict = { active: false, value: 0, message: `${label}: 0 times within ${window}` };

  /** Note an inner flip to active, drop what left the window, re-derive; true when active flipped. */
  function evaluate(now: number): boolean {
    const v = inner.current();
    if (v.active && !innerActive) {
      occurrences.push(now);
      last = v;
    }
    innerActive = v.active;
    while (occurrences.length && now - occurrences[0]! >= withinMs) occurrences.shift();
    const was = verdict.active;
    const n = occurrences.length;
    const active = n >= times;
    const counted = `${n} time${n === 1 ? '' : 's'} within ${window}`;
    verdict =
      active && last
        ? {
            active,
            value: n,
            message: `${last.message}, ${counted}`,
            ...(last.severity ? { severity: last.severity } : {}),
          }
        : { active, value: n, message: `${label}: ${counted} (alert at ${times})` };
    return was !== active;
  }

  return {
    pointIds: inner.pointIds,
    ...(inner.deviceId !== undefined ? { deviceId: inner.deviceId } : {}),
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      if (inner.update(input, now) === undefined) return undefined;
      evaluate(now);
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      inner.check(now);
      return evaluate(now) ? verdict : undefined;
    },
    nextCheckAt(now: number): number | undefined {
      const own = verdict.active && occurrences.length ? occurrences[0]! + withinMs : undefined;
      const theirs = inner.nextCheckAt(now);
      return own === undefined ? theirs : theirs === undefined ? own : Math.min(own, theirs);
    },
    current: () => verdict,
  };
}
