import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { earliest } from './common.js';

export interface DelayOptions {
  /** The raw condition must hold this long (ms) before the verdict turns active... */
  onDelayMs?: number;
  /** ...and be gone this long before it clears. */
  offDelayMs?: number;
}

/**
 * On/off delays around any evaluator. A raw change starts a pending flip at the `now` it is seen; the flip
 * happens at the first update or check at or after the deadline if the raw verdict still differs. A return
 * of the raw verdict to the shown state before then cancels it (normal inside the on-delay, active inside
 * the off-delay), and a later change starts a fresh delay. While a flip is pending the shown verdict is the
 * last one of the shown state (an active alert keeps its message during the off-delay). `nextCheckAt` is the
 * earlier of the pending deadline and the inner evaluator's own.
 */
export function withDelays(inner: ConditionEvaluator, opts: DelayOptions): ConditionEvaluator {
  const onDelayMs = opts.onDelayMs ?? 0;
  const offDelayMs = opts.offDelayMs ?? 0;
  if (onDelayMs === 0 && offDelayMs === 0) return inner;
  let shown: ConditionVerdict = { ...inner.current(), active: false };
  /** Since when the raw verdict differs from the shown one. */
  let pendingSince: number | undefined;

  const delayFor = (active: boolean): number => (active ? onDelayMs : offDelayMs);

  /** Follow the raw verdict; true when the shown active state flipped. */
  function step(now: number): boolean {
    const raw = inner.current();
    if (raw.active === shown.active) {
      pendingSince = undefined;
      shown = raw;
      return false;
    }
    if (pendingSince === undefined) pendingSince = now;
    if (now - pendingSince < delayFor(raw.active)) return false;
    pendingSince = undefined;
    shown = raw;
    return true;
  }

  return {
    pointIds: inner.pointIds,
    ...(inner.deviceId !== undefined ? { deviceId: inner.deviceId } : {}),
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      const touched = inner.update(input, now) !== undefined;
      const flipped = step(now);
      return touched || flipped ? shown : undefined;
    },
    check(now: number): ConditionVerdict | undefined {
      inner.check(now);
      return step(now) ? shown : undefined;
    },
    nextCheckAt(now: number): number | undefined {
      const deadline = pendingSince === undefined ? undefined : pendingSince + delayFor(!shown.active);
      return earliest(inner.nextCheckAt(now), deadline);
    },
    current: () => shown,
    seed(active: boolean) {
      inner.seed?.(active);
      shown = { ...shown, active };
      pendingSince = undefined;
    },
  };
}
