import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { PointValue, Reading } from '../../core/model/reading.js';
import type { Db } from '../../platform/db/database.js';
import type { History } from '../../platform/storage/history.js';
import type { StartAdvisor } from './schedule-engine.js';
import { addDays, dayOf, instantOf, localDate, type PlannedSchedule, type Want } from './schedule-plan.js';
import { minutesOf, type OptimumStartConfig } from './schedule-schema.js';

/**
 * Optimum start: how long a zone takes to reach its comfort setpoint once its equipment starts, learned as a
 * linear function of the start gap |indoor − setpoint| (K) and the outdoor temperature (least squares over the
 * mornings in history and those it watches itself), used to start the first period of each day just early
 * enough. Each morning is recorded: the lead used, when the setpoint was reached, the miss in minutes.
 */

/** Without enough mornings to learn from: this many minutes per kelvin of gap (clamped to maxLeadMinutes). */
export const DEFAULT_MINUTES_PER_K = 15;
/** Mornings further back than this are not learned from. */
export const LEARN_DAYS = 35;

/** One morning: the equipment started with the zone `gap` K from its setpoint and reached it `minutes` later. */
export interface StartSample {
  gap: number;
  outdoor?: number;
  minutes: number;
}

/** minutes ≈ intercept + perK·gap (+ perOutdoorK·outdoor). */
export interface LeadModel {
  intercept: number;
  perK: number;
  perOutdoorK?: number;
  samples: number;
  /** Root-mean-square error of the fit over its samples, minutes. */
  rmseMinutes: number;
}

/** Least squares over the samples (with the outdoor temperature when every sample has it and it varies). */
export function fitLead(samples: readonly StartSample[]): LeadModel | undefined {
  if (samples.length < 3) return undefined;
  const withOutdoor =
    samples.length >= 4 &&
    samples.every((s) => s.outdoor !== undefined) &&
    new Set(samples.map((s) => Math.round((s.outdoor ?? 0) * 10))).size > 1;
  const rows = samples.map((s) => (withOutdoor ? [1, s.gap, s.outdoor!] : [1, s.gap]));
  const beta = leastSquares(
    rows,
    samples.map((s) => s.minutes),
  );
  if (!beta) return undefined;
  const predict = (r: number[]) => r.reduce((sum, x, i) => sum + x * beta[i]!, 0);
  const sq = rows.reduce((sum, r, i) => sum + (predict(r) - samples[i]!.minutes) ** 2, 0);
  return {
    intercept: beta[0]!,
    perK: beta[1]!,
    ...(withOutdoor ? { perOutdoorK: beta[2]! } : {}),
    samples: samples.length,
    rmseMinutes: Math.sqrt(sq / samples.length),
  };
}

/** The lead (minutes, 0…max) for a gap and outdoor temperature. */
export function predictLead(
  model: LeadModel | undefined,
  gap: number,
  outdoor: number | undefined,
  maxLeadMinutes: number,
): number {
  const raw = model
    ? model.intercept +
      model.perK * gap +
      (model.perOutdoorK !== undefined && outdoor !== undefined ? model.perOutdoorK * outdoor : 0)
    : DEFAULT_MINUTES_PER_K * gap;
  return Math.round(Math.min(maxLeadMinutes, Math.max(0, raw)));
}

/** Solve (XᵀX)β = Xᵀy by Gaussian elimination with partial pivoting; undefined when singular. */
function leastSquares(x: number[][], y: number[]): number[] | undefined {
  const k = x[0]!.length;
  const a = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k + 1 }, (_, j) =>
      j < k ? x.reduce((s, r) => s + r[i]! * r[j]!, 0) : x.reduce((s, r, n) => s + r[i]! * y[n]!, 0),
    ),
  );
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-9) return undefined;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row, i) => row[k]! / row[i]!);
}

/** The value at or just before `ts` in a sorted series (within `maxAgeMs`). */
function valueAt(
  series: readonly [number, PointValue | null][],
  ts: number,
  maxAgeMs: number,
): number | undefined {
  let lo = 0;
  let hi = series.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (series[mid]![0] <= ts) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const hit = series[found];
  return hit && ts - hit[0] <= maxAgeMs && typeof hit[1] === 'number' ? hit[1] : undefined;
}

/**
 * Samples from history: for each start instant, the gap then, and the minutes until the zone first came within
 * the tolerance of the setpoint (mornings that never reach it within `horizonMs` are left out).
 */
