import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Permission } from '../../core/actor.js';
import { suggestDispatch } from '../../domains/tickets/dispatch-suggest.js';
import { equipmentFile } from '../../domains/tickets/equipment-file.js';
import { KPI_GROUPS, ticketKpis } from '../../domains/tickets/kpis.js';
import { PhotoRejectedError } from '../../domains/tickets/photo-store.js';
import { TicketInputError, TicketNotFoundError } from '../../domains/tickets/ticket-service.js';
import {
  TICKET_ACTIONS,
  type TicketAction,
  TicketForbiddenError,
  TicketStateError,
} from '../../domains/tickets/ticket-state.js';
import { FINISHED_STATES, TICKET_KINDS, TICKET_STATES } from '../../domains/tickets/ticket-types.js';
import type { HubServices } from '../services.js';
import { personOf, principalOf } from './access.js';
import { badRequest, HttpProblem, notFound } from './problem.js';

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const comment = z.string().max(2_000).optional();
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'application/octet-stream'];

/** Who may call each action's route; the transition table then checks the person against the ticket. */
const ACTION_ACCESS: Record<TicketAction, readonly Permission[]> = {
  approve: ['tickets:approve', 'tickets:manage'],
  reject: ['tickets:approve', 'tickets:manage'],
  dispatch: ['tickets:dispatch'],
  accept: ['tickets:work'],
  decline: ['tickets:work'],
  start: ['tickets:work'],
  resolve: ['tickets:work'],
  rate: ['tickets:submit'],
  close: ['tickets:dispatch', 'tickets:manage'],
  reopen: ['tickets:submit', 'tickets:manage'],
  cancel: ['tickets:submit', 'tickets:manage'],
};

const ACTION_BODY: Record<TicketAction, z.ZodType> = {
  approve: z.strictObject({ comment }),
  reject: z.strictObject({ comment: z.string().min(1).max(2_000) }),
  dispatch: z.strictObject({
    assignee: z.string().min(1).max(64).optional(),
    team: z.string().max(64).optional(),
    comment,
  }),
  accept: z.strictObject({ etaMinutes: z.number().int().min(0).max(10_080), comment }),
  decline: z.strictObject({ comment: z.string().min(1).max(2_000) }),
  start: z.strictObject({ comment }),
  resolve: z.strictObject({
    resolution: z.string().min(1).max(5_000),
    checklistResults: z
      .array(
        z.strictObject({
          item: z.string().min(1).max(200),
          ok: z.boolean(),
          value: z.number().optional(),
          note: z.string().max(500).optional(),
        }),
      )
      .max(100)
      .optional(),
  }),
  rate: z.strictObject({ rating: z.number().int().min(1).max(5), comment }),
  close: z.strictObject({ comment }),
  reopen: z.strictObject({ comment: z.string().min(1).max(2_000) }),
  cancel: z.strictObject({ comment }),
};

const ACTION_SUMMARY: Record<TicketAction, string> = {
  approve: "Approve (the requester's department): submitted → approved",
  reject: 'Reject with a reason: submitted → rejected',
  dispatch: 'Dispatch (派工) to a technician and/or team, or reassign: → dispatched',
  accept: 'Accept (接单) with an estimated arrival: dispatched → accepted',
  decline: 'Decline with a reason: dispatched → approved (back to the service desk)',
  start: 'Start work: accepted → in-progress',
  resolve: 'Resolve with a description (and every checklist result): in-progress → resolved',
  rate: 'Rate (评价) 1–5 as the requester: resolved → closed',
  close: 'Close without a rating (service desk, supervisor): resolved → closed',
  reopen: 'Reopen with what is still wrong: resolved/closed → reopened',
  cancel: 'Cancel (the requester before dispatch, or a supervisor)',
};

