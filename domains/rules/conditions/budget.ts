import { intervalStart, nextInterval } from '../../../core/time/zoned-time.js';
import type { ConditionEvaluator, ConditionVerdict } from '../types.js';
import { pointLabel, withUnit } from './common.js';
import { meterEvaluator, round3 } from './energy-common.js';

export interface BudgetOptions {
  pointId: string;
  /** The budget's period, starting at local midnight / the first of the month. */
  period: 'day' | 'month';
  /** The consumption allowed per period, in the counter's unit (kWh, m3), or a function of the period (a
   * learned baseline's expectation plus slack; undefined while nothing is learned: no verdict). */
  limit: number | ((start: number, end: number) => number | undefined);
  /** Also active when the linear projection to the period's end exceeds the limit; default true. */
  forecast?: boolean;
  unit?: string;
  /** The site's zone; default UTC. */
  timeZone?: string;
}

/** The projection needs this share of the period passed, and covered by readings. */
const FORECAST_AFTER = 0.1;

/**
 * Consumption budget on a counter point: the consumption since the period's start (local midnight or the first
 * of the month), summed over the counter's steps (a step that goes down is a reset or rollover: it starts a new
 * segment and counts nothing; a step that spans a period start is split in proportion to time). Active when
 * the consumption exceeds the limit (value = consumption), or, with forecast, when the linear projection to
 * the period's end (consumption + its rate over the covered time × the time left) exceeds it once 10 % of the
 * period has passed and readings cover at least 10 % of it (value = projection). The period's start resets it
 * (nextCheckAt = the next period start, or the 10 % mark). Counting starts at the first reading (the engine
 * keeps no history), so a hub started mid-period counts from then.
 */
export function createBudget(opts: BudgetOptions): ConditionEvaluator {
  const { pointId, period, limit, unit } = opts;
  const forecast = opts.forecast ?? true;
  const tz = opts.timeZone ?? 'UTC';
  if (typeof limit === 'number' && !(limit > 0)) throw new Error(`budget on ${pointId}: limit must be > 0`);
  const calUnit = period === 'day' ? '1d' : '1mo';
  const label = pointLabel(pointId);
  const when = period === 'day' ? 'today' : 'this month';
  const budgetName = (l: number) =>
    `${withUnit(l, unit)} ${period === 'day' ? 'daily' : 'monthly'} ${typeof limit === 'number' ? 'budget' : 'baseline budget'}`;
  /** The limit of the current period (a function's is asked once per period). */
  let periodLimit: { start: number; value: number | undefined } | undefined;
  const limitOf = (start: number, end: number) => {
    if (typeof limit === 'number') return limit;
    if (periodLimit?.start !== start || periodLimit.value === undefined)
      periodLimit = { start, value: limit(start, end) };
    return periodLimit.value;
  };

  let p: { start: number; end: number } | undefined;
  let used = 0;
  let coveredMs = 0;
  let last: { t: number; v: number } | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  function nextPeriod(): void {
    const start = p!.end;
    p = { start, end: nextInterval(start, calUnit, tz) };
    used = 0;
    coveredMs = 0;
  }

  function add(t: number, v: number): void {
    if (!p) {
      const start = intervalStart(t, calUnit, tz);
      p = { start, end: nextInterval(start, calUnit, tz) };
    }
    const rate = last && t > last.t && v >= last.v ? (v - last.v) / (t - last.t) : undefined;
    const from = last?.t ?? t;
    while (t >= p.end) {
      if (rate !== undefined) {
        const d = Math.max(0, p.end - Math.max(from, p.start));
        used += rate * d;
        coveredMs += d;
      }
      nextPeriod();
    }
    if (rate !== undefined) {
      const d = Math.max(0, t - Math.max(from, p.start));
      used += rate * d;
      coveredMs += d;
    } else if (last && t === last.t && v > last.v) used += v - last.v;
    if (!last || t >= last.t) last = { t, v };
  }

  function evaluate(now: number): boolean {
    const was = verdict.active;
    if (!p) return false;
    while (now >= p.end) nextPeriod();
    const length = p.end - p.start;
    const knownTo = Math.max(last?.t ?? p.start, p.start);
    const projected =
      forecast && now - p.start >= Math.ceil(FORECAST_AFTER * length) && coveredMs >= FORECAST_AFTER * length
        ? used + (used / coveredMs) * (p.end - knownTo)
        : undefined;
    const l = limitOf(p.start, p.end);
    if (l === undefined) {
      verdict = {
        active: false,
        value: round3(used),
        message: `${label} ${withUnit(used, unit)} used ${when}, no learned baseline yet`,
      };
      return was !== verdict.active;
    }
    if (used > l)
      verdict = {
        active: true,
        value: round3(used),
        message: `${label} ${withUnit(used, unit)} used ${when}, over the ${budgetName(l)}`,
      };
    else if (projected !== undefined && projected > l)
      verdict = {
        active: true,
        value: round3(projected),
        message: `${label} on course for ${withUnit(projected, unit)} ${when} against the ${budgetName(l)} (${withUnit(used, unit)} so far)`,
      };
    else
      verdict = {
        active: false,
        value: round3(used),
        message: `${label} ${withUnit(used, unit)} used ${when} of the ${budgetName(l)}${projected !== undefined ? `, on course for ${withUnit(projected, unit)}` : ''}`,
      };
    return was !== verdict.active;
  }

  return meterEvaluator(pointId, {
    take(now, value) {
      add(now, value);
    },
    evaluate,
    verdict: () => verdict,
    nextCheckAt(now) {
      if (!p) return undefined;
      const mark = p.start + Math.ceil(FORECAST_AFTER * (p.end - p.start));
      return forecast && mark > now ? mark : Math.max(p.end, now);
    },
  });
}
