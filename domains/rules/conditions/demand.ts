import { DemandForecast } from '../../energy/demand-forecast.js';
import type { ConditionEvaluator, ConditionVerdict } from '../types.js';
import { fmt, pointLabel } from './common.js';
import { hhmm, type MeterSource, meterEvaluator, meterFactor, round3 } from './energy-common.js';

export interface DemandOptions {
  pointId: string;
  /** The limit of the window's average demand, kW. */
  limitKw: number;
  /** The demand window (a divisor of an hour), aligned to the local clock; default 15 min. */
  windowMs?: number;
  /** No forecast before this much of the window has passed; default 5 min. */
  minElapsedMs?: number;
  /** A power point (W, kW, MW) or an energy counter (Wh, kWh, MWh). */
  source: MeterSource;
  unit?: string;
  /** The site's zone (windows start at :00, :15, :30, :45 local time); default UTC. */
  timeZone?: string;
}

const MIN = 60_000;

/**
 * Peak-demand guard: the average kW over clock-aligned windows (15 min by default), as utilities bill it.
 * Power points are averaged time-weighted (a reading holds until the next); energy counters give Δenergy /
 * elapsed (a counter going down starts a new baseline; that step counts as unknown, never negative).
 *
 * Forecast of the window's end = avgSoFar × e/W + current × (1 − e/W), e = time known so far in the window
 * (now for power, the last counter reading for energy), current = the last power reading or counter step's
 * rate. Active when, at least minElapsedMs into the window, the forecast exceeds limitKw (value = the
 * forecast); or when a finished window's average (its forecast at its end) exceeded it: that stays active
 * until a forecast of a later window is at or below the limit (a window without any data clears it).
 * A reading exactly on a boundary (:15) closes the previous window first (its step up to :15 belongs to it).
 * Re-evaluated at readings, at minElapsedMs into each window and at each window's end.
 */
export function createDemand(opts: DemandOptions): ConditionEvaluator {
  const { pointId, limitKw, source } = opts;
  const windowMs = opts.windowMs ?? 15 * MIN;
  const minElapsedMs = opts.minElapsedMs ?? 5 * MIN;
  const tz = opts.timeZone ?? 'UTC';
  const where = `demand on ${pointId}`;
  if (!(limitKw > 0)) throw new Error(`${where}: limitKw must be > 0`);
  if (!(windowMs >= MIN && 3_600_000 % windowMs === 0))
    throw new Error(`${where}: windowMs must be whole minutes dividing an hour`);
  if (!(minElapsedMs >= 0 && minElapsedMs < windowMs))
    throw new Error(`${where}: minElapsedMs must be ≥ 0 and shorter than the window`);
  const fc = new DemandForecast(source, meterFactor(source, opts.unit, where), windowMs, tz);
  const label = pointLabel(pointId);
  const kw = (v: number) => `${fmt(v)} kW`;

  /** The last finished window over the limit, until a later forecast is within it. */
  let over: { start: number; end: number; avg: number } | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} no demand data yet` };

  const span = (w: { start: number; end: number }) => `${hhmm(w.start, tz)}–${hhmm(w.end, tz)}`;
  const forecastAt = (w: { start: number; end: number }, at: number) => fc.forecastAt(w, at);

  /** Close the windows that ended by `now`. */
  function roll(now: number): void {
    fc.roll(now, (w, f) => {
      over = f && f.forecast > limitKw ? { ...w, avg: f.forecast } : undefined;
    });
  }

  function evaluate(now: number): boolean {
    const was = verdict.active;
    roll(now);
    const win = fc.win;
    if (!win) return false;
    const f = forecastAt(win, now);
    const ready = now - win.start >= minElapsedMs;
    if (f && ready && f.forecast > limitKw) {
      verdict = {
        active: true,
        value: round3(f.forecast),
        message: `${label} demand forecast ${kw(f.forecast)} against a ${kw(limitKw)} limit (${span(win)} window)`,
      };
    } else if (over && !(f && ready)) {
      verdict = {
        active: true,
        value: round3(over.avg),
        message: `${label} demand ${kw(over.avg)} in the ${span(over)} window, over the ${kw(limitKw)} limit`,
      };
    } else {
      over = undefined;
      verdict = !f
        ? { active: false, message: `${label} no demand data in the ${span(win)} window` }
        : ready
          ? {
              active: false,
              value: round3(f.forecast),
              message: `${label} demand forecast ${kw(f.forecast)} within the ${kw(limitKw)} limit`,
            }
          : {
              active: false,
              value: round3(f.avg),
              message: `${label} demand ${kw(f.avg)} so far in the ${span(win)} window (forecast from ${hhmm(win.start + minElapsedMs, tz)})`,
            };
    }
    return was !== verdict.active;
  }

  return meterEvaluator(pointId, {
    take(now, value) {
      fc.take(now, value); // before rolling: the step up to a boundary reading belongs to the old window
    },
    evaluate,
    verdict: () => verdict,
    nextCheckAt(now) {
      const win = fc.win;
      if (!win) return undefined;
      const gate = win.start + minElapsedMs;
      return gate > now ? gate : win.end;
    },
  });
}