/** Maintenance tickets: report, the workflow's steps, notes, photos, evidence, suggestions, KPIs, equipment files. */
export async function ticketRoutes(app: FastifyInstance, s: HubServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['tickets'];
  const { tickets, photos } = s.maintenance;
  const config = s.site.config.maintenance;
  const who = personOf;
  const run = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof TicketNotFoundError) throw notFound('ticket', String(err.id));
      if (err instanceof TicketStateError)
        throw new HttpProblem(409, 'Conflict', err.message, { state: err.state, allowed: err.allowed });
      if (err instanceof TicketForbiddenError) throw new HttpProblem(403, 'Forbidden', err.message);
      if (err instanceof TicketInputError) throw badRequest(err.message);
      throw err;
    }
  };
  const detail = (id: number, req: FastifyRequest) => {
    const ticket = run(() => tickets.mustGet(id));
    return {
      ticket,
      actions: tickets.actionsFor(ticket, who(req)),
      events: tickets.store.events(id),
      photos: tickets.store.photos(id),
      evidence: tickets.store.evidence(id) ?? null,
    };
  };

  api.get(
    '/api/v1/tickets',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'Tickets, newest first',
        querystring: z.strictObject({
          state: z.enum(TICKET_STATES).optional(),
          kind: z.enum(TICKET_KINDS).optional(),
          asset: z.string().max(64).optional(),
          assignee: z.string().max(64).optional(),
          team: z.string().max(64).optional(),
          requester: z.string().max(64).optional(),
          open: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('true: not closed, cancelled or rejected'),
          mine: z.enum(['true']).optional().describe("the caller's: reported by, or assigned to, the caller"),
          before: z.coerce.number().int().positive().optional().describe('page: tickets older than this id'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const { asset, before, mine, ...q } = req.query;
      const base = { ...q, assetId: asset, beforeId: before };
      let list = tickets.list(base);
      if (mine) {
        const me = principalOf(req).user.username;
        const merged = new Map<number, (typeof list)[number]>();
        for (const t of [
          ...tickets.list({ ...base, requester: me }),
          ...tickets.list({ ...base, assignee: me }),
        ])
          merged.set(t.id, t);
        list = [...merged.values()].sort((a, b) => b.id - a.id).slice(0, q.limit);
      }
      return { tickets: list, next: list.length === q.limit ? list.at(-1)?.id : undefined };
    },
  );

  api.post(
    '/api/v1/tickets',
    {
      config: { access: 'tickets:submit' },
      schema: {
        tags,
        summary: 'Report a fault (报修): an asset or a location, what is wrong; photos follow by upload',
        body: z.strictObject({
          title: z.string().trim().min(1).max(200),
          description: z.string().trim().min(1).max(5_000),
          assetId: z.string().max(64).optional(),
          location: z.string().max(200).optional(),
          priority: z.number().int().min(1).max(4).optional().describe('1 urgent … 4 low; default 3'),
        }),
      },
    },
    async (req, reply) => {
      const ticket = run(() => tickets.report(who(req), req.body));
      return reply.code(201).send(detail(ticket.id, req));
    },
  );

  api.get(
    '/api/v1/tickets/kpis',
    {
      config: { access: ['tickets:manage', 'tickets:dispatch'] },
      schema: {
        tags,
        summary:
          'Service evaluation over tickets submitted in [from, to): MTTA, MTTR, SLA compliance, first-time fix, satisfaction',
        querystring: z.strictObject({
          from: z.coerce.number().int().nonnegative().describe('ms since the epoch'),
          to: z.coerce.number().int().positive().describe('ms since the epoch'),
          group: z.enum(KPI_GROUPS).optional(),
        }),
      },
    },
    async (req) => {
      const { from, to, group } = req.query;
      if (to <= from) throw badRequest('to must be after from');
      return { from, to, group: group ?? null, ...ticketKpis(s.db, from, to, group) };
    },
  );

  api.get(
    '/api/v1/tickets/:id',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'One ticket with its timeline, photos, evidence and the actions the caller may take now',
        params: IdParams,
      },
    },
    async (req) => detail(req.params.id, req),
  );

  for (const action of TICKET_ACTIONS)
    api.post(
      `/api/v1/tickets/:id/${action}`,
      {
        config: { access: ACTION_ACCESS[action] },
        schema: {
          tags,
          summary: `${ACTION_SUMMARY[action]}; 409 names the allowed actions`,
          params: IdParams,
          body: ACTION_BODY[action],
        },
      },
      async (req) => {
        run(() => tickets.act(req.params.id, action, who(req), (req.body ?? {}) as object));
        return detail(req.params.id, req);
      },
    );

  api.post(
    '/api/v1/tickets/:id/notes',
    {
      config: { access: ['tickets:submit', 'tickets:work', 'tickets:dispatch', 'tickets:manage'] },
      schema: {
        tags,
        summary: 'Add a note to the timeline',
        params: IdParams,
        body: z.strictObject({ comment: z.string().trim().min(1).max(2_000) }),
      },
    },
    async (req) => {
      run(() => tickets.note(req.params.id, who(req), req.body.comment));
      return detail(req.params.id, req);
    },
  );

  api.put(
    '/api/v1/tickets/:id/priority',
    {
      config: { access: 'tickets:manage' },
      schema: {
        tags,
        summary: 'Change the priority (the service-level deadlines stay as set at submission)',
        params: IdParams,
        body: z.strictObject({ priority: z.number().int().min(1).max(4), comment }),
      },
    },
    async (req) => {
      run(() => tickets.setPriority(req.params.id, who(req), req.body.priority, req.body.comment));
      return detail(req.params.id, req);
    },
  );

  api.get(
    '/api/v1/tickets/:id/suggestions',
    {
      config: { access: 'tickets:dispatch' },
      schema: {
        tags,
        summary: 'Who should take it: teams by skill and zone, technicians by load',
        params: IdParams,
      },
    },
    async (req) => {
      const t = run(() => tickets.mustGet(req.params.id));
      const inHand = (username: string) =>
        tickets.list({ assignee: username, open: true, limit: 500 }).filter((x) => x.state !== 'resolved')
          .length;
      return suggestDispatch(t, config.teams, s.site, inHand);
    },
  );

  // Photos arrive as the request body itself (a phone's camera file), checked by content, not by name or type.
  app.addContentTypeParser(
    PHOTO_TYPES,
    { parseAs: 'buffer', bodyLimit: config.photoMaxBytes },
    (_req, body, done) => done(null, body),
  );

  api.post(
    '/api/v1/tickets/:id/photos',
    {
      config: { access: ['tickets:submit', 'tickets:work', 'tickets:dispatch', 'tickets:manage'] },
      schema: {
        tags,
        summary: `Attach a photo (JPEG, PNG, WebP or HEIC as the raw body, at most ${Math.round(config.photoMaxBytes / 1_048_576)} MB)`,
        params: IdParams,
        querystring: z.strictObject({ stage: z.enum(['report', 'work', 'resolution']).default('report') }),
      },
    },
    async (req, reply) => {
      const t = run(() => tickets.mustGet(req.params.id));
      const me = who(req);
      const involved =
        t.requester === me.username ||
        t.assignee === me.username ||
        me.permissions.has('tickets:dispatch') ||
        me.permissions.has('tickets:manage');
      if (!involved)
        throw new HttpProblem(
          403,
          'Forbidden',
          'only its requester, its technician, the service desk or a supervisor may add photos',
        );
      if (FINISHED_STATES.includes(t.state))
        throw new HttpProblem(409, 'Conflict', `ticket ${t.id} is ${t.state}`);
      if (tickets.store.photoCount(t.id) >= config.photosPerTicket)
        throw new HttpProblem(409, 'Conflict', `ticket ${t.id} already has ${config.photosPerTicket} photos`);
      if (!Buffer.isBuffer(req.body))
        throw new HttpProblem(
          415,
          'Unsupported Media Type',
          `send the photo as the body with one of: ${PHOTO_TYPES.join(', ')}`,
        );
      let saved: ReturnType<typeof photos.save>;
      try {
        saved = photos.save(req.body);
      } catch (err) {
        if (err instanceof PhotoRejectedError)
          throw new HttpProblem(
            err.reason === 'too-large' ? 413 : 415,
            err.reason === 'too-large' ? 'Payload Too Large' : 'Unsupported Media Type',
            err.message,
          );
        throw err;
      }
      tickets.store.addPhoto({
        ticketId: t.id,
        file: saved.file,
        mime: saved.mime,
        bytes: saved.bytes,
        stage: req.query.stage,
        uploadedBy: me.username,
        ts: s.clock.now(),
      });
      tickets.note(t.id, me, `photo added (${req.query.stage})`, 'photo', { file: saved.file });
      return reply.code(201).send(tickets.store.photo(t.id, saved.file));
    },
  );

  api.get(
    '/api/v1/tickets/:id/photos/:file',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: "A ticket's photo",
        params: IdParams.extend({ file: z.string().max(64) }),
      },
    },
    async (req, reply) => {
      const photo = tickets.store.photo(req.params.id, req.params.file);
      const opened = photo && photos.open(photo.file);
      if (!opened) throw notFound('photo', req.params.file);
      return reply
        .type(opened.mime)
        .header('cache-control', 'private, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(opened.path));
    },
  );

  api.get(
    '/api/v1/assets/:id/file',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary:
          'The equipment file (设备档案): details, documents, live points, alerts, tickets, PM plans and work orders',
        params: z.strictObject({ id: z.string().max(64) }),
      },
    },
    async (req) => {
      const file = equipmentFile(req.params.id, {
        site: s.site,
        latest: s.latest,
        alerts: s.alerts,
        tickets,
        plans: config.plans,
        now: s.clock.now(),
      });
      if (!file) throw notFound('asset', req.params.id);
      return file;
    },
  );
}
