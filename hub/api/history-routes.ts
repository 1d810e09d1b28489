import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { invalid, notFound, unavailable } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { counterIntervals } from '../../domains/energy/counter-intervals.js';
import type { CounterEventLog } from '../../platform/storage/counter-events.js';
import { AGGREGATES, chooseStep, parseDuration } from '../../platform/storage/history.js';
import type { StorageService } from '../../platform/storage/storage-service.js';
import { checkIntervalCount, INTERVALS, instant } from './query-schemas.js';

const MAX_BUCKETS = 100_000;
const MAX_POINTS = 50;
const RangeQuery = {
  from: instant.optional().describe('default: 24 h before `to`'),
  to: instant.optional().describe('default: now'),
  step: z
    .string()
    .max(20)
    .optional()
    .describe('bucket size, e.g. 30s, 5m, 1h; default: at most ~2,000 buckets'),
  agg: z.enum(AGGREGATES).optional().describe('default: mean for numbers, last otherwise'),
};

export interface HistoryRouteServices {
  site: SiteModel;
  clock: Clock;
  storage: Pick<StorageService, 'history' | 'health'>;
  counterEvents: CounterEventLog;
}

export async function historyRoutes(app: FastifyInstance, s: HistoryRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const config = { access: 'site:read' as const };
  const tags = ['history'];

  const history = () => {
    const h = s.storage.history;
    if (!h) throw unavailable('storage is off (storage.mode: off)');
    return h;
  };
  const range = (q: { from?: number; to?: number }) => {
    const to = q.to ?? s.clock.now();
    const from = q.from ?? to - 86_400_000;
    if (from >= to) throw invalid('from must be before to');
    return { from, to };
  };
  const point = (id: string) => {
    const p = s.site.pointById.get(id);
    if (!p) throw notFound('point', id);
    return p;
  };

  const seriesFor = async (ids: string[], q: z.infer<z.ZodObject<typeof RangeQuery>>) => {
    const points = ids.map(point);
    const { from, to } = range(q);
    let stepMs = chooseStep(from, to);
    if (q.step !== undefined) {
      const parsed = parseDuration(q.step);
      if (!parsed) throw invalid('step: expected a duration such as 30s, 5m, 1h or a number of ms');
      if ((to - from) / parsed > MAX_BUCKETS)
        throw invalid(`step: more than ${MAX_BUCKETS} buckets; use a larger step`);
      stepMs = parsed;
    }
    const numeric = points.every((p) => p.type === 'number');
    const agg = q.agg ?? (numeric ? 'mean' : 'last');
    if (!numeric && agg !== 'last' && agg !== 'count')
      throw invalid(`agg: ${agg} needs number points; use last or count`);
    const result = await history().series({ pointIds: ids, from, to, stepMs, agg });
    return {
      from,
      to,
      step: stepMs,
      agg,
      source: result.source,
      series: result.series.map((ser, i) => ({ ...ser, unit: points[i]!.unit })),
    };
  };

  api.get(
    '/api/v1/points/:id/history',
    {
      config,
      schema: {
        tags,
        summary:
          'A point over time: one value per step (mean, min, max, last, sum or count); id as asset%2Fpoint',
        params: z.object({ id: z.string() }),
        querystring: z.strictObject(RangeQuery),
      },
    },
    async (req) => seriesFor([req.params.id], req.query),
  );

  api.get(
    '/api/v1/points/:asset/:point/history',
    {
      config,
      schema: {
        tags,
        summary: 'The same, addressed as /points/<asset>/<point>/history',
        params: z.object({ asset: z.string(), point: z.string() }),
        querystring: z.strictObject(RangeQuery),
      },
    },
    async (req) => seriesFor([`${req.params.asset}/${req.params.point}`], req.query),
  );

  api.get(
    '/api/v1/history',
    {
      config,
      schema: {
        tags,
        summary: `Several points on one time axis (at most ${MAX_POINTS})`,
        querystring: z.strictObject({
          points: z.string().max(10_000).describe('comma-separated point ids'),
          ...RangeQuery,
        }),
      },
    },
    async (req) => {
      const ids = req.query.points.split(',').filter(Boolean);
      if (!ids.length || ids.length > MAX_POINTS) throw invalid(`points: expected 1–${MAX_POINTS} point ids`);
      return seriesFor(ids, req.query);
    },
  );

  const EnergyQuery = z.strictObject({
    from: instant.optional(),
    to: instant.optional(),
    interval: z.enum(INTERVALS).default('1h'),
  });
  const energy = async (id: string, q: z.infer<typeof EnergyQuery>) => {
    const p = point(id);
    if (p.kind !== 'counter') throw invalid(`${p.id} is a ${p.kind} point; energy intervals need a counter`);
    const { from, to } = range(q);
    const unit = q.interval;
    checkIntervalCount(from, to, unit);
    // a day before the range: the reading the first interval's consumption starts from
    const lasts = await history().counterLasts(p.id, from - 86_400_000, to);
    const { intervals, events } = counterIntervals(lasts, {
      from,
      to,
      unit,
      tz: s.site.site.timezone,
      rolloverAt: p.rolloverAt,
    });
    return { pointId: p.id, unit: p.unit, interval: unit, timezone: s.site.site.timezone, intervals, events };
  };

  api.get(
    '/api/v1/points/:id/energy',
    {
      config,
      schema: {
        tags,
        summary:
          'Consumption of a counter per 15 min, hour, day or month (site time zone), with rollovers and meter resets',
        params: z.object({ id: z.string() }),
        querystring: EnergyQuery,
      },
    },
    async (req) => energy(req.params.id, req.query),
  );
  api.get(
    '/api/v1/points/:asset/:point/energy',
    {
      config,
      schema: {
        tags,
        summary: 'The same, addressed as /points/<asset>/<point>/energy',
        params: z.object({ asset: z.string(), point: z.string() }),
        querystring: EnergyQuery,
      },
    },
    async (req) => energy(`${req.params.asset}/${req.params.point}`, req.query),
  );

  api.get(
    '/api/v1/points/:id/counter-events',
    {
      config,
      schema: {
        tags,
        summary: 'A counter’s rollovers and resets (meter replacements), as they happened',
        params: z.object({ id: z.string() }),
        querystring: z.strictObject({ from: instant.optional(), to: instant.optional() }),
      },
    },
    async (req) => {
      const p = point(req.params.id);
      const to = req.query.to ?? s.clock.now();
      return s.counterEvents.list(p.id, req.query.from ?? 0, to);
    },
  );

  api.get(
    '/api/v1/storage',
    {
      config,
      schema: {
        tags: ['health'],
        summary:
          'Storage: the outbox (depth, oldest point, fill, dropped) and the InfluxDB forwarder, or the embedded store',
      },
    },
    async () => s.storage.health(),
  );
}
