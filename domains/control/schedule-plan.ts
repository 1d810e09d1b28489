import type { PointValue } from '../../core/model/reading.js';
import { fromWallTime, wallTime } from '../../core/time/zoned-time.js';
import {
  type Calendar,
  minutesOf,
  type Period,
  type ScheduleConfig,
  scheduleLevel,
  WEEKDAYS,
  type Weekday,
} from './schedule-schema.js';

/**
 * What a schedule wants, as pure functions of the schedule, its calendar and an instant, in the site's time zone.
 * Each local day is cut into pieces (a period, an event, or outside every period) by wall-clock minutes, then
 * each piece's ends are turned into instants: a wall time a spring-forward change skips happens at the change
 * (the first instant whose wall clock is at or past it), one an autumn change repeats happens once, at its first
 * occurrence. Adjacent pieces with the same value and kind merge (a period to 24:00 followed by one from 00:00 is
 * one piece), so an edge is an instant where the value or what rules changes.
 */

const DAY_MS = 86_400_000;

/** How the day that rules a piece is taken: by its weekday, as a calendar holiday, or as a make-up working day. */
export type DayType = 'weekday' | 'holiday' | 'workday';
/** What rules a piece: an event, a period of the day, or the schedule's outside value (or nothing). */
export type PieceKind = 'event' | 'period' | 'outside';

/** A schedule ready to evaluate. `order`: its place (site file first, then the API's by id) to break ties. */
export interface PlannedSchedule {
  config: ScheduleConfig;
  calendar?: Calendar;
  level: number;
  order: number;
}

export function plannedSchedule(config: ScheduleConfig, calendar: Calendar | undefined, order: number) {
  return { config, calendar, level: scheduleLevel(config), order } satisfies PlannedSchedule;
}

/** Minutes the first period of a local date starts early (optimum start), if any. */
export type LeadOf = (scheduleId: string, date: string) => number | undefined;

