import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EnergyError } from '../../domains/energy/energy-service.js';
import { reportCsv } from '../../domains/energy/report-csv.js';
import { localDate } from '../../domains/energy/slot-calendar.js';
import { actorOf } from '../../platform/security/auth-service.js';
import type { HubServices } from '../services.js';
import { principalOf } from './access.js';
import { HttpProblem } from './problem.js';
import { checkIntervalCount, INTERVALS, instant } from './query-schemas.js';

const date = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { error: 'expected YYYY-MM-DD' });
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected YYYY-MM' });
const format = z.enum(['json', 'csv']).default('json').describe('json, or csv: one row per meter');
const MeterParams = z.strictObject({ id: z.string().max(128) });

/** Energy: the meter hierarchy, intervals, baselines, savings, daily and monthly reports (JSON or CSV). */
export async function energyRoutes(app: FastifyInstance, s: HubServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = { access: 'site:read' as const };
  const tags = ['energy'];
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof EnergyError)
        throw new HttpProblem(
          err.status,
          { 400: 'Bad Request', 404: 'Not Found', 503: 'Service Unavailable' }[err.status],
          err.message,
        );
      throw err;
    }
  };

  api.get(
    '/api/v1/energy/meters',
    {
      config: read,
      schema: {
        tags,
        summary: 'The meter hierarchy (site → building → floor/system), virtual meters included',
      },
    },
    async () => ({
      timezone: s.site.site.timezone,
      currency: s.site.config.energy.currency,
      meters: s.energy.tree(),
    }),
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
      const to = req.query.to ?? s.clock.now();
      const from = req.query.from ?? to - 86_400_000;
      if (from >= to) throw new HttpProblem(400, 'Bad Request', 'from must be before to');
      checkIntervalCount(from, to, req.query.interval);
      return run(() => s.energy.intervals(req.params.id, from, to, req.query.interval));
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
    async (req) => run(() => s.energy.baseline(req.params.id, req.query.date ?? today(s))),
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
    async (req) => run(() => s.energy.savings(req.params.id, req.query.since, req.query.until)),
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
        const label = kind === 'daily' ? (q.date ?? yesterday(s)) : (q.month ?? lastMonth(s));
        const report = await run(() => s.energy.report(kind, label, q.zone));
        if (q.format === 'json') return report;
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
    async () => {
      const KW: Record<string, number> = { W: 0.001, kW: 1, MW: 1000 };
      let powerKw: number | null = null;
      let at: number | null = null;
      const powerPoints = s.energy.sitePowerPoints();
      for (const id of powerPoints) {
        const v = s.latest.get(id);
        if (typeof v?.value !== 'number' || v.quality === 'bad') continue;
        powerKw = (powerKw ?? 0) + v.value * KW[s.site.pointById.get(id)!.unit]!;
        at = Math.max(at ?? 0, v.ts ?? 0);
      }
      // without storage there is no history: power only
      const report = s.storage.history ? await run(() => s.energy.report('daily', today(s))) : undefined;
      return {
        powerKw: powerKw === null ? null : Number(powerKw.toFixed(3)),
        at,
        powerPoints: powerPoints.map((id) => ({ id, unit: s.site.pointById.get(id)!.unit })),
        today: (report?.totals ?? []).map((t) => ({
          medium: t.medium,
          unit: t.unit,
          consumption: t.consumption,
          completeness: t.completeness,
          baseline: t.baseline,
          cost: t.cost,
        })),
        currency: s.site.config.energy.currency,
      };
    },
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
    async (req) => {
      const { from, to } = req.body;
      if (from >= to) throw new HttpProblem(400, 'Bad Request', 'from must be before to');
      const rows = s.energy.ledger.unsettle(from, to);
      s.audit.record(actorOf(principalOf(req), req.ip), {
        action: 'energy.ledger-unsettled',
        target: `${new Date(from).toISOString()}/${new Date(to).toISOString()}`,
        detail: `${rows} rows`,
      });
      return { rows };
    },
  );
}

/** The site's local date a number of days from now (a day is 24 h: fine away from a DST change's hour). */
const localDay = (s: HubServices, offsetDays: number) =>
  localDate(s.clock.now() + offsetDays * 86_400_000, s.site.site.timezone);
const today = (s: HubServices) => localDay(s, 0);
const yesterday = (s: HubServices) => localDay(s, -1);
const lastMonth = (s: HubServices) => {
  const [y, m] = today(s).split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
};
