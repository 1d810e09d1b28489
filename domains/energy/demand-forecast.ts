import { wallTime } from '../../core/time/zoned-time.js';

/**
 * The load of an electricity meter over time and the forecast of the demand window it is in (the average kW
 * over clock-aligned 15-minute windows, as utilities bill it). The demand rule (domains/rules/conditions/
 * demand.ts) and demand limiting (domains/control/demand-service.ts) share it.
 */

/** What a meter point measures: instantaneous power, or an energy counter (kWh). */
export type MeterSource = 'power' | 'energy';

const POWER_KW: Record<string, number> = { '': 1, W: 0.001, kW: 1, MW: 1000 };
const ENERGY_KWH: Record<string, number> = { Wh: 0.001, kWh: 1, MWh: 1000 };

/**
 * Power or energy, from the point's kind and unit: a counter, or a point in Wh/kWh/MWh, is an energy counter;
 * anything else power. The kind is authoritative when known (a `counter` in '' is a kWh counter).
 */
export function meterSource(kind: string | undefined, unit: string | undefined): MeterSource {
  if (kind === 'counter') return 'energy';
  return unit !== undefined && unit in ENERGY_KWH ? 'energy' : 'power';
}

/** kW per unit of a power point, kWh per unit of an energy counter; throws on a unit that is neither. */
export function meterFactor(source: MeterSource, unit: string | undefined, where: string): number {
  const u = unit ?? '';
  const f = source === 'power' ? POWER_KW[u] : u === '' ? 1 : ENERGY_KWH[u];
  if (f === undefined)
    throw new Error(
      `${where}: expected a ${source === 'power' ? 'power point in W, kW or MW' : 'energy counter in Wh, kWh or MWh'}, got unit "${u}"`,
    );
  return f;
}

/** A value for a verdict: 3 decimals, as messages show it (no float noise). */
export const round3 = (v: number): number => Number(v.toFixed(3));

const mod = (a: number, b: number) => ((a % b) + b) % b;

/** The zone's offset at ts (wall clock minus UTC), ms. */
export function zoneOffset(ts: number, tz: string): number {
  const w = wallTime(ts, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ts - mod(ts, 1000));
}

/** The start of the window of `windowMs` (a divisor of an hour) containing ts, aligned to the local clock. */
export function alignedStart(ts: number, windowMs: number, tz: string): number {
  return ts - mod(ts + zoneOffset(ts, tz), windowMs);
}

/** Local 'HH:MM' of ts. */
export function hhmm(ts: number, tz: string): string {
  const w = wallTime(ts, tz);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

const HOUR_MS = 3_600_000;

/** A stretch of known, constant load. */
interface Segment {
  from: number;
  to: number;
  kw: number;
}

/**
 * The load of a meter as piecewise-constant kW over time. Power: a reading holds until the next one (and the
 * last one until now). Energy counter: each step between two readings is its Δenergy / Δt, known up to the
 * last reading; a counter that goes down (reset, rollover) starts a new baseline and that step counts as
 * unknown (no negative demand). Times are the `now` of the readings.
 */
export class LoadTrace {
  private segments: Segment[] = [];
  private last: { t: number; raw: number } | undefined;
  /** The load now (kW): the last power reading, or the last counter step's rate (undefined after a drop). */
  current: number | undefined;

  constructor(
    readonly source: MeterSource,
    private readonly factor: number,
  ) {}

  get hasData(): boolean {
    return this.last !== undefined;
  }

  add(t: number, raw: number): void {
    const last = this.last;
    if (this.source === 'power') {
      if (last && t > last.t) this.segments.push({ from: last.t, to: t, kw: last.raw * this.factor });
      this.current = raw * this.factor;
    } else if (last && t > last.t) {
      if (raw >= last.raw) {
        const kw = ((raw - last.raw) * this.factor) / ((t - last.t) / HOUR_MS);
        this.segments.push({ from: last.t, to: t, kw });
        this.current = kw;
      } else this.current = undefined;
    } else if (last && raw < last.raw) this.current = undefined;
    this.last = last && t < last.t ? last : { t, raw };
  }

  /** kW·ms known over [from, to), the time it covers, and where the known stretch ends. */
  integrate(from: number, to: number): { kwMs: number; coveredMs: number; coveredTo: number | undefined } {
    let kwMs = 0;
    let coveredMs = 0;
    let coveredTo: number | undefined;
    const take = (s: Segment) => {
      const a = Math.max(s.from, from);
      const b = Math.min(s.to, to);
      if (b <= a) return;
      kwMs += s.kw * (b - a);
      coveredMs += b - a;
      coveredTo = coveredTo === undefined ? b : Math.max(coveredTo, b);
    };
    for (const s of this.segments) take(s);
    if (this.source === 'power' && this.last)
      take({ from: this.last.t, to, kw: this.last.raw * this.factor });
    return { kwMs, coveredMs, coveredTo };
  }

  /** Forget the segments that end at or before t. */
  prune(t: number): void {
    if (this.segments.length && this.segments[0]!.to <= t)
      this.segments = this.segments.filter((s) => s.to > t);
  }
}

/** A demand window: [start, end), ms UTC. */
export interface DemandWindowSpan {
  start: number;
  end: number;
}

/**
 * The window a meter's load is in and its forecast. Readings are taken with take(); roll() closes the windows
 * that ended. Forecast of the window's end = avgSoFar × e/W + current × (1 − e/W), e = time known so far in
 * the window (now for power, the last counter reading for energy), current = the last power reading or counter
 * step's rate.
 */
export class DemandForecast {
  readonly trace: LoadTrace;
  /** The window being forecast (from the first reading on). */
  win: DemandWindowSpan | undefined;

  constructor(
    readonly source: MeterSource,
    factor: number,
    readonly windowMs: number,
    readonly timeZone: string,
  ) {
    this.trace = new LoadTrace(source, factor);
  }

  /** A reading (raw, in the point's unit) at now; the step up to a boundary reading belongs to the old window. */
  take(now: number, value: number): void {
    if (!this.win) {
      const start = alignedStart(now, this.windowMs, this.timeZone);
      this.win = { start, end: start + this.windowMs };
    }
    this.trace.add(now, value);
  }

  /** The average so far and the forecast of the window's end, as known at `at`; undefined without data. */
  forecastAt(w: DemandWindowSpan, at: number): { avg: number; forecast: number } | undefined {
    const { trace } = this;
    const { kwMs, coveredMs, coveredTo } = trace.integrate(w.start, at);
    if (coveredMs <= 0 || coveredTo === undefined) {
      // a power reading just now is data (it holds from here); a counter needs a step in the window
      const now = this.source === 'power' ? trace.current : undefined;
      return now === undefined ? undefined : { avg: now, forecast: now };
    }
    const avg = kwMs / coveredMs;
    const frac = Math.min(1, (coveredTo - w.start) / this.windowMs);
    return { avg, forecast: avg * frac + (trace.current ?? avg) * (1 - frac) };
  }

  /** Close the windows that ended by `now`, each with its forecast at its end (its average). */
  roll(
    now: number,
    closed?: (w: DemandWindowSpan, f: { avg: number; forecast: number } | undefined) => void,
  ): void {
    while (this.win && now >= this.win.end) {
      const w = this.win;
      closed?.(w, this.forecastAt(w, w.end));
      this.win = { start: w.end, end: w.end + this.windowMs };
      this.trace.prune(this.win.start);
    }
  }
}