export interface Piece {
  /** Instants, ms UTC: [start, end). */
  start: number;
  end: number;
  /** null: the schedule relinquishes its level. */
  value: PointValue | null;
  kind: PieceKind;
  /** The local date whose plan this piece comes from. */
  date: string;
  dayType: DayType;
  /** The weekday whose periods the date follows (a make-up day: the weekday it follows). */
  weekday: Weekday;
  eventName?: string;
  /** The piece started this many minutes early (optimum start). */
  leadMinutes?: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function dateString(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** The local date of an instant. */
export function localDate(ts: number, tz: string): string {
  const w = wallTime(ts, tz);
  return dateString(w.year, w.month, w.day);
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return dateString(y, m, d + n);
}

/** The instant a local wall-clock time begins: the first instant whose wall clock shows it or later. */
export function instantOf(date: string, minutes: number, tz: string): number {
  const memoKey = `${tz}|${date}|${minutes}`;
  const known = instants.get(memoKey);
  if (known !== undefined) return known;
  if (instants.size > 50_000) instants.clear();
  const t = computeInstant(date, minutes, tz);
  instants.set(memoKey, t);
  return t;
}

/** instantOf's answers: many schedules share their edges (08:00 on the same dates), each worked out once. */
const instants = new Map<string, number>();

function computeInstant(date: string, minutes: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const want = { year: y, month: m, day: d, hour: Math.floor(minutes / 60), minute: minutes % 60 };
  const t = fromWallTime(want, tz);
  const key = (w: { year: number; month: number; day: number; hour: number; minute: number }) =>
    Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const target = key(want);
  if (key(wallTime(t, tz)) === target) return t;
  // skipped by a spring-forward change: the change itself is the first instant at or past it
  let lo = t - 6 * 3_600_000;
  let hi = t;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2 / 1000) * 1000;
    if (key(wallTime(mid, tz)) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A date's weekday, day type and periods (before events and optimum start). */
export function dayOf(
  s: PlannedSchedule,
  date: string,
): { dayType: DayType; weekday: Weekday; periods: Period[] } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
  const cal = s.calendar;
  if (cal?.holidays.has(date)) return { dayType: 'holiday', weekday, periods: s.config.holiday };
  const as = cal?.workdays.get(date);
  if (as) return { dayType: 'workday', weekday: as, periods: s.config.weekly[as] ?? [] };
  return { dayType: 'weekday', weekday, periods: s.config.weekly[weekday] ?? [] };
}

/** The pieces of one local date, covering it whole, in order. */
export function piecesOfDay(s: PlannedSchedule, date: string, tz: string, leadOf?: LeadOf): Piece[] {
  const { dayType, weekday, periods } = dayOf(s, date);
  const sorted = [...periods].sort((a, b) => minutesOf(a.from) - minutesOf(b.from));
  const lead = sorted.length && s.config.optimumStart ? (leadOf?.(s.config.id, date) ?? 0) : 0;
  const ranges = sorted.map((p, i) => ({
    from: i === 0 ? Math.max(0, minutesOf(p.from) - Math.max(0, Math.round(lead))) : minutesOf(p.from),
    to: minutesOf(p.to),
    value: p.value,
    lead: i === 0 && lead > 0 ? minutesOf(p.from) - Math.max(0, minutesOf(p.from) - Math.round(lead)) : 0,
  }));
  const events = s.config.events.filter((e) => e.date === date);
  const cuts = new Set([0, 1440]);
  for (const r of ranges) cuts.add(r.from).add(r.to);
  for (const e of events) cuts.add(minutesOf(e.from)).add(minutesOf(e.to));
  const sortedCuts = [...cuts].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let i = 0; i + 1 < sortedCuts.length; i++) {
    const a = sortedCuts[i]!;
    const b = sortedCuts[i + 1]!;
    const event = events.find((e) => minutesOf(e.from) <= a && b <= minutesOf(e.to));
    const range = ranges.find((r) => r.from <= a && b <= r.to);
    const base = { date, dayType, weekday };
    const piece: Omit<Piece, 'start' | 'end'> = event
      ? { ...base, value: event.value, kind: 'event', eventName: event.name }
      : range
        ? { ...base, value: range.value, kind: 'period', ...(range.lead ? { leadMinutes: range.lead } : {}) }
        : { ...base, value: s.config.outside ?? null, kind: 'outside' };
    const start = instantOf(date, a, tz);
    const end = b === 1440 ? instantOf(addDays(date, 1), 0, tz) : instantOf(date, b, tz);
    if (end <= start) continue; // wholly inside a skipped hour
    const last = out.at(-1);
    if (last && same(last, piece)) last.end = end;
    else out.push({ ...piece, start, end });
  }
  return out;
}

function same(a: Omit<Piece, 'start' | 'end'>, b: Omit<Piece, 'start' | 'end'>): boolean {
  return a.value === b.value && a.kind === b.kind && a.eventName === b.eventName;
}

/** What a schedule wants at an instant, since when and until when (its next edge). */
export interface Want {
  scheduleId: string;
  value: PointValue | null;
  kind: PieceKind;
  dayType: DayType;
  weekday: Weekday;
  date: string;
  eventName?: string;
  leadMinutes?: number;
  /** When this state began (−Infinity: not within the 8 days looked at). */
  since: number;
  /** Its next edge (+Infinity: none within the 8 days looked at). */
  until: number;
}

const LOOK_DAYS = 8;

/** The schedule's state at `now`: the piece it is in, merged with equal neighbours on other days. */
export function wantAt(s: PlannedSchedule, now: number, tz: string, leadOf?: LeadOf): Want {
  const days = new Map<string, Piece[]>();
  const day = (date: string) => {
    let list = days.get(date);
    if (!list) {
      list = piecesOfDay(s, date, tz, leadOf);
      days.set(date, list);
    }
    return list;
  };
  const today = localDate(now, tz);
  let piece: Piece | undefined;
  for (const date of [today, addDays(today, -1), addDays(today, 1)]) {
    piece = day(date).find((p) => p.start <= now && now < p.end);
    if (piece) break;
  }
  if (!piece) throw new Error(`no piece of schedule ${s.config.id} holds ${new Date(now).toISOString()}`);
  let since = piece.start;
  back: for (let n = 0, date = piece.date; ; n++, date = addDays(date, -1)) {
    if (n > LOOK_DAYS) {
      since = Number.NEGATIVE_INFINITY;
      break;
    }
    const list = day(date);
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i]!;
      if (p.end > since) continue;
      if (!same(p, piece)) break back;
      since = p.start;
    }
  }
  let until = piece.end;
  fwd: for (let n = 0, date = piece.date; ; n++, date = addDays(date, 1)) {
    if (n > LOOK_DAYS) {
      until = Number.POSITIVE_INFINITY;
      break;
    }
    for (const p of day(date)) {
      if (p.start < until) continue;
      if (!same(p, piece)) break fwd;
      until = p.end;
    }
  }
  return {
    scheduleId: s.config.id,
    value: piece.value,
    kind: piece.kind,
    dayType: piece.dayType,
    weekday: piece.weekday,
    date: piece.date,
    ...(piece.eventName !== undefined ? { eventName: piece.eventName } : {}),
    ...(piece.leadMinutes !== undefined ? { leadMinutes: piece.leadMinutes } : {}),
    since,
    until,
  };
}

const RANK: Record<PieceKind, number> = { event: 3, period: 2, outside: 1 };

/**
 * Two or more schedules on one point at the same level: an event beats a period, a period beats an outside
 * value; between equals, the one whose current state began most recently wins (the newer instruction); then the
 * earlier schedule (site file order, then the API's by id). A schedule that relinquishes takes no part.
 */
export function arbitrate<W extends Want & { order: number }>(wants: readonly W[]): W | undefined {
  let best: W | undefined;
  for (const w of wants) {
    if (w.value === null) continue;
    if (
      !best ||
      RANK[w.kind] > RANK[best.kind] ||
      (RANK[w.kind] === RANK[best.kind] &&
        (w.since > best.since || (w.since === best.since && w.order < best.order)))
    )
      best = w;
  }
  return best;
}

/** The local wall-clock time of an instant, 'HH:MM' (with a '+' on the second pass of a repeated hour). */
export function localTime(ts: number, tz: string): string {
  const w = wallTime(ts, tz);
  const text = `${pad(w.hour)}:${pad(w.minute)}`;
  const first = instantOf(localDate(ts, tz), w.hour * 60 + w.minute, tz);
  return ts - first >= 3_600_000 ? `${text}+` : text;
}

export { DAY_MS };
