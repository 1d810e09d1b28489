import { HOLIDAY, type Schedule } from '../../core/time/schedule.js';
import { fromWallTime, wallTime } from '../../core/time/zoned-time.js';

/** Energy is kept per 15-minute slot; every figure (hours, days, bands, baselines) is a sum of slots. */
export const SLOT_MS = 15 * 60_000;

export interface CalendarDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday, 7 = holiday (from the energy calendar; extra workdays take their weekday). */
  dayType: number;
  /** Index of the day's first slot in the calendar, and the number of its slots (92/96/100 with DST). */
  firstSlot: number;
  slots: number;
}

/**
 * The local-time facts of every 15-minute slot in [from, to), worked out once and shared by every meter:
 * which local day and hour a slot is in, what kind of day that is, whether it is working time. `from` and
 * `to` are local midnights (see dayRange). Zones whose offset is not a multiple of 15 min are not supported.
 */
export interface SlotCalendar {
  from: number;
  to: number;
  timeZone: string;
  /** Number of slots. */
  n: number;
  days: CalendarDay[];
  /** Per slot: index into days. */
  dayIndex: Uint16Array;
  /** Per slot: local hour 0–23. */
  hour: Uint8Array;
  /** Per slot: 1 in working hours (or when there is no working-hours schedule), 0 after hours. */
  working: Uint8Array;
}

/**
 * One meter's consumption per slot of a SlotCalendar, in its unit (kWh, m³). A value belongs to the slot of
 * the reading that closed it: NaN where no reading fell in the slot (a gap, never 0); spans[i] is how many
 * slots the value covers (1 normally, k when the k − 1 slots before it had no reading; 0 where NaN).
 */
export interface SlotSeries {
  values: Float64Array;
  spans: Uint8Array;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** [local midnight of the first date, local midnight after the last date]. */
export function dayRange(firstDate: string, lastDate: string, tz: string): { from: number; to: number } {
  const [y1, m1, d1] = firstDate.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = lastDate.split('-').map(Number) as [number, number, number];
  return {
    from: fromWallTime({ year: y1, month: m1, day: d1, hour: 0, minute: 0 }, tz),
    to: fromWallTime({ year: y2, month: m2, day: d2 + 1, hour: 0, minute: 0 }, tz),
  };
}

/** The local date (YYYY-MM-DD) of ts. */
export function localDate(ts: number, tz: string): string {
  const w = wallTime(ts, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export function slotCalendar(
  from: number,
  to: number,
  tz: string,
  opts: { calendar?: Schedule; workingHours?: Schedule } = {},
): SlotCalendar {
  if (from % SLOT_MS !== 0 || to % SLOT_MS !== 0 || to < from)
    throw new Error(`slot calendar: [${from}, ${to}) is not on 15-minute slots`);
  const n = (to - from) / SLOT_MS;
  const dayIndex = new Uint16Array(n);
  const hour = new Uint8Array(n);
  const working = new Uint8Array(n).fill(1);
  const days: CalendarDay[] = [];
  let dayStart = from;
  while (dayStart < to) {
    const w = wallTime(dayStart, tz);
    const next = Math.min(to, fromWallTime({ ...w, day: w.day + 1, hour: 0, minute: 0 }, tz));
    const firstSlot = (dayStart - from) / SLOT_MS;
    const slots = (next - dayStart) / SLOT_MS;
    const dayType = opts.calendar
      ? opts.calendar.dayType(w.year, w.month, w.day)
      : new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    const date = `${w.year}-${pad(w.month)}-${pad(w.day)}`;
    days.push({ date, year: w.year, month: w.month, day: w.day, dayType, firstSlot, slots });
    dayIndex.fill(days.length - 1, firstSlot, firstSlot + slots);
    // The hour of each slot: on a 96-slot day slot k is local minute 15k; a day the clock changes (by an
    // hour or, as on Lord Howe, by half of one) asks Intl for every slot.
    const regular = slots === 96;
    for (let i = 0; i < slots; i++) {
      const ts = dayStart + i * SLOT_MS;
      hour[firstSlot + i] = regular ? Math.floor(i / 4) : wallTime(ts, tz).hour;
      if (opts.workingHours && !opts.workingHours.isOn(ts)) working[firstSlot + i] = 0;
    }
    dayStart = next;
  }
  return { from, to, timeZone: tz, n, days, dayIndex, hour, working };
}

export { HOLIDAY };