export function samplesFromHistory(
  indoor: readonly [number, PointValue | null][],
  outdoor: readonly [number, PointValue | null][] | undefined,
  starts: readonly number[],
  cfg: { setpoint: number; toleranceK: number },
  horizonMs = 6 * 3_600_000,
): StartSample[] {
  const out: StartSample[] = [];
  for (const start of starts) {
    const t0 = valueAt(indoor, start, 15 * 60_000);
    if (t0 === undefined) continue;
    const gap = Math.abs(t0 - cfg.setpoint);
    if (gap <= cfg.toleranceK) continue;
    const o = outdoor ? valueAt(outdoor, start, 60 * 60_000) : undefined;
    const first = indoor.find(
      ([ts, v]) =>
        ts >= start &&
        ts <= start + horizonMs &&
        typeof v === 'number' &&
        Math.abs(v - cfg.setpoint) <= cfg.toleranceK,
    );
    if (!first) continue;
    out.push({ gap, ...(o !== undefined ? { outdoor: o } : {}), minutes: (first[0] - start) / 60_000 });
  }
  return out;
}

export interface Morning {
  scheduleId: string;
  date: string;
  occupiedAt: number;
  leadMinutes: number;
  startedAt?: number;
  indoor?: number;
  outdoor?: number;
  reachedAt?: number;
  missMinutes?: number;
}

interface MorningRow {
  schedule_id: string;
  date: string;
  occupied_at: number;
  lead_minutes: number;
  started_at: number | null;
  indoor: number | null;
  outdoor: number | null;
  reached_at: number | null;
  miss_minutes: number | null;
}

const fromRow = (r: MorningRow): Morning => ({
  scheduleId: r.schedule_id,
  date: r.date,
  occupiedAt: r.occupied_at,
  leadMinutes: r.lead_minutes,
  ...(r.started_at !== null ? { startedAt: r.started_at } : {}),
  ...(r.indoor !== null ? { indoor: r.indoor } : {}),
  ...(r.outdoor !== null ? { outdoor: r.outdoor } : {}),
  ...(r.reached_at !== null ? { reachedAt: r.reached_at } : {}),
  ...(r.miss_minutes !== null ? { missMinutes: r.miss_minutes } : {}),
});

/** The first period of a local date: when it starts (without a lead), if the date has one. */
export function occupancyOn(s: PlannedSchedule, date: string, tz: string): number | undefined {
  const periods = dayOf(s, date).periods;
  if (!periods.length) return undefined;
  const first = Math.min(...periods.map((p) => minutesOf(p.from)));
  return instantOf(date, first, tz);
}

/** A morning being watched: started, waiting for the zone to reach its setpoint. */
interface Watch {
  morning: Morning;
  cfg: OptimumStartConfig;
}

export class OptimumStart implements StartAdvisor {
  private readonly models = new Map<string, LeadModel | undefined>();
  private readonly samples = new Map<string, StartSample[]>();
  private readonly mornings = new Map<string, Map<string, Morning>>();
  private readonly watching = new Map<string, Watch>();
  private readonly latest = new Map<string, number>();
  private off?: () => void;
  /** Schedules with optimum start, by id (the engine's current set). */
  private configs = new Map<string, OptimumStartConfig>();

  constructor(
    private readonly d: {
      db: Db;
      bus: EventBus;
      clock: Clock;
      log: Logger;
      timeZone: string;
      history: () => History | undefined;
      /** The newest value of a point (LatestValues), before the first reading on the bus arrives. */
      latest?: (pointId: string) => number | undefined;
    },
  ) {
    for (const r of d.db
      .prepare('SELECT * FROM optimum_start_mornings ORDER BY date')
      .all() as MorningRow[]) {
      const m = fromRow(r);
      this.morningsOf(m.scheduleId).set(m.date, m);
    }
  }

  start(): void {
    this.off = this.d.bus.on('readings.accepted', (batch) => this.onReadings(batch));
  }

  stop(): void {
    this.off?.();
  }

  /** The schedules with optimum start the engine runs now. */
  setSchedules(list: readonly PlannedSchedule[]): void {
    this.configs = new Map(
      list.filter((s) => s.config.optimumStart).map((s) => [s.config.id, s.config.optimumStart!]),
    );
  }

