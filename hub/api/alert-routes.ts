import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import { SEVERITIES } from '../../core/model/severity.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AlertService } from '../../domains/alerts/alert-service.js';
import { ALERT_STATES } from '../../domains/alerts/alert-state.js';
import { personOf } from './access.js';

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const comment = z.string().max(500).optional().describe('kept with the transition and in the audit log');
/** The route lets both in; the alerts domain says which one an alert or asset needs (a gate's: security). */
const MANAGE = ['alerts:manage', 'alerts:security'] as const;

export interface AlertRouteServices {
  alerts: AlertService;
  site: SiteModel;
}

/**
 * Alerts (ISA-18.2 lifecycle): read them, acknowledge, shelve, and take assets out of service (the API calls
 * that "maintenance", its name from before the tickets). Each alert says what shelving it takes
 * (`managePermission`); the limits come from the site file's `alerts:` section.
 */
export async function alertRoutes(app: FastifyInstance, s: AlertRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['alerts'];

  api.get(
    '/api/v1/alerts',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'Alerts, newest first, with the counts of active ones by severity',
        querystring: z.strictObject({
          state: z.enum(ALERT_STATES).optional(),
          active: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('whether the condition is active now'),
          severity: z.enum(SEVERITIES).optional(),
          asset: z.string().max(64).optional(),
          before: z.coerce.number().int().positive().optional().describe('page: alerts older than this id'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => {
      const { asset, before, ...q } = req.query;
      const alerts = s.alerts.list({ ...q, assetId: asset, beforeId: before });
      return {
        alerts,
        counts: s.alerts.activeCount(),
        next: alerts.length === q.limit ? alerts.at(-1)?.id : undefined,
      };
    },
  );

  api.get(
    '/api/v1/alerts/:id',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'One alert with every transition (who, when, how, comment)',
        params: IdParams,
      },
    },
    async (req) => {
      const alert = s.alerts.get(req.params.id);
      if (!alert) throw notFound('alert', req.params.id);
      return alert;
    },
  );

  api.post(
    '/api/v1/alerts/:id/ack',
    {
      config: { access: 'alerts:ack' },
      schema: {
        tags,
        summary:
          'Acknowledge: unacked → acked, returned-unacknowledged → normal; 409 names the allowed actions',
        params: IdParams,
        body: z.strictObject({ comment }).nullish().describe('optional'),
      },
    },
    async (req) => s.alerts.ack(req.params.id, personOf(req), req.body?.comment),
  );

  api.post(
    '/api/v1/alerts/:id/shelve',
    {
      config: { access: MANAGE },
      schema: {
        tags,
        summary:
          "Hide an alert for a while; it comes back by itself (unacked if its condition still holds). A gate's alert needs alerts:security, others alerts:manage",
        params: IdParams,
        body: z.strictObject({
          minutes: z.number().int().min(1).describe('at most alerts.maxShelveHours (default 168 h)'),
          comment,
        }),
      },
    },
    async (req) => s.alerts.shelve(req.params.id, personOf(req), req.body.minutes * 60_000, req.body.comment),
  );

  api.post(
    '/api/v1/alerts/:id/unshelve',
    {
      config: { access: MANAGE },
      schema: {
        tags,
        summary: 'End a shelf now (the same permission as shelving it)',
        params: IdParams,
        body: z.strictObject({ comment }).nullish().describe('optional'),
      },
    },
    async (req) => s.alerts.unshelve(req.params.id, personOf(req), req.body?.comment),
  );

  api.put(
    '/api/v1/assets/:id/maintenance',
    {
      config: { access: MANAGE },
      schema: {
        tags,
        summary:
          'Out of service ("maintenance mode") on or off: while on (until `until`, or until turned off) every alert of the asset is suppressed. A gate needs alerts:security, other assets alerts:manage',
        params: z.strictObject({ id: z.string().max(64) }),
        body: z.strictObject({
          on: z.boolean(),
          until: z
            .number()
            .int()
            .positive()
            .optional()
            .describe(
              'ms since the epoch; required with on: true, at most alerts.maxOutOfServiceHours (default 72 h) ahead',
            ),
          comment,
        }),
      },
    },
    async (req) => {
      if (!s.site.assetById.has(req.params.id)) throw notFound('asset', req.params.id);
      const { window, alerts } = s.alerts.setOutOfService(req.params.id, personOf(req), req.body);
      return { maintenance: window, alerts };
    },
  );

  api.get(
    '/api/v1/maintenance',
    {
      config: { access: 'site:read' },
      schema: { tags, summary: 'Assets out of service ("in maintenance"): since, until, by whom, why' },
    },
    async () => s.alerts.outOfServiceList(),
  );
}
