import type { ConditionEvaluator, ConditionVerdict } from '../types.js';
import { fmt, pointLabel } from './common.js';
import {
  alignedStart,
  hhmm,
  LoadTrace,
  type MeterSource,
  meterEvaluator,
  meterFactor,
  round3,
} from './energy-common.js';

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
  const trace = new LoadTrace(source, meterFactor(source, opts.unit, where));
  const label = pointLabel(pointId);
  const kw = (v: number) => `${fmt(v)} kW`;

  let win: { start: number; end: number } | undefined;
  /** The last finished window over the limit, until a later forecast is within it. */
  let over: { start: number; end: number; avg: number } | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} no demand data yet` };

  const span = (w: { start: number; end: number }) => `${hhmm(w.start, tz)}–${hhmm(w.end, tz)}`;

  /** The average so far and the forecast of the window's end, as known at `at`; undefined without data. */
  function forecastAt(
    w: { start: number; end: number },
    at: number,
  ): { avg: number; forecast: number } | undefined {
    const { kwMs, coveredMs, coveredTo } = trace.integrate(w.start, at);
    if (coveredMs <= 0 || coveredTo === undefined) {
      // a power reading just now is data (it holds from here); a counter needs a step in the window
      const now = source === 'power' ? trace.current : undefined;
      return now === undefined ? undefined : { avg: now, forecast: now };
    }
    const avg = kwMs / coveredMs;
    const frac = Math.min(1, (coveredTo - w.start) / windowMs);
    return { avg, forecast: avg * frac + (trace.current ?? avg) * (1 - frac) };
  }

  /** Close the windows that ended by `now`. */
  function roll(now: number): void {
    while (win && now >= win.end) {
      const f = forecastAt(win, win.end);
      over = f && f.forecast > limitKw ? { ...win, avg: f.forecast } : undefined;
      win = { start: win.end, end: win.end + windowMs };
      trace.prune(win.start);
    }
  }

  function evaluate(now: number): boolean {
    const was = verdict.active;
    roll(now);
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
      if (!win) {
        const start = alignedStart(now, windowMs, tz);
        win = { start, end: start + windowMs };
      }
      trace.add(now, value); // before rolling: the step up to a boundary reading belongs to the old window
    },
    evaluate,
    verdict: () => verdict,
    nextCheckAt(now) {
      if (!win) return undefined;
      const gate = win.start + minElapsedMs;
      return gate > now ? gate : win.end;
    },
  });
}
