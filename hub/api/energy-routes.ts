import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EnergyOverview } from '../../domains/energy/energy-overview.js';
import type { EnergyService } from '../../domains/energy/energy-service.js';
import { reportCsv } from '../../domains/energy/report-csv.js';
import { personOf } from './access.js';
import { checkIntervalCount, INTERVALS, instant } from './query-schemas.js';

const date = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { error: 'expected YYYY-MM-DD' });
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected YYYY-MM' });
const format = z.enum(['json', 'csv']).default('json').describe('json, or csv: one row per meter');
const MeterParams = z.strictObject({ id: z.string().max(128) });

export interface EnergyRouteServices {
  energy: EnergyService;
  overview: EnergyOverview;
  /** Now, for the intervals' default range. */
  now: () => number;
}

/** Energy: the meter hierarchy, intervals, baselines, savings, daily and monthly reports (JSON or CSV). */
export async function energyRoutes(app: FastifyInstance, s: EnergyRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = { access: 'site:read' as const };
  const tags = ['energy'];

  api.get(
    '/api/v1/energy/meters',
    {
      config: read,
      schema: {
        tags,
        summary: 'The meter hierarchy (site → building → floor/system), virtual meters included',
      },
    },
    async () => s.energy.hierarchy(),
  );

  api.get(
    '/api/v1/energy/meters/:id/intervals',
    {
      config: read,
      schema: {
        tags,
        summary:
          'A meter’s consumption per 15 min, hour, day or month: gaps as null with a completeness figure, peak demand, cost, carbon',
        params: MeterParams,
        querystring: z.strictObject({
          from: instant.optional().describe('default: 24 h before `to`'),
          to: instant.optional().describe('default: now'),
          interval: z.enum(INTERVALS).default('1h'),
        }),
      },
    },
    async (req) => {
      const to = req.query.to ?? s.now();
      const from = req.query.from ?? to - 86_400_000;
      checkIntervalCount(from, to, req.query.interval);
      return s.energy.intervals(req.params.id, from, to, req.query.interval);
    },
  );

  api.get(
    '/api/v1/energy/meters/:id/baseline',
    {
      config: read,
      schema: {
        tags,
        summary:
          'What a meter is expected to use per local hour of each weekday and of holidays, learned from the weeks before a date',
        params: MeterParams,
        querystring: z.strictObject({ date: date.optional().describe('default: today') }),
      },
    },
    async (req) => s.energy.baseline(req.params.id, req.query.date),
  );

  api.get(
    '/api/v1/energy/meters/:id/savings',
    {
      config: read,
      schema: {
        tags,
        summary: 'A saving measure: consumption since it took effect against the baseline learned before it',
        params: MeterParams,
        querystring: z.strictObject({
          since: date.describe('the first day of the measure'),
          until: date.optional().describe('the day after the last one compared; default: today included'),
        }),
      },
    },
    async (req) => s.energy.savings(req.params.id, req.query.since, req.query.until),
  );

  api.get(
    '/api/v1/energy/savings',
    {
      config: read,
      schema: {
        tags,
        summary:
          'What automation saved, per measure (schedules, DCV and occupancy, demand limiting): each 15-minute slot against the baseline learned before automation first acted, the difference attributed to the measures acting in it',
        querystring: z.strictObject({
          meter: z
            .string()
            .max(128)
            .optional()
            .describe('default: the site’s electricity (the root electricity meter)'),
          from: date.optional().describe('first local day; default: the day automation first acted'),
          to: date.optional().describe('the day after the last one; default: today included'),
        }),
      },
    },
    async (req) => s.energy.automationSavings(req.query),
  );

  for (const kind of ['daily', 'monthly'] as const)
    api.get(
      `/api/v1/energy/reports/${kind}`,
      {
        config: read,
        schema: {
          tags,
          summary: `The ${kind} energy report of the site or a building: consumption, cost, peak demand, against the last period and the baseline, top consumers, after-hours waste, carbon`,
          querystring: z.strictObject({
            ...(kind === 'daily'
              ? { date: date.optional().describe('default: yesterday') }
              : { month: month.optional().describe('default: last month') }),
            zone: z.string().max(128).optional().describe('a building (or any zone); default: the site'),
            format,
          }),
        },
      },
      async (req, reply) => {
        const q = req.query as { date?: string; month?: string; zone?: string; format: 'json' | 'csv' };
        const report = await s.energy.report(kind, kind === 'daily' ? q.date : q.month, q.zone);
        if (q.format === 'json') return report;
        const { label } = report.period;
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="energy-${kind}-${label}${q.zone ? `-${q.zone}` : ''}.csv"`,
          )
          .send(reportCsv(report));
      },
    );

  api.get(
    '/api/v1/energy/now',
    {
      config: read,
      schema: {
        tags,
        summary:
          "Site power now and today's consumption per medium against the baseline (the dashboard's overview)",
      },
    },
    async () => s.overview.now(),
  );

  api.get(
    '/api/v1/energy/ledger',
    {
      config: read,
      schema: {
        tags,
        summary: 'The ledger of 15-minute consumption the reports read: rows, settled days, last refresh',
      },
    },
    async () => s.energy.health(),
  );

  api.post(
    '/api/v1/energy/ledger/unsettle',
    {
      config: { access: 'energy:manage' as const },
      schema: {
        tags,
        summary: 'Work days out again from history (after history was imported or replayed late)',
        body: z.strictObject({ from: instant, to: instant }),
      },
    },
    async (req) => s.energy.unsettle(req.body.from, req.body.to, personOf(req)),
  );
}
