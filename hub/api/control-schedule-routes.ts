import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ActingPerson } from '../../core/actor.js';
import type { ScheduleService } from '../../domains/control/schedule-service.js';
import { personOf } from './access.js';

export interface ControlScheduleRouteServices {
  schedules: ScheduleService;
}

const IdParams = z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) });
const DateQuery = z.strictObject({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected YYYY-MM-DD' })
    .optional()
    .describe('the local date (site time zone); default tomorrow'),
});
/** A schedule or calendar as in the site file's control.schedules / control.calendars (checked by the service). */
const Body = z.record(z.string(), z.unknown());

/**
 * Schedules and calendars (the site file's read only, the API's stored and audited), the dry run of a day, and
 * optimum start's report. Bodies are a schedule or calendar exactly as in the site file's `control:` section.
 */
export async function controlScheduleRoutes(
  app: FastifyInstance,
  s: ControlScheduleRouteServices,
): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['control'];

  /**
   * PUT and DELETE of one schedule or calendar by id (control:manage): save answers 201 when it created the item,
   * 200 when it replaced it, with the item; remove answers 204.
   */
  const saveAndRemove = (
    path: string,
    summary: { save: string; remove: string },
    save: (id: string, body: unknown, by: ActingPerson) => Promise<{ created: boolean; item: unknown }>,
    remove: (id: string, by: ActingPerson) => Promise<void>,
  ) => {
    api.put(
      path,
      {
        config: { access: 'control:manage' },
        schema: { tags, summary: summary.save, params: IdParams, body: Body },
      },
      async (req, reply) => {
        const { created, item } = await save(req.params.id, req.body, personOf(req));
        return reply.code(created ? 201 : 200).send(item);
      },
    );
    api.delete(
      path,
      { config: { access: 'control:manage' }, schema: { tags, summary: summary.remove, params: IdParams } },
      async (req, reply) => {
        await remove(req.params.id, personOf(req));
        return reply.code(204).send();
      },
    );
  };

  api.get(
    '/api/v1/control/schedules',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary:
          'Schedules (site file and API) with their points, what each wants now, its next edge and the points it rules; stored ones that no longer fit, with why',
      },
    },
    async () => s.schedules.list(),
  );

  api.get(
    '/api/v1/control/schedules/:id',
    { config: { access: 'site:read' }, schema: { tags, summary: 'One schedule', params: IdParams } },
    async (req) => s.schedules.get(req.params.id),
  );

  api.post(
    '/api/v1/control/schedules',
    {
      config: { access: 'control:manage' },
      schema: {
        tags,
        summary: 'Create a schedule (the site file schema); it runs at once, audited. 409 when the id exists',
        body: Body,
      },
    },
    async (req, reply) => {
      const { schedule } = await s.schedules.create(req.body, personOf(req));
      return reply.code(201).send(schedule);
    },
  );

  saveAndRemove(
    '/api/v1/control/schedules/:id',
    {
      save: 'Create or replace a schedule made through the API; it runs at once, audited. A site-file schedule: 409',
      remove: 'Remove a schedule made through the API; the levels it held are relinquished, audited',
    },
    (id, body, by) =>
      s.schedules.save(id, body, by).then(({ created, schedule }) => ({ created, item: schedule })),
    (id, by) => s.schedules.remove(id, by),
  );

  api.get(
    '/api/v1/control/schedules/:id/preview',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary:
          'Dry run: what the schedule writes on one local date, per point, in local time, and which schedule and day type rules each change',
        params: IdParams,
        querystring: DateQuery,
      },
    },
    async (req) => s.schedules.preview(req.params.id, req.query.date),
  );

  api.post(
    '/api/v1/control/schedules/preview',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary:
          'Dry run of a schedule not saved (or an edit): checked as a save would be, then as the preview above',
        querystring: DateQuery,
        body: Body,
      },
    },
    async (req) => s.schedules.previewBody(req.body, req.query.date),
  );

  api.get(
    '/api/v1/control/calendars',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'Holiday calendars (site file and API), with their dates and the schedules using them',
      },
    },
    async () => s.schedules.listCalendars(),
  );

  api.get(
    '/api/v1/control/calendars/:id',
    { config: { access: 'site:read' }, schema: { tags, summary: 'One calendar', params: IdParams } },
    async (req) => s.schedules.getCalendar(req.params.id),
  );

  saveAndRemove(
    '/api/v1/control/calendars/:id',
    {
      save: 'Create or replace a calendar made through the API (holidays, ranges, make-up working days); schedules using it follow at once, audited',
      remove: 'Remove a calendar made through the API (409 while a schedule uses it), audited',
    },
    (id, body, by) =>
      s.schedules.saveCalendar(id, body, by).then(({ created, calendar }) => ({ created, item: calendar })),
    (id, by) => s.schedules.removeCalendar(id, by),
  );

  api.get(
    '/api/v1/control/optimum-start',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary:
          'Optimum start per schedule: the learned model (minutes per kelvin of gap, outdoor term), the lead it would use now, each morning recorded with its miss in minutes',
      },
    },
    async () => s.schedules.optimumStart(),
  );
}
