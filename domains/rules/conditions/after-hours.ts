import type { Schedule } from '../../../core/time/schedule.js';
import type { ConditionEvaluator, ConditionVerdict } from '../types.js';
import { fmt, pointLabel } from './common.js';
import { hhmm, LoadTrace, type MeterSource, meterEvaluator, meterFactor, round3 } from './energy-common.js';

export interface AfterHoursOptions {
  pointId: string;
  /** The working hours: after hours is whenever this schedule is off (holidays included). */
  schedule: Schedule;
  scheduleId?: string;
  /** The load expected out of hours, kW, or the learned baseline's for the hour of ts (undefined: not yet)... */
  baselineKw: number | ((ts: number) => number | undefined);
  /** ...with this much slack, %; default 20. */
  tolerancePct?: number;
  /** The mean is over the last windowMs (or since the schedule went off, if shorter); default 1 h. */
  windowMs?: number;
  /** A power point (W, kW, MW) or an energy counter (Wh, kWh, MWh). */
  source: MeterSource;
  unit?: string;
}

const MIN = 60_000;
/** No verdict until the schedule has been off, and the readings cover, this long. */
export const AFTER_HOURS_MIN_MS = 15 * MIN;
/** While after hours, the rolling mean is looked at again this often (it moves as the window slides). */
export const AFTER_HOURS_RECHECK_MS = MIN;

/**
 * After-hours waste: while the working-hours schedule is off, the mean demand over the last windowMs (or since
 * the schedule went off, if that is shorter) above baselineKw × (1 + tolerancePct / 100) is active; equal is
 * normal. No verdict before 15 min after the schedule went off, nor before the readings cover 15 min of the
 * window (a power reading holds until the next; a counter's step is Δenergy / Δt, a drop counts as unknown).
 * During working hours it is normal. Re-evaluated at readings, at the schedule's changes, 15 min after it went
 * off and then every minute while off. When the evaluator starts during off hours it takes the schedule as
 * having been off for the whole window.
 */
export function createAfterHours(opts: AfterHoursOptions): ConditionEvaluator {
  const { pointId, schedule, baselineKw, source } = opts;
  const scheduleId = opts.scheduleId ?? schedule.id;
  const tolerancePct = opts.tolerancePct ?? 20;
  const windowMs = opts.windowMs ?? 60 * MIN;
  const where = `after-hours on ${pointId}`;
  if (typeof baselineKw === 'number' && !(baselineKw >= 0))
    throw new Error(`${where}: baselineKw must be ≥ 0`);
  if (!(tolerancePct >= 0)) throw new Error(`${where}: tolerancePct must be ≥ 0`);
  if (!(windowMs >= AFTER_HOURS_MIN_MS)) throw new Error(`${where}: windowMs must be at least 15 min`);
  const trace = new LoadTrace(source, meterFactor(source, opts.unit, where));
  const label = pointLabel(pointId);
  const kw = (v: number) => `${fmt(v)} kW`;
  const tz = schedule.timeZone;

  /** The schedule's state as followed so far, and when it next changes. */
  let sched: { on: boolean; offSince: number; nextChange: number } | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} no value yet` };

  function follow(now: number): void {
    if (!sched) {
      sched = {
        on: schedule.isOn(now),
        offSince: Number.NEGATIVE_INFINITY,
        nextChange: schedule.nextChange(now),
      };
      return;
    }
    while (now >= sched.nextChange) {
      const at = sched.nextChange;
      const on = schedule.isOn(at);
      if (sched.on && !on) sched.offSince = at;
      sched.on = on;
      sched.nextChange = schedule.nextChange(at);
    }
  }

  function evaluate(now: number): boolean {
    const was = verdict.active;
    follow(now);
    const s = sched!;
    trace.prune(now - windowMs); // also during working hours, so the trace stays one window long
    if (s.on) {
      verdict = { active: false, message: `${label} working hours (${scheduleId} on)` };
      return was !== verdict.active;
    }
    const from = Math.max(now - windowMs, s.offSince);
    const { kwMs, coveredMs } = trace.integrate(from, now);
    if (now - s.offSince < AFTER_HOURS_MIN_MS || coveredMs < AFTER_HOURS_MIN_MS) {
      verdict = {
        active: false,
        message: `${label} after hours${Number.isFinite(s.offSince) ? ` since ${hhmm(s.offSince, tz)}` : ''}, judged after ${AFTER_HOURS_MIN_MS / MIN} min of data`,
      };
      return was !== verdict.active;
    }
    const mean = kwMs / coveredMs;
    const base = typeof baselineKw === 'number' ? baselineKw : baselineKw(now);
    if (base === undefined) {
      verdict = {
        active: false,
        value: round3(mean),
        message: `${label} after hours: ${kw(mean)}, no learned baseline yet`,
      };
      return was !== verdict.active;
    }
    const limitKw = base * (1 + tolerancePct / 100);
    verdict =
      mean > limitKw
        ? {
            active: true,
            value: round3(mean),
            message: `${label} after-hours waste: ${kw(mean)} against a ${kw(base)} ${typeof baselineKw === 'number' ? '' : 'learned '}baseline`,
          }
        : {
            active: false,
            value: round3(mean),
            message: `${label} after hours: ${kw(mean)} within ${kw(limitKw)} (${kw(base)} baseline + ${fmt(tolerancePct)} %)`,
          };
    return was !== verdict.active;
  }

  return meterEvaluator(pointId, {
    take(now, value) {
      trace.add(now, value);
    },
    evaluate,
    verdict: () => verdict,
    nextCheckAt(now) {
      const s = sched ?? {
        on: schedule.isOn(now),
        offSince: Number.NEGATIVE_INFINITY,
        nextChange: schedule.nextChange(now),
      };
      if (s.on || !trace.hasData) return s.nextChange;
      const judgeFrom = s.offSince + AFTER_HOURS_MIN_MS;
      return Math.min(s.nextChange, judgeFrom > now ? judgeFrom : now + AFTER_HOURS_RECHECK_MS);
    },
  });
}
