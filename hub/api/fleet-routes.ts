import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { invalid, notFound, unavailable } from '../../core/errors.js';
import type {
  FleetHistoryAnswer,
  FleetSiteAnswer,
  FleetSitesAnswer,
} from '../../domains/fleet/fleet-api-types.js';
import type { FleetHistory } from '../../domains/fleet/fleet-history.js';
import type { FleetHost } from '../../domains/fleet/host-app.js';
import { instant } from './query-schemas.js';

export interface FleetRouteServices {
  fleet: Pick<FleetHost, 'sites' | 'site' | 'asset'>;
  /** The central's InfluxDB; undefined when its storage is not InfluxDB (no fleet history then). */
  history?: Pick<FleetHistory, 'series'>;
  clock: Clock;
}

const MAX_RANGE_MS = 400 * 86_400_000;

/** The central hub's fleet view (hub.mode: central): sites, a site's assets with latest values, a point's trend. */
export async function fleetRoutes(app: FastifyInstance, s: FleetRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const config = { access: 'site:read' as const };
  const tags = ['fleet'];

  api.get(
    '/api/v1/fleet/sites',
    {
      config,
      schema: {
        tags,
        summary: 'The fleet: every site with its state, alerts, tickets, power now and energy today',
      },
    },
    async (): Promise<FleetSitesAnswer> => s.fleet.sites(),
  );

  api.get(
    '/api/v1/fleet/sites/:site',
    {
      config,
      schema: {
        tags,
        summary:
          "A site's assets and the latest value of each point (stale when the site or asset is not online)",
        params: z.object({ site: z.string().max(200) }),
      },
    },
    async (req): Promise<FleetSiteAnswer> => {
      const answer = s.fleet.site(req.params.site);
      if (!answer) throw notFound('site', req.params.site);
      return answer;
    },
  );

  api.get(
    '/api/v1/fleet/sites/:site/assets/:asset/history',
    {
      config,
      schema: {
        tags,
        summary: "A point's history from the central's InfluxDB: raw up to 2 h, means per interval beyond",
        params: z.object({ site: z.string().max(200), asset: z.string().max(200) }),
        querystring: z.strictObject({
          point: z.string().min(1).max(200),
          from: instant.optional().describe('default: 24 h before `to`'),
          to: instant.optional().describe('default: now'),
        }),
      },
    },
    async (req): Promise<FleetHistoryAnswer> => {
      const { site, asset } = req.params;
      const { point } = req.query;
      if (!s.fleet.site(site)) throw notFound('site', site);
      const a = s.fleet.asset(site, asset);
      if (!a) throw notFound('asset', `${site}/${asset}`);
      const p = a.points.get(point);
      if (!p) throw notFound('point', `${site}/${asset}/${point}`);
      const to = req.query.to ?? s.clock.now();
      const from = req.query.from ?? to - 86_400_000;
      if (from >= to) throw invalid('from must be before to');
      if (to - from > MAX_RANGE_MS) throw invalid('at most 400 days at a time');
      if (!s.history) throw unavailable('fleet history needs storage.mode: influxdb on the central hub');
      const series = await s.history.series({ site, asset, kind: a.kind, point, type: p.type, from, to });
      return { site, asset, point, unit: p.unit, ...series };
    },
  );
}
