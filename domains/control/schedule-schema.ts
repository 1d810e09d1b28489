import { z } from 'zod';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Fail } from '../../core/config/validate-site.js';
import { idSchema, intIn } from '../../core/config/zod-helpers.js';
import type { PointValue } from '../../core/model/reading.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { LEVELS, type LevelName, levelOf } from './control-types.js';
import { checkTargets, resolveTargets, TargetsSchema } from './targets.js';

/**
 * The site file's `control.calendars` and `control.schedules`: weekly periods per point or group, holiday
 * calendars with make-up working days, one-off events, and optimum start. The API validates its schedules and
 * calendars with these same schemas and checks.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const WeekdaySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], {
  error: 'expected mon, tue, wed, thu, fri, sat or sun',
});

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** A real calendar date (2026-02-30 is not). */
export function isDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
const dateSchema = z.string().refine(isDate, { error: 'expected a date YYYY-MM-DD' });

/** '07:30' → 450; '24:00' → 1440. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
const timeSchema = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: 'expected a time HH:MM (00:00–24:00)' });

const valueSchema = z.union([z.number(), z.boolean(), z.string()], {
  error: 'expected a number, true/false or a string',
});

export const PeriodSchema = z
  .strictObject({ from: timeSchema, to: timeSchema, value: valueSchema })
  .refine((p) => minutesOf(p.from) < minutesOf(p.to), {
    error: 'expected "to" after "from" (a period ends by 24:00: split one crossing midnight in two)',
    path: ['to'],
  });
export type Period = z.infer<typeof PeriodSchema>;

/** Periods of one day: several, none overlapping (each reported at its own index). */
const periodsSchema = z.array(PeriodSchema).superRefine((periods, ctx) => {
  periods.forEach((p, i) => {
    periods.forEach((q, j) => {
      if (j >= i) return;
      if (minutesOf(p.from) < minutesOf(q.to) && minutesOf(q.from) < minutesOf(p.to))
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `overlaps period ${j} (${q.from}–${q.to}): periods of a day must not overlap`,
        });
    });
  });
});

export const EventSchema = z
  .strictObject({
    date: dateSchema,
    from: timeSchema,
    to: timeSchema,
    value: valueSchema,
    name: z.string().min(1).optional(),
  })
  .refine((p) => minutesOf(p.from) < minutesOf(p.to), {
    error: 'expected "to" after "from" (an event ends by 24:00: split one crossing midnight in two)',
    path: ['to'],
  });
export type ScheduleEvent = z.infer<typeof EventSchema>;

export const OptimumStartSchema = z.strictObject({
  /** The zone's temperature point. */
  temperature: z.string().regex(/^[^/]+\/[^/]+$/, { error: 'expected asset-id/point-name' }),
  /** The comfort temperature (°C) wanted when the first period of the day starts. */
  setpoint: z.number(),
  /** The outdoor temperature point, a second input of the learned lead. */
  outdoor: z
    .string()
    .regex(/^[^/]+\/[^/]+$/, { error: 'expected asset-id/point-name' })
    .optional(),
  maxLeadMinutes: intIn(0, 720).default(120),
  /** Reached once the zone is this close to the setpoint (K). */
  toleranceK: z.number().positive().max(5).default(0.5),
});
export type OptimumStartConfig = z.infer<typeof OptimumStartSchema>;

const levelSchema = z.union(
  [z.enum(Object.keys(LEVELS) as [LevelName, ...LevelName[]]), z.int().min(1).max(16)],
  { error: `expected a level 1–16 or one of ${Object.keys(LEVELS).join(', ')}` },
);

/** 'YYYY-MM-DD' or 'YYYY-MM-DD..YYYY-MM-DD' (both ends included, at most a year). */
const holidaySchema = z.string().refine(
  (s) => {
    const [a, b, ...rest] = s.split('..');
    if (rest.length || !a || !isDate(a)) return false;
    if (b === undefined) return true;
    return isDate(b) && a <= b && Date.parse(b) - Date.parse(a) <= 366 * 86_400_000;
  },
  { error: "expected a date 'YYYY-MM-DD' or a range 'YYYY-MM-DD..YYYY-MM-DD' (start ≤ end, at most a year)" },
);

export const CalendarSchema = z.strictObject({
  id: idSchema,
  name: z.string().optional(),
  /** Days off: dates or ranges. */
  holidays: z.array(holidaySchema).default([]),
  /** Make-up working days (调休): a weekend day that follows the periods of weekday `as`. */
  workdays: z.array(z.strictObject({ date: dateSchema, as: WeekdaySchema })).default([]),
});
export type CalendarConfig = z.infer<typeof CalendarSchema>;

export const ScheduleConfigSchema = z.strictObject({
  id: idSchema,
  name: z.string().optional(),
  targets: TargetsSchema,
  /** The level it commands at (default `schedule`, 14). */
  level: levelSchema.default('schedule'),
  calendar: idSchema.optional(),
  /** Periods per weekday; a day not listed has none. */
  weekly: z.partialRecord(WeekdaySchema, periodsSchema).default({}),
  /** Periods on a holiday of the calendar (default none). */
  holiday: periodsSchema.default([]),
  /** The value outside every period; omitted: the schedule relinquishes its level. */
  outside: valueSchema.optional(),
  /** One-off events: during an event its value rules, whatever the day's periods say. */
  events: z.array(EventSchema).default([]),
  optimumStart: OptimumStartSchema.optional(),
});
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;

