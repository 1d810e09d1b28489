import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ActingPerson, type AuditTrail, personActor } from '../../core/actor.js';
import { invalid } from '../../core/errors.js';
import { SEVERITIES } from '../../core/model/severity.js';
import { alertCsv } from '../../domains/alerts/alert-export.js';
import type { AlertService } from '../../domains/alerts/alert-service.js';
import { ALERT_STATES } from '../../domains/alerts/alert-state.js';
import { ticketCsv } from '../../domains/tickets/ticket-export.js';
import type { TicketService } from '../../domains/tickets/ticket-service.js';
import { TICKET_KINDS, TICKET_STATES } from '../../domains/tickets/ticket-types.js';
import { personOf } from './access.js';

/** One download holds at most this many rows, newest first; narrow the period for more. */
export const EXPORT_MAX_ROWS = 10_000;

const ms = z.coerce.number().int().nonnegative().describe('ms since the epoch');
const bool = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export interface ExportRouteServices {
  tickets: TicketService;
  alerts: AlertService;
  audit: AuditTrail;
}

/** Tickets and alerts as CSV for a spreadsheet, with the lists' filters and a period; audited. */
export async function exportRoutes(app: FastifyInstance, s: ExportRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  const period = (from?: number, to?: number) => {
    if (from !== undefined && to !== undefined && to <= from)
      throw invalid('to must be after from', {
        errors: [{ path: 'querystring.to', message: 'must be after from' }],
      });
  };
  const send = (reply: FastifyReply, name: string, csv: string, truncated: boolean) =>
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      // a spreadsheet would not show a note; the header says the rows stop at the bound
      .header('x-truncated', String(truncated))
      .send(csv);
  const record = (who: ActingPerson, action: string, rows: number, from?: number, to?: number) => {
    const bound = (v?: number) => (v === undefined ? '…' : new Date(v).toISOString());
    s.audit.record(personActor(who), { action, detail: `${rows} row(s), ${bound(from)} – ${bound(to)}` });
  };

  api.get(
    '/api/v1/tickets/export.csv',
    {
      config: { access: ['tickets:manage', 'tickets:dispatch'] },
      schema: {
        tags: ['tickets'],
        summary: `Tickets submitted in [from, to) with the list's filters, as CSV (newest first, at most ${EXPORT_MAX_ROWS} rows); audited`,
        querystring: z.strictObject({
          from: ms.optional(),
          to: ms.optional(),
          state: z.enum(TICKET_STATES).optional(),
          kind: z.enum(TICKET_KINDS).optional(),
          asset: z.string().max(64).optional(),
          assignee: z.string().max(64).optional(),
          team: z.string().max(64).optional(),
          requester: z.string().max(64).optional(),
          open: bool.describe('true: not closed, cancelled or rejected'),
        }),
      },
    },
    async (req, reply) => {
      const { asset, from, to, ...q } = req.query;
      period(from, to);
      const rows = s.tickets.list({ ...q, assetId: asset, from, to, limit: EXPORT_MAX_ROWS + 1 });
      const kept = rows.slice(0, EXPORT_MAX_ROWS);
      record(personOf(req), 'tickets.exported', kept.length, from, to);
      return send(reply, 'tickets.csv', ticketCsv(kept), rows.length > EXPORT_MAX_ROWS);
    },
  );

  api.get(
    '/api/v1/alerts/export.csv',
    {
      config: { access: 'alerts:ack' },
      schema: {
        tags: ['alerts'],
        summary: `Alerts last raised in [from, to) with the list's filters, as CSV (newest first, at most ${EXPORT_MAX_ROWS} rows); audited`,
        querystring: z.strictObject({
          from: ms.optional(),
          to: ms.optional(),
          state: z.enum(ALERT_STATES).optional(),
          active: bool.describe('whether the condition is active now'),
          severity: z.enum(SEVERITIES).optional(),
          asset: z.string().max(64).optional(),
        }),
      },
    },
    async (req, reply) => {
      const { asset, from, to, ...q } = req.query;
      period(from, to);
      const rows = s.alerts.list({ ...q, assetId: asset, from, to, limit: EXPORT_MAX_ROWS + 1 });
      const kept = rows.slice(0, EXPORT_MAX_ROWS);
      record(personOf(req), 'alerts.exported', kept.length, from, to);
      return send(reply, 'alerts.csv', alertCsv(kept), rows.length > EXPORT_MAX_ROWS);
    },
  );
}
