import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { statsCsv } from '../../domains/visitors/stats-csv.js';
import { STATS_TABLES } from '../../domains/visitors/stats-types.js';
import type { VisitorStatsService } from '../../domains/visitors/visitor-stats.js';

export interface VisitorStatsRouteServices {
  stats: VisitorStatsService;
}

const range = {
  from: z.coerce.number().int().nonnegative().max(8.64e15).describe('ms since the epoch'),
  to: z.coerce.number().int().positive().max(8.64e15).describe('ms since the epoch'),
};

/** Entry statistics for the security desk: tables as JSON or CSV, and today's visitors. */
export async function visitorStatsRoutes(app: FastifyInstance, s: VisitorStatsRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['visitors'];

  api.get(
    '/api/v1/visitors/stats',
    {
      config: { access: 'passes:manage' },
      schema: {
        tags,
        summary:
          'Entry statistics of [from, to) (site time, at most 366 days): visits and passages by hour, day, gate, host department; peak inside per day; denied scans by reason. `by` returns one table',
        querystring: z.strictObject({ ...range, by: z.enum(STATS_TABLES).optional() }),
      },
    },
    async (req) => {
      const { from, to, by } = req.query;
      const all = s.stats.stats(from, to);
      if (!by) return all;
      return { from: all.from, to: all.to, timeZone: all.timeZone, by, rows: all[by] };
    },
  );

  api.get(
    '/api/v1/visitors/stats.csv',
    {
      config: { access: 'passes:manage' },
      schema: {
        tags,
        summary: 'One table of the entry statistics (`by`) as CSV with a header row',
        querystring: z.strictObject({ ...range, by: z.enum(STATS_TABLES) }),
      },
    },
    async (req, reply) => {
      const { from, to, by } = req.query;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="visitor-stats-${by}.csv"`)
        .header('cache-control', 'no-store')
        .send(statsCsv(s.stats.stats(from, to), by));
    },
  );

  api.get(
    '/api/v1/visitors/today',
    {
      config: { access: 'passes:manage' },
      schema: {
        tags,
        summary:
          "The security desk's list: today's visitors (site time) approved or awaiting approval, each expected, inside or left",
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return s.stats.today();
    },
  );
}
