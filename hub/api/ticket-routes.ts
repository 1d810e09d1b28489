import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Permission } from '../../core/actor.js';
import { KPI_GROUPS } from '../../domains/tickets/kpis.js';
import type { Maintenance } from '../../domains/tickets/maintenance.js';
import { PHOTO_UPLOAD_TYPES, type TicketPhotos } from '../../domains/tickets/ticket-photos.js';
import type { TicketService } from '../../domains/tickets/ticket-service.js';
import { TICKET_ACTIONS, type TicketAction } from '../../domains/tickets/ticket-state.js';
import { TICKET_KINDS, TICKET_STATES } from '../../domains/tickets/ticket-types.js';
import { personOf } from './access.js';

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const comment = z.string().max(2_000).optional();

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

export interface TicketRouteServices {
  tickets: TicketService;
  photos: TicketPhotos;
  equipmentFile: Maintenance['equipmentFile'];
}

/** Maintenance tickets: report, the workflow's steps, notes, photos, evidence, suggestions, KPIs, equipment files. */
export async function ticketRoutes(app: FastifyInstance, s: TicketRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['tickets'];
  const { tickets, photos } = s;
  const who = personOf;
  const detail = (id: number, req: FastifyRequest) => tickets.detail(id, who(req));

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
      const query = { ...q, assetId: asset, beforeId: before };
      const list = mine ? tickets.listInvolving(query, who(req).username) : tickets.list(query);
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
      const ticket = tickets.report(who(req), req.body);
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
      return { from, to, group: group ?? null, ...tickets.kpis(from, to, group) };
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
        tickets.act(req.params.id, action, who(req), (req.body ?? {}) as object);
        return detail(req.params.id, req);
      },
    );

  api.post(
    '/api/v1/tickets/:id/notes',
    {
      config: { access: ['tickets:submit', 'tickets:work', 'tickets:dispatch', 'tickets:manage'] },
      schema: {
        tags,
        summary:
          'Add a note to the timeline: its requester, its technician, the desk or a supervisor (403), while not closed, cancelled or rejected (409)',
        params: IdParams,
        body: z.strictObject({ comment: z.string().trim().min(1).max(2_000) }),
      },
    },
    async (req, reply) => {
      tickets.addNote(req.params.id, who(req), req.body.comment);
      return reply.code(201).send(detail(req.params.id, req));
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
      tickets.setPriority(req.params.id, who(req), req.body.priority, req.body.comment);
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
    async (req) => tickets.suggestions(req.params.id),
  );

  // Photos arrive as the request body itself (a phone's camera file), checked by content, not by name or type.
  app.addContentTypeParser(
    PHOTO_UPLOAD_TYPES,
    { parseAs: 'buffer', bodyLimit: photos.maxBytes },
    (_req, body, done) => done(null, body),
  );

  api.post(
    '/api/v1/tickets/:id/photos',
    {
      config: { access: ['tickets:submit', 'tickets:work', 'tickets:dispatch', 'tickets:manage'] },
      schema: {
        tags,
        summary: `Attach a photo (JPEG, PNG, WebP or HEIC as the raw body, at most ${Math.round(photos.maxBytes / 1_048_576)} MB)`,
        params: IdParams,
        querystring: z.strictObject({ stage: z.enum(['report', 'work', 'resolution']).default('report') }),
      },
    },
    async (req, reply) => {
      const photo = Buffer.isBuffer(req.body) ? req.body : undefined;
      return reply.code(201).send(await photos.add(req.params.id, who(req), photo, req.query.stage));
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
      const opened = photos.open(req.params.id, req.params.file);
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
    async (req) => s.equipmentFile(req.params.id),
  );
}
