import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalid, notFound } from '../../core/errors.js';
import { gateKeyOf } from '../../domains/visitors/allow-list.js';
import { traffic } from '../../domains/visitors/traffic.js';
import type { HubServices } from '../services.js';

const DAY = 86_400_000;

/** Gates: their state and counters, who is on site, traffic for the access-management report, provisioning. */
export async function gateRoutes(app: FastifyInstance, s: HubServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['visitors'];
  const { gates, gateStore, key } = s.visitors;

  api.get(
    '/api/v1/gates',
    {
      config: { access: 'site:read' },
      schema: { tags, summary: 'The visitor gates: zone, device state, decisions and problems counted' },
    },
    async () => {
      const stats = gates.statsByGate();
      const devices = s.supervisor.deviceHealth();
      return [...gates.gates.values()].map((g) => ({
        id: g.id,
        name: s.site.assetById.get(g.id)?.name ?? g.id,
        zone: g.zone,
        device: g.deviceId,
        state: devices.find((d) => d.deviceId === g.deviceId)?.state ?? 'unknown',
        ...stats[g.id],
      }));
    },
  );

  api.get(
    '/api/v1/gates/occupancy',
    {
      config: { access: 'site:read' },
      schema: { tags, summary: 'How many visitors and staff are on site now (counts only)' },
    },
    async () => {
      const inside = gateStore.inside();
      return { visitors: inside.visitors.length, staff: inside.staff.length };
    },
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
    async () => ({ at: s.clock.now(), ...gateStore.inside() }),
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
    async (req) => {
      const { from, to } = req.query;
      if (to <= from) throw invalid('to must be after from');
      if (to - from > 366 * DAY) throw invalid('at most a year at a time');
      return traffic(gateStore, s.site.site.timezone, from, to);
    },
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
    async (req) => {
      if (!gates.gates.has(req.params.id)) throw notFound('gate', req.params.id);
      s.audit.record(
        {
          actor: req.principal?.user.username ?? 'unknown',
          via: req.principal?.via ?? 'session',
          ip: req.ip,
        },
        { action: 'gate.allowlist-key', target: req.params.id },
      );
      return { gate: req.params.id, key: gateKeyOf(key, req.params.id).toString('hex') };
    },
  );
}
