import { z } from 'zod';
import { idSchema } from '../config/zod-helpers.js';

/** A site's named schedules (`schedules:` in the site file): rules, tickets, visitors and energy read them. */

/** 'HH:MM-HH:MM' (already matched by the pattern): start before end, end at most 24:00. */
function rangeInOrder(range: string): boolean {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const [start = '', end = ''] = range.split('-');
  return minutes(start) < minutes(end) && minutes(end) <= 24 * 60;
}

/** Weekly hours in the site's time zone, minus holidays, plus extra working days. */
export const ScheduleSchema = z.strictObject({
  id: idSchema,
  name: z.string().optional(),
  /** e.g. { mon: ['08:00-18:00'], sat: ['09:00-12:00'] }; a missing day is off all day. */
  // partialRecord: zod 4's record with enum keys would demand all seven days.
  weekly: z.partialRecord(
    z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
    z.array(
      z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, { error: 'expected HH:MM-HH:MM' })
        .refine(rangeInOrder, {
          error: 'expected the end after the start, at most 24:00 (split a range crossing midnight in two)',
        }),
    ),
  ),
  /** Dates (YYYY-MM-DD) when the schedule is off all day. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected YYYY-MM-DD' })).default([]),
  /** Dates that follow `workdayAs` instead (a weekend made a working day, as Chinese calendars do). */
  extraWorkdays: z
    .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected YYYY-MM-DD' }))
    .default([]),
  workdayAs: z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']).default('mon'),
  /** Invert: on outside the hours (after-hours rules). */
  invert: z.boolean().default(false),
});
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;
