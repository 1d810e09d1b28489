import type { Quality } from '../../../core/model/reading.js';
import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { pointLabel } from './common.js';

export interface QualityOptions {
  pointId: string;
  /** 'bad' (default): only bad counts; 'not-good': uncertain too. */
  when?: 'bad' | 'not-good';
  /** The quality must stay so this long (ms) before the condition is active; default 0. */
  forMs?: number;
}

/**
 * Active while the point's quality is bad (or not good) for at least `forMs`, from readings' quality and
 * `quality` inputs alike. Time-based when forMs > 0: `nextCheckAt` is when it would turn active.
 */
export function createQuality(opts: QualityOptions): ConditionEvaluator {
  const { pointId } = opts;
  const when = opts.when ?? 'bad';
  const forMs = opts.forMs ?? 0;
  const label = pointLabel(pointId);
  let quality: Quality | undefined;
  let reason = '';
  /** Since when the quality counts as bad (undefined: it does not). */
  let badSince: number | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} quality unknown` };

  const counts = (q: Quality): boolean => (when === 'bad' ? q === 'bad' : q !== 'good');

  function evaluate(now: number): boolean {
    const was = verdict.active;
    const active = badSince !== undefined && now - badSince >= forMs;
    const why = reason ? ` (${reason})` : '';
    verdict = { active, message: `${label} quality ${quality ?? 'unknown'}${active ? why : ''}` };
    return was !== active;
  }

  function take(q: Quality, why: string, now: number): void {
    quality = q;
    reason = why;
    if (!counts(q)) badSince = undefined;
    else if (badSince === undefined) badSince = now;
    evaluate(now);
  }

  return {
    pointIds: [pointId],
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      if (input.reading?.pointId === pointId) take(input.reading.quality, '', now);
      else if (input.quality?.pointId === pointId) take(input.quality.quality, input.quality.reason, now);
      else return undefined;
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      return evaluate(now) ? verdict : undefined;
    },
    nextCheckAt(): number | undefined {
      return badSince === undefined || verdict.active ? undefined : badSince + forMs;
    },
    current: () => verdict,
  };
}
