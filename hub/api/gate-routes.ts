import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GateReports } from '../../domains/visitors/gate-reports.js';
import { personOf } from './access.js';

export interface GateRouteServices {
  gates: GateReports;
}

/** Gates: their state and counters, who is on site, traffic for the access-management report, provisioning. */
export async function gateRoutes(app: FastifyInstance, s: GateRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['visitors'];
  const { gates } = s;

  api.get(
    '/api/v1/gates',
    {
      config: { access: 'site:read' },
      schema: { tags, summary: 'The visitor gates: zone, device state, decisions and problems counted' },
    },
    async () => gates.summaries(),
  );

  api.get(
    '/api/v1/gates/occupancy',
    {
      config: { access: 'site:read' },
      schema: { tags, summary: 'How many visitors and staff are on site now (counts only)' },
    },
    async () => gates.occupancy(),
  );

  api.get(
    '/api/v1/gates/on-site',
    {
      config: { access: 'passes:manage' },
      schema: {
        tags,
        summary: 'The evacuation list: every visitor (with host) and staff member on site now',
      },
    },
    async () => gates.onSite(),
  );

  api.get(
    '/api/v1/gates/traffic',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'Entries and exits by gate, hour and day (site time), visitors, decisions by reason',
        querystring: z.strictObject({
          from: z.coerce.number().int().nonnegative().describe('ms since the epoch'),
          to: z.coerce.number().int().positive().describe('ms since the epoch'),
        }),
      },
    },
    async (req) => gates.traffic(req.query.from, req.query.to),
  );

  api.get(
    '/api/v1/gates/:id/allowlist-key',
    {
      config: { access: 'devices:manage' },
      schema: {
        tags,
        summary: "The gate's own key for its offline allow-list (provision it into the gate controller once)",
        params: z.strictObject({ id: z.string().max(64) }),
      },
    },
    async (req) => gates.allowListKey(req.params.id, personOf(req)),
  );
}
