import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { fmtValue, pointLabel } from './common.js';

export interface StuckOptions {
  pointId: string;
  /** No change larger than tolerance for this long (ms)... */
  forMs: number;
  tolerance?: number;
  /** ...while this boolean point (of the same asset) is true; omitted: always. */
  runningPointId?: string;
}

/**
 * Active when the value has not moved more than `tolerance` from where it settled for `forMs` while the
 * asset runs. Time-based: `nextCheckAt` says when it would turn active. A change beyond the tolerance
 * restarts the window (from the new value); the window also only starts when running turns true, and while
 * not running (or before the running point has said anything) the condition is normal. Numbers compare
 * with the tolerance, booleans and strings by equality. Bad readings are ignored (neither a change nor a
 * confirmation); times are the `now` of the call that brought the change.
 */
export function createStuck(opts: StuckOptions): ConditionEvaluator {
  const { pointId, forMs, runningPointId } = opts;
  const tolerance = opts.tolerance ?? 0;
  if (!(forMs > 0)) throw new Error(`stuck on ${pointId}: forMs must be > 0`);
  const label = pointLabel(pointId);
  /** The value the window measures from, and since when. */
  let ref: { value: number | boolean | string; since: number } | undefined;
  let latest: number | boolean | string | undefined;
  /** Since when the asset runs (undefined: not running or unknown). */
  let runningSince: number | undefined = runningPointId ? undefined : Number.NEGATIVE_INFINITY;
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  const windowStart = (): number | undefined =>
    ref === undefined || runningSince === undefined ? undefined : Math.max(ref.since, runningSince);

  function evaluate(now: number): boolean {
    const start = windowStart();
    const was = verdict.active;
    if (start === undefined) {
      verdict = {
        active: false,
        value: latest,
        message: ref === undefined ? `${label} no value yet` : `${label} not running`,
      };
    } else if (now - start >= forMs) {
      verdict = {
        active: true,
        value: latest,
        message: `${label} stuck at ${fmtValue(ref!.value)} for ${Math.round((now - start) / 60_000)} min`,
      };
    } else {
      verdict = { active: false, value: latest, message: `${label} ${fmtValue(latest!)} moving` };
    }
    return was !== verdict.active;
  }

  function moved(a: number | boolean | string, b: number | boolean | string): boolean {
    if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) > tolerance;
    return a !== b;
  }

  return {
    pointIds: runningPointId ? [pointId, runningPointId] : [pointId],
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      const r = input.reading;
      if (!r || r.quality === 'bad') return undefined;
      if (r.pointId === pointId) {
        if (typeof r.value === 'number' && !Number.isFinite(r.value)) return undefined;
        latest = r.value;
        if (ref === undefined || moved(ref.value, r.value)) ref = { value: r.value, since: now };
      } else if (runningPointId && r.pointId === runningPointId) {
        const running = r.value === true || r.value === 1 || r.value === 'true';
        if (running && runningSince === undefined) runningSince = now;
        else if (!running) runningSince = undefined;
      } else return undefined;
      evaluate(now);
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      return evaluate(now) ? verdict : undefined;
    },
    nextCheckAt(): number | undefined {
      const start = windowStart();
      return start === undefined || verdict.active ? undefined : start + forMs;
    },
    current: () => verdict,
  };
}
