import type { Clock } from '../../core/clock.js';
import type { Schedule } from '../../core/time/schedule.js';
import { intervalStart, nextInterval, wallTime } from '../../core/time/zoned-time.js';
import { type Baseline, learnBaseline } from './baseline.js';
import type { BaselineSource } from './baseline-source.js';
import type { Meter } from './meters.js';
import type { SlotCalendar, SlotSeries } from './slot-calendar.js';

const DAY_MS = 86_400_000;

/**
 * The baselines the rules engine asks for (after-hours, budget): each physical meter's expected use per day
 * type and local hour, learned from the ledger over the `weeks` before today, again once a day.
 */
export class LearnedBaselines implements BaselineSource {
  /** meter id → baseline, and the day it was learned. */
  private readonly learned = new Map<string, { baseline: Baseline; day: number }>();

  constructor(
    private readonly d: {
      meters: readonly Meter[];
      weeks: number;
      timeZone: string;
      clock: Clock;
      /** The site's holiday calendar: its day types (0–6 weekdays, 7 holidays). */
      calendar?: Schedule;
      calendarFor(from: number, to: number): SlotCalendar;
      /** Every meter's slots over the calendar, from the ledger as it is (no refresh). */
      seriesOf(cal: SlotCalendar): Map<string, SlotSeries>;
    },
  ) {}

  /** How many meters have a baseline. */
  get size(): number {
    return this.learned.size;
  }

  /** Learn again what is not from today (after the ledger's refresh). */
  relearn(): void {
    const { clock, timeZone, weeks, meters } = this.d;
    const today = intervalStart(clock.now(), '1d', timeZone);
    const stale = meters.filter((m) => m.pointId && this.learned.get(m.id)?.day !== today);
    if (!stale.length) return;
    const cal = this.d.calendarFor(
      intervalStart(today - weeks * 7 * DAY_MS + DAY_MS / 2, '1d', timeZone),
      today,
    );
    const series = this.d.seriesOf(cal);
    for (const m of stale)
      this.learned.set(m.id, { baseline: learnBaseline(series.get(m.id)!, cal, 0, cal.n), day: today });
  }

  expectedKw(assetId: string, ts: number): number | undefined {
    const meter = this.d.meters.find(
      (m) => m.medium === 'electricity' && m.pointId?.startsWith(`${assetId}/`),
    );
    return meter ? this.expectedAt(meter, ts) : undefined;
  }

  expectedUse(pointId: string, from: number, to: number): number | undefined {
    const meter = this.d.meters.find((m) => m.pointId === pointId);
    if (!meter) return undefined;
    const tz = this.d.timeZone;
    let total = 0;
    for (let t = intervalStart(from, '1h', tz); t < to; t = nextInterval(t, '1h', tz)) {
      const kwh = this.expectedAt(meter, t);
      if (kwh === undefined) return undefined;
      total += kwh;
    }
    return total / meter.factor; // the budget counts in the point's unit (Wh, L, ...)
  }

  /** The learned expectation for the local hour of ts (kWh in that hour = its mean kW). */
  private expectedAt(meter: Meter, ts: number): number | undefined {
    const learned = this.learned.get(meter.id);
    if (!learned) return undefined;
    const w = wallTime(ts, this.d.timeZone);
    const dayType = this.d.calendar
      ? this.d.calendar.dayType(w.year, w.month, w.day)
      : new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    const v = learned.baseline.expected[dayType * 24 + w.hour]!;
    return Number.isNaN(v) ? undefined : v;
  }
}