  private morningsOf(id: string): Map<string, Morning> {
    let m = this.mornings.get(id);
    if (!m) {
      m = new Map();
      this.mornings.set(id, m);
    }
    return m;
  }

  leadOf = (scheduleId: string, date: string): number | undefined =>
    this.mornings.get(scheduleId)?.get(date)?.leadMinutes;

  nextDecision(s: PlannedSchedule, now: number): number | undefined {
    const cfg = s.config.optimumStart;
    if (!cfg) return undefined;
    const today = localDate(now, this.d.timeZone);
    for (let i = -1; i <= 8; i++) {
      const date = addDays(today, i);
      const occ = occupancyOn(s, date, this.d.timeZone);
      if (occ === undefined || occ <= now || this.leadOf(s.config.id, date) !== undefined) continue;
      return occ - cfg.maxLeadMinutes * 60_000;
    }
    return undefined;
  }

  decide(s: PlannedSchedule, now: number): boolean {
    const cfg = s.config.optimumStart;
    if (!cfg) return false;
    const today = localDate(now, this.d.timeZone);
    for (let i = -1; i <= 8; i++) {
      const date = addDays(today, i);
      const occ = occupancyOn(s, date, this.d.timeZone);
      if (occ === undefined || occ <= now || this.leadOf(s.config.id, date) !== undefined) continue;
      if (occ - cfg.maxLeadMinutes * 60_000 > now) return false;
      const lead = this.predict(s.config.id, cfg);
      const m: Morning = { scheduleId: s.config.id, date, occupiedAt: occ, leadMinutes: lead };
      this.save(m);
      this.d.log.info({ schedule: s.config.id, date, lead }, 'optimum start: lead decided');
      return lead > 0;
    }
    return false;
  }

  /** The lead it would use now for a schedule (the indoor and outdoor temperatures as they are). */
  predict(scheduleId: string, cfg: OptimumStartConfig): number {
    const indoor = this.value(cfg.temperature);
    if (indoor === undefined) return cfg.maxLeadMinutes; // blind: start as early as allowed
    const outdoor = cfg.outdoor ? this.value(cfg.outdoor) : undefined;
    return predictLead(
      this.models.get(scheduleId),
      Math.abs(indoor - cfg.setpoint),
      outdoor,
      cfg.maxLeadMinutes,
    );
  }

  edge(s: PlannedSchedule, want: Want, now: number): void {
    const cfg = s.config.optimumStart;
    const m = this.mornings.get(s.config.id)?.get(want.date);
    if (!cfg || !m || m.startedAt !== undefined || want.kind !== 'period') return;
    if (now < m.occupiedAt - m.leadMinutes * 60_000 || now > m.occupiedAt) return;
    const indoor = this.value(cfg.temperature);
    const outdoor = cfg.outdoor ? this.value(cfg.outdoor) : undefined;
    Object.assign(m, {
      startedAt: now,
      ...(indoor !== undefined ? { indoor } : {}),
      ...(outdoor !== undefined ? { outdoor } : {}),
    });
    this.save(m);
    this.watching.set(s.config.id, { morning: m, cfg });
    if (indoor !== undefined) this.check(s.config.id, cfg.temperature, indoor, now);
  }

  private value(pointId: string): number | undefined {
    return this.latest.get(pointId) ?? this.d.latest?.(pointId);
  }

  private onReadings(batch: readonly Reading[]): void {
    for (const r of batch) {
      if (typeof r.value !== 'number' || r.quality === 'bad') continue;
      this.latest.set(r.pointId, r.value);
      if (!this.watching.size) continue;
      for (const [id, w] of this.watching)
        if (w.cfg.temperature === r.pointId) this.check(id, r.pointId, r.value, r.ts);
    }
  }

  private check(id: string, _pointId: string, value: number, ts: number): void {
    const w = this.watching.get(id);
    if (!w) return;
    const m = w.morning;
    if (ts > m.occupiedAt + 6 * 3_600_000) {
      this.watching.delete(id); // never reached: the morning stays without reachedAt
      return;
    }
    if (Math.abs(value - w.cfg.setpoint) > w.cfg.toleranceK) return;
    m.reachedAt = Math.max(ts, m.startedAt ?? ts);
    m.missMinutes = Math.round(((m.reachedAt - m.occupiedAt) / 60_000) * 10) / 10;
    this.save(m);
    this.watching.delete(id);
    if (
      m.startedAt !== undefined &&
      m.indoor !== undefined &&
      Math.abs(m.indoor - w.cfg.setpoint) > w.cfg.toleranceK
    ) {
      const list = this.samples.get(id) ?? [];
      list.push({
        gap: Math.abs(m.indoor - w.cfg.setpoint),
        ...(m.outdoor !== undefined ? { outdoor: m.outdoor } : {}),
        minutes: (m.reachedAt - m.startedAt) / 60_000,
      });
      this.samples.set(id, list);
      this.models.set(id, fitLead(list));
    }
    this.d.log.info({ schedule: id, date: m.date, miss: m.missMinutes }, 'optimum start: setpoint reached');
  }