/** Keys of the site file's `control:` section. */
export const ScheduleShape = {
  calendars: z.array(CalendarSchema).default([]),
  schedules: z.array(ScheduleConfigSchema).default([]),
} satisfies z.ZodRawShape;

/** The level number a schedule commands at. */
export function scheduleLevel(s: ScheduleConfig): number {
  return levelOf(s.level);
}

/** Why a value does not fit a point (its type, its bounds), or undefined when it does. */
export function valueProblem(p: PointDef, value: PointValue): string | undefined {
  if (typeof value !== p.type) return `${p.id} is a ${p.type} point, got ${JSON.stringify(value)}`;
  if (typeof value === 'number') {
    if (p.min !== undefined && value < p.min) return `${value} is below ${p.id}'s min ${p.min}`;
    if (p.max !== undefined && value > p.max) return `${value} is above ${p.id}'s max ${p.max}`;
  }
  return undefined;
}

/** Cross-checks of calendars against each other (unique ids, no date both a holiday and a workday). */
export function checkCalendars(calendars: CalendarConfig[], path: PropertyKey[], fail: Fail): void {
  const seen = new Map<string, number>();
  calendars.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined) fail([...path, i, 'id'], `duplicate calendar id "${c.id}"`);
    else seen.set(c.id, i);
    const off = new Set(c.holidays.flatMap(expandHoliday));
    c.workdays.forEach((w, j) => {
      if (off.has(w.date)) fail([...path, i, 'workdays', j, 'date'], `${w.date} is also a holiday`);
    });
  });
}

/** One schedule against the site and the known calendars; paths start at `path` (the schedule). */
export function checkOneSchedule(
  s: ScheduleConfig,
  site: SiteModel,
  calendars: ReadonlySet<string>,
  path: PropertyKey[],
  fail: Fail,
): void {
  if (s.calendar !== undefined && !calendars.has(s.calendar))
    fail([...path, 'calendar'], `no calendar "${s.calendar}"`);
  const before = { n: 0 };
  const counting: Fail = (p, m) => {
    before.n++;
    fail(p, m);
  };
  checkTargets(s.targets, site, [...path, 'targets'], counting);
  if (before.n) return;
  const points = resolveTargetDefs(s, site);
  const checkValue = (value: PointValue, at: PropertyKey[]) => {
    for (const p of points) {
      const problem = valueProblem(p, value);
      if (problem) {
        fail(at, problem);
        return;
      }
    }
  };
  for (const [day, periods] of Object.entries(s.weekly))
    for (const [i, p] of (periods ?? []).entries()) checkValue(p.value, [...path, 'weekly', day, i, 'value']);
  for (const [i, p] of s.holiday.entries()) checkValue(p.value, [...path, 'holiday', i, 'value']);
  if (s.outside !== undefined) checkValue(s.outside, [...path, 'outside']);
  s.events.forEach((e, i) => {
    checkValue(e.value, [...path, 'events', i, 'value']);
    s.events.forEach((o, j) => {
      if (
        j < i &&
        o.date === e.date &&
        minutesOf(e.from) < minutesOf(o.to) &&
        minutesOf(o.from) < minutesOf(e.to)
      )
        fail([...path, 'events', i], `overlaps event ${j} on ${e.date} (${o.from}–${o.to})`);
    });
  });
  const os = s.optimumStart;
  if (os) {
    for (const key of ['temperature', 'outdoor'] as const) {
      const id = os[key];
      if (id === undefined) continue;
      const p = site.pointById.get(id);
      if (!p) fail([...path, 'optimumStart', key], `no point ${id} in the site`);
      else if (p.type !== 'number' || p.kind === 'command')
        fail([...path, 'optimumStart', key], `${id} is not a numeric measurement`);
    }
  }
}

function resolveTargetDefs(s: ScheduleConfig, site: SiteModel): PointDef[] {
  return resolveTargets(s.targets, site).map((id) => site.pointById.get(id)!);
}

/** Calendar exists, targets (points and groups), values fit each target's type and bounds, optimumStart points. */
export function checkSchedule(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const control = config.control;
  if (!control) return;
  checkCalendars(control.calendars, ['control', 'calendars'], fail);
  const calendars = new Set(control.calendars.map((c) => c.id));
  const seen = new Map<string, number>();
  control.schedules.forEach((s, i) => {
    const first = seen.get(s.id);
    if (first !== undefined) fail(['control', 'schedules', i, 'id'], `duplicate schedule id "${s.id}"`);
    else seen.set(s.id, i);
    checkOneSchedule(s, site, calendars, ['control', 'schedules', i], fail);
  });
}

/** '2026-10-01..2026-10-03' → the three dates; a single date → itself. */
export function expandHoliday(entry: string): string[] {
  const [a, b] = entry.split('..') as [string, string | undefined];
  if (b === undefined) return [a];
  const out: string[] = [];
  for (let t = Date.parse(`${a}T00:00:00Z`); t <= Date.parse(`${b}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** A calendar made ready to ask: the set of off dates and the make-up days with the weekday they follow. */
export interface Calendar {
  id: string;
  holidays: ReadonlySet<string>;
  workdays: ReadonlyMap<string, Weekday>;
}

export function compileCalendar(c: CalendarConfig): Calendar {
  return {
    id: c.id,
    holidays: new Set(c.holidays.flatMap(expandHoliday)),
    workdays: new Map(c.workdays.map((w) => [w.date, w.as])),
  };
}
