import type { Logger } from 'pino';
import { type ActingPerson, personActor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { invalid, notFound, unavailable } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { Schedule } from '../../core/time/schedule.js';
import { type CalendarUnit, intervalStart, nextInterval } from '../../core/time/zoned-time.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { Db } from '../../platform/db/database.js';
import type { History } from '../../platform/storage/history.js';
import { automationSavings } from './automation-savings.js';
import { learnBaseline, savings } from './baseline.js';
import type { BaselineSource } from './baseline-source.js';
import { LearnedBaselines } from './learned-baselines.js';
import { EnergyLedger } from './ledger.js';
import { meterSeries, peakDemand, sumRange } from './meter-series.js';
import { type Meter, meterTree, resolveMeters, sitePowerPoints } from './meters.js';
import { buildReport, type EnergyReport, type ReportWindows } from './report.js';
import { ActivityStore } from './savings-activity.js';
import {
  dayRange,
  localDate,
  SLOT_MS,
  type SlotCalendar,
  type SlotSeries,
  slotCalendar,
} from './slot-calendar.js';
import { electricityPlan, flatCost, priceSeries, type TariffPlan } from './tariff.js';

export interface EnergyServiceOptions {
  site: SiteModel;
  db: Db;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  history: () => History | undefined;
  settledBefore: () => number;
  schedules: ReadonlyMap<string, Schedule>;
}

export interface IntervalRow {
  start: number;
  end: number;
  /** Consumption in the meter's unit; null when no reading closed a slot of it (a gap, never 0). */
  value: number | null;
  completeness: number;
  peakDemandKw?: number | null;
  cost?: number | null;
  carbonKg?: number | null;
}

const DAY_MS = 86_400_000;
/** The ledger is brought up to date this long after each quarter hour (the outbox flushes every second). */
const REFRESH_LAG_MS = 60_000;

/**
 * The energy domain: the meter hierarchy, the ledger of 15-minute consumption built from history, the
 * reports, interval series, baselines and savings over it, and the learned baselines the rules use.
 */
export class EnergyService implements BaselineSource {
  readonly meters: Meter[];
  readonly ledger: EnergyLedger;
  private readonly meterById: Map<string, Meter>;
  private readonly tz: string;
  private readonly calendar?: Schedule;
  private readonly workingHours?: Schedule;
  private timer: unknown;
  private stopped = false;
  /** Baselines for the rules, learned once a day. */
  private readonly learned: LearnedBaselines;
  /** When each automation measure acted (the savings per measure attribute to them). */
  readonly activity: ActivityStore;

  constructor(private readonly o: EnergyServiceOptions) {
    const cfg = o.site.config.energy;
    this.tz = o.site.site.timezone;
    this.meters = resolveMeters(o.site.config, o.site, (path, message) => {
      throw new Error(`${path.join('.')}: ${message}`);
    });
    this.meterById = new Map(this.meters.map((m) => [m.id, m]));
    this.activity = new ActivityStore(o.db);
    this.calendar = cfg.calendar ? o.schedules.get(cfg.calendar) : undefined;
    this.workingHours = cfg.workingHours ? o.schedules.get(cfg.workingHours) : undefined;
    this.ledger = new EnergyLedger({
      db: o.db,
      history: o.history,
      points: this.meters
        .filter((m) => m.pointId)
        .map((m) => ({
          pointId: m.pointId!,
          ...(m.rolloverAt !== undefined ? { rolloverAt: m.rolloverAt } : {}),
        })),
      timeZone: this.tz,
      now: () => o.clock.now(),
      settledBefore: o.settledBefore,
      log: o.log,
    });
    this.learned = new LearnedBaselines({
      meters: this.meters,
      weeks: cfg.baselineWeeks,
      timeZone: this.tz,
      clock: o.clock,
      ...(this.calendar ? { calendar: this.calendar } : {}),
      calendarFor: (from, to) => this.calendarFor(from, to),
      seriesOf: (cal) => meterSeries(this.meters, this.ledger.read(cal, this.ledgerPoints()), cal.n),
    });
  }

  /** Warm the ledger over `warmDays` in the background, then refresh it after every quarter hour. */
  start(): void {
    const now = this.o.clock.now();
    // warmDays back, and at least from the month before last (last month's report compares with it)
    const thisMonth = intervalStart(now, '1mo', this.tz);
    const monthBeforeLast = intervalStart(intervalStart(thisMonth - 1, '1mo', this.tz) - 1, '1mo', this.tz);
    const warmFrom = Math.min(
      intervalStart(now - this.o.site.config.energy.warmDays * DAY_MS, '1d', this.tz),
      monthBeforeLast,
    );
    this.refresh(warmFrom);
    const schedule = () => {
      if (this.stopped) return;
      const t = this.o.clock.now();
      const wait = SLOT_MS - (t % SLOT_MS) + REFRESH_LAG_MS;
      this.timer = this.o.clock.setTimeout(() => {
        this.refresh(intervalStart(this.o.clock.now() - DAY_MS, '1d', this.tz));
        schedule();
      }, wait);
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
  }

  private refresh(from: number): void {
    if (!this.meters.length) return;
    this.ledger
      .ensure(from, this.o.clock.now())
      .then(() => this.learned.relearn())
      .catch(() => undefined); // counted and logged by the ledger; the next refresh tries again
  }

  expectedKw(assetId: string, ts: number): number | undefined {
    return this.learned.expectedKw(assetId, ts);
  }

  expectedUse(pointId: string, from: number, to: number): number | undefined {
    return this.learned.expectedUse(pointId, from, to);
  }

  /**
   * A daily (YYYY-MM-DD, default yesterday) or monthly (YYYY-MM, default last month) report for the site or
   * a zone.
   */
  async report(kind: 'daily' | 'monthly', label?: string, zoneId?: string): Promise<EnergyReport> {
    label ??= kind === 'daily' ? this.localDay(-1) : this.lastMonth();
    if (zoneId !== undefined && !this.o.site.zoneById.has(zoneId)) throw notFound('zone', zoneId);
    const weeks = this.o.site.config.energy.baselineWeeks;
    const [y, m, d] = label.split('-').map(Number) as [number, number, number?];
    const first = kind === 'daily' ? label : `${label}-01`;
    const { from: periodFrom } = dayRange(first, first, this.tz);
    const periodTo = nextInterval(periodFrom, kind === 'daily' ? '1d' : '1mo', this.tz);
    const previousFrom =
      kind === 'daily'
        ? dayRange(isoDate(y, m, d! - 1), isoDate(y, m, d! - 1), this.tz).from
        : dayRange(isoDate(y, m - 1, 1), isoDate(y, m - 1, 1), this.tz).from;
    const learnFrom = dayRange(
      isoDate(y, m, (d ?? 1) - weeks * 7),
      isoDate(y, m, (d ?? 1) - weeks * 7),
      this.tz,
    ).from;
    const calFrom = Math.min(previousFrom, learnFrom);
    const now = this.o.clock.now();
    if (periodFrom > now) throw invalid(`${label} has not begun`);
    const cal = this.calendarFor(calFrom, periodTo);
    const slot = (t: number) => Math.round((t - calFrom) / SLOT_MS);
    const windows: ReportWindows = {
      kind,
      label,
      period: [slot(periodFrom), slot(periodTo)],
      // a period in progress is compared with the same stretch of the one before (month to date)
      previous: [
        slot(previousFrom),
        slot(Math.min(periodFrom, previousFrom + Math.max(0, now - periodFrom))),
      ],
      learn: [slot(learnFrom), slot(periodFrom)],
      elapsed: Math.max(0, Math.ceil((Math.min(now, periodTo) - periodFrom) / SLOT_MS)),
    };
    const series = await this.seriesOver(cal);
    const plan = this.plan(cal);
    return {
      ...buildReport({
        cal,
        windows,
        meters: this.meters,
        series,
        energy: this.o.site.config.energy,
        ...(plan ? { plan } : {}),
        zones: this.o.site.zones,
        ...(zoneId ? { zoneId } : {}),
      }),
      generatedAt: now,
    };
  }

  /** One meter's consumption per 15 min, hour, day or month, with completeness, peak demand, cost, carbon. */
  async intervals(meterId: string, from: number, to: number, unit: CalendarUnit) {
    if (from >= to) throw invalid('from must be before to');
    const meter = this.meter(meterId);
    const start = intervalStart(from, unit, this.tz);
    const dayFrom = intervalStart(start, '1d', this.tz);
    const dayTo = nextInterval(intervalStart(to - 1, '1d', this.tz), '1d', this.tz);
    const cal = this.calendarFor(
      dayFrom,
      Math.max(dayTo, nextInterval(intervalStart(to - 1, unit, this.tz), unit, this.tz)),
    );
    const series = (await this.seriesOver(cal)).get(meter.id)!;
    const plan = meter.medium === 'electricity' ? this.plan(cal) : undefined;
    const flat = meter.medium === 'electricity' ? undefined : this.o.site.config.energy.tariffs[meter.medium];
    const carbon = this.o.site.config.energy.carbon[meter.medium];
    const now = this.o.clock.now();
    const rows: IntervalRow[] = [];
    for (let s = start; s < to; ) {
      const e = nextInterval(s, unit, this.tz);
      const a = Math.round((s - cal.from) / SLOT_MS);
      const b = Math.round((e - cal.from) / SLOT_MS);
      const { sum, known } = sumRange(series, a, b);
      const elapsed = Math.max(0, Math.min(b - a, Math.ceil((now - s) / SLOT_MS)));
      const row: IntervalRow = {
        start: s,
        end: e,
        value: known ? round(sum) : null,
        completeness: elapsed ? round(known / elapsed, 4) : 0,
      };
      if (meter.medium === 'electricity') {
        const peak = peakDemand(series, a, b);
        row.peakDemandKw = peak ? round(peak.kw) : null;
      }
      if (plan) row.cost = known ? round(priceSeries(plan, series, a, b).cost, 2) : null;
      else if (flat) row.cost = known ? round(flatCost(flat.price, sum), 2) : null;
      if (carbon !== undefined) row.carbonKg = known ? round(sum * carbon, 2) : null;
      rows.push(row);
      s = e;
    }
    return {
      meter: meter.id,
      medium: meter.medium,
      unit: meter.unit,
      interval: unit,
      timezone: this.tz,
      intervals: rows,
    };
  }

  /** The baseline a meter has learned from the weeks before `date` (YYYY-MM-DD, default today): per day type and hour. */
  async baseline(meterId: string, date = this.localDay(0)) {
    const meter = this.meter(meterId);
    const weeks = this.o.site.config.energy.baselineWeeks;
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const { from } = dayRange(isoDate(y, m, d - weeks * 7), isoDate(y, m, d - weeks * 7), this.tz);
    const { from: to } = dayRange(date, date, this.tz);
    const cal = this.calendarFor(from, to);
    const b = learnBaseline((await this.seriesOver(cal)).get(meter.id)!, cal, 0, cal.n);
    const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'holiday'];
    return {
      meter: meter.id,
      unit: meter.unit,
      learnedFrom: b.from,
      learnedTo: b.to,
      weeks: b.weeks,
      dayTypes: names.map((name, t) => ({
        dayType: name,
        hours: Array.from({ length: 24 }, (_, h) => {
          const v = b.expected[t * 24 + h]!;
          return Number.isNaN(v) ? null : round(v);
        }),
        samples: Array.from(b.samples.subarray(t * 24, t * 24 + 24)),
      })),
    };
  }

  /** A saving measure that took effect on `since`: [since, until) against the baseline of the weeks before. */
  async savings(meterId: string, since: string, until: string | undefined) {
    const meter = this.meter(meterId);
    const weeks = this.o.site.config.energy.baselineWeeks;
    const [y, m, d] = since.split('-').map(Number) as [number, number, number];
    const { from } = dayRange(isoDate(y, m, d - weeks * 7), isoDate(y, m, d - weeks * 7), this.tz);
    const { from: start } = dayRange(since, since, this.tz);
    const now = this.o.clock.now();
    const end = until
      ? dayRange(until, until, this.tz).from
      : nextInterval(intervalStart(now, '1d', this.tz), '1d', this.tz);
    if (end <= start) throw invalid('until must be after since');
    if (start >= now) throw invalid(`${since} has not begun`);
    const cal = this.calendarFor(from, end);
    const series = (await this.seriesOver(cal)).get(meter.id)!;
    const elapsedTo = Math.min(cal.n, Math.ceil((Math.min(now, end) - cal.from) / SLOT_MS));
    const r = savings(series, cal, Math.round((start - cal.from) / SLOT_MS), weeks, elapsedTo);
    return {
      meter: meter.id,
      unit: meter.unit,
      since: start,
      until: Math.min(now, end),
      baseline: r.baseline,
      actual: round(r.actual),
      expected: round(r.expected),
      saved: round(r.saved),
      savedPct: Number.isNaN(r.savedPct) ? null : round(r.savedPct, 1),
      coverage: round(r.coverage, 4),
    };
  }

  /**
   * What automation saved on a meter (default: the site's electricity, the first electricity meter without a
   * parent) over [from, to) (local dates; default: from the day automation first acted to today included),
   * per measure: each 15-minute slot against the baseline learned over the `baselineWeeks` before automation
   * first acted, the difference attributed to the measures acting in the slot (automation-savings.ts).
   */
  async automationSavings(q: { meter?: string; from?: string; to?: string }) {
    const meter = q.meter
      ? this.meter(q.meter)
      : this.meters.find((m) => m.medium === 'electricity' && !m.parentId);
    if (!meter) throw notFound('meter', 'electricity');
    const weeks = this.o.site.config.energy.baselineWeeks;
    const now = this.o.clock.now();
    const first = this.activity.firstActivity();
    const since = localDate(first ?? now - 14 * DAY_MS, this.tz);
    const [y, m, d] = since.split('-').map(Number) as [number, number, number];
    const baselineEnd = dayRange(since, since, this.tz).from;
    const baselineFrom = dayRange(isoDate(y, m, d - weeks * 7), isoDate(y, m, d - weeks * 7), this.tz).from;
    const from = dayRange(q.from ?? since, q.from ?? since, this.tz).from;
    const to = q.to
      ? dayRange(q.to, q.to, this.tz).from
      : nextInterval(intervalStart(now, '1d', this.tz), '1d', this.tz);
    if (to <= from) throw invalid('to must be after from');
    if (from >= now) throw invalid(`${q.from} has not begun`);
    const calFrom = Math.min(baselineFrom, from);
    const cal = this.calendarFor(calFrom, Math.max(to, baselineEnd));
    const slot = (t: number) => Math.round((t - cal.from) / SLOT_MS);
    const series = (await this.seriesOver(cal)).get(meter.id)!;
    const toSlot = Math.min(slot(to), Math.ceil((Math.min(now, to) - cal.from) / SLOT_MS));
    const r = automationSavings({
      series,
      cal,
      baselineFromSlot: slot(baselineFrom),
      baselineEndSlot: slot(baselineEnd),
      fromSlot: slot(from),
      toSlot: Math.max(slot(from), toSlot),
      activity: this.activity.between(from, to),
      now,
      timeZone: this.tz,
    });
    const saved = (v: number) => round(v, 1);
    return {
      meter: meter.id,
      unit: meter.unit,
      from,
      to: Math.min(now, to),
      timezone: this.tz,
      automationSince: first ?? null,
      baseline: r.baseline,
      actual: saved(r.actual),
      expected: saved(r.expected),
      saved: saved(r.saved),
      savedPct: r.expected > 0 ? round((r.saved / r.expected) * 100, 1) : null,
      coverage: round(r.coverage, 4),
      measures: r.measures.map((x) => ({
        measure: x.measure,
        saved: saved(x.saved),
        savedPct: r.expected > 0 ? round((x.saved / r.expected) * 100, 1) : null,
        slots: x.slots,
        pointHours: round(x.pointHours, 1),
      })),
      unattributed: saved(r.unattributed),
      days: r.days.map((day) => ({
        date: day.date,
        actual: saved(day.actual),
        expected: saved(day.expected),
        saved: Object.fromEntries(Object.entries(day.saved).map(([k, v]) => [k, saved(v)])),
      })),
    };
  }

  /** The hierarchy as a tree, with the site's time zone and currency. */
  hierarchy() {
    return {
      timezone: this.tz,
      currency: this.o.site.config.energy.currency,
      meters: meterTree(this.meters),
    };
  }

  /** The power points that make up the site's electricity (the overview's power now). */
  sitePowerPoints(): string[] {
    return sitePowerPoints(this.meters, this.o.site);
  }

  /** Have days in [from, to) worked out again from history (it was imported or replayed late); audited. */
  unsettle(from: number, to: number, by: ActingPerson): { rows: number } {
    if (from >= to) throw invalid('from must be before to');
    const rows = this.ledger.unsettle(from, to);
    this.o.audit.record(personActor(by), {
      action: 'energy.ledger-unsettled',
      target: `${new Date(from).toISOString()}/${new Date(to).toISOString()}`,
      detail: `${rows} rows`,
    });
    return { rows };
  }

  health() {
    return { meters: this.meters.length, ledger: this.ledger.stats(), baselinesLearned: this.learned.size };
  }

  private meter(id: string): Meter {
    const m = this.meterById.get(id);
    if (!m) throw notFound('meter', id);
    return m;
  }

  /** The site's local date today (YYYY-MM-DD). */
  today(): string {
    return this.localDay(0);
  }

  /** The site's local date a number of days from now (a day is 24 h: fine away from a DST change's hour). */
  private localDay(offsetDays: number): string {
    return localDate(this.o.clock.now() + offsetDays * DAY_MS, this.tz);
  }

  private lastMonth(): string {
    const [y, m] = this.localDay(0).split('-').map(Number) as [number, number];
    return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
  }

  private ledgerPoints(): string[] {
    return this.meters.flatMap((m) => (m.pointId ? [m.pointId] : []));
  }

  private calendarFor(from: number, to: number): SlotCalendar {
    return slotCalendar(from, to, this.tz, {
      ...(this.calendar ? { calendar: this.calendar } : {}),
      ...(this.workingHours ? { workingHours: this.workingHours } : {}),
    });
  }

  private plan(cal: SlotCalendar): TariffPlan | undefined {
    const t = this.o.site.config.energy.tariffs.electricity;
    return t ? electricityPlan(t, cal) : undefined;
  }

  /** Every meter's slots over the calendar, the ledger brought up to date first. */
  private async seriesOver(cal: SlotCalendar): Promise<Map<string, SlotSeries>> {
    if (!this.o.history()) throw unavailable('storage is off (storage.mode: off): no history to read');
    await this.ledger.ensure(cal.from, Math.min(cal.to, this.o.clock.now() + 1));
    return meterSeries(this.meters, this.ledger.read(cal, this.ledgerPoints()), cal.n);
  }
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** YYYY-MM-DD of a date that may overflow (day 0, day −27, month 0): Date.UTC normalises it. */
function isoDate(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}