  private save(m: Morning): void {
    this.morningsOf(m.scheduleId).set(m.date, m);
    this.d.db
      .prepare(
        `INSERT INTO optimum_start_mornings (schedule_id, date, occupied_at, lead_minutes, started_at, indoor, outdoor, reached_at, miss_minutes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(schedule_id, date) DO UPDATE SET occupied_at = excluded.occupied_at, lead_minutes = excluded.lead_minutes,
           started_at = excluded.started_at, indoor = excluded.indoor, outdoor = excluded.outdoor,
           reached_at = excluded.reached_at, miss_minutes = excluded.miss_minutes`,
      )
      .run(
        m.scheduleId,
        m.date,
        m.occupiedAt,
        m.leadMinutes,
        m.startedAt ?? null,
        m.indoor ?? null,
        m.outdoor ?? null,
        m.reachedAt ?? null,
        m.missMinutes ?? null,
      );
  }

  /**
   * Learn each schedule's model from history: the last LEARN_DAYS days, each day's equipment start (the morning
   * recorded, else the first period's start) and the zone temperature after it, one-minute means.
   */
  async learn(list: readonly PlannedSchedule[], now = this.d.clock.now()): Promise<void> {
    const history = this.d.history();
    for (const s of list) {
      const cfg = s.config.optimumStart;
      if (!cfg) continue;
      const starts: number[] = [];
      const today = localDate(now, this.d.timeZone);
      for (let i = LEARN_DAYS; i >= 1; i--) {
        const date = addDays(today, -i);
        const m = this.mornings.get(s.config.id)?.get(date);
        const start = m?.startedAt ?? occupancyOn(s, date, this.d.timeZone);
        if (start !== undefined && start < now) starts.push(start);
      }
      let samples: StartSample[] = [];
      if (history && starts.length) {
        try {
          const from = starts[0]! - 3_600_000;
          const ids = [cfg.temperature, ...(cfg.outdoor ? [cfg.outdoor] : [])];
          const { series } = await history.series({
            pointIds: ids,
            from,
            to: now,
            stepMs: 60_000,
            agg: 'mean',
          });
          const of = (id: string) => series.find((x) => x.pointId === id)?.values ?? [];
          samples = samplesFromHistory(
            of(cfg.temperature),
            cfg.outdoor ? of(cfg.outdoor) : undefined,
            starts,
            cfg,
          );
        } catch (err) {
          this.d.log.warn(
            { err: (err as Error).message, schedule: s.config.id },
            'optimum start: history unreadable',
          );
        }
      }
      this.samples.set(s.config.id, samples);
      this.models.set(s.config.id, fitLead(samples));
    }
  }

  /** Per schedule: the model learned, the lead it would use now, each morning recorded (newest first). */
  report() {
    return [...this.configs.entries()].map(([id, cfg]) => {
      const model = this.models.get(id);
      const mornings = [...(this.mornings.get(id)?.values() ?? [])].sort(
        (a, b) => b.occupiedAt - a.occupiedAt,
      );
      const misses = mornings.filter((m) => m.missMinutes !== undefined).map((m) => Math.abs(m.missMinutes!));
      return {
        scheduleId: id,
        temperature: cfg.temperature,
        outdoor: cfg.outdoor,
        setpoint: cfg.setpoint,
        maxLeadMinutes: cfg.maxLeadMinutes,
        model: model ?? null,
        /** Minutes per kelvin of gap the model says (the learned rate), or the default before it learned. */
        minutesPerK: model ? model.perK : DEFAULT_MINUTES_PER_K,
        leadNow: this.predict(id, cfg),
        meanAbsMissMinutes: misses.length ? misses.reduce((a, b) => a + b, 0) / misses.length : null,
        mornings: mornings.slice(0, 60),
      };
    });
  }
}
