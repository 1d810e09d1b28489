import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';

const LatestSchema = z.object({
  pointId: z.string(),
  value: z.union([z.number(), z.boolean(), z.string(), z.null()]),
  quality: z.enum(['good', 'uncertain', 'bad']),
  ts: z.number().nullable().describe('source timestamp, ms since the epoch (UTC)'),
  reason: z.string().optional(),
  unit: z.string(),
});

export interface SiteRouteServices {
  site: SiteModel;
  latest: LatestValues;
}

export async function siteRoutes(app: FastifyInstance, s: SiteRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { site, latest } = s;
  const config = { access: 'site:read' as const };

  const describePoint = (p: PointDef) => ({
    id: p.id,
    name: p.name,
    label: p.label,
    unit: p.unit,
    kind: p.kind,
    type: p.type,
    deviceId: p.deviceId ?? null,
    intervalMs: p.intervalMs,
    min: p.min,
    max: p.max,
  });
  const latestOf = (p: PointDef) => {
    const v = latest.get(p.id)!;
    return { ...v, unit: p.unit };
  };
  const describeAsset = (id: string, withValues: boolean) => {
    const a = site.assetById.get(id)!;
    const points = site.pointsByAsset.get(id) ?? [];
    return {
      id: a.id,
      name: a.name,
      kind: a.kind,
      zone: a.zone,
      model: a.model,
      tags: a.tags,
      deviceId: a.device ?? null,
      points: points.map((p) =>
        withValues ? { ...describePoint(p), latest: latestOf(p) } : describePoint(p),
      ),
    };
  };

  api.get(
    '/api/v1/site',
    {
      config,
      schema: { tags: ['site'], summary: 'The site: zones as a tree, with the ids of their assets' },
    },
    async () => ({
      site: site.site,
      /** site: one site's hub; central: the fleet's host application (the dashboard shows the fleet view). */
      mode: site.hub.mode,
      zones: site.zoneTree(),
      counts: {
        zones: site.zones.length,
        assets: site.assets.length,
        points: site.points.length,
        devices: site.devices.length,
      },
    }),
  );

  api.get(
    '/api/v1/assets',
    {
      config,
      schema: {
        tags: ['site'],
        summary: 'Assets, optionally of one zone (and its sub-zones) or kind',
        querystring: z.strictObject({
          zone: z.string().optional(),
          kind: z.string().optional(),
          values: z
            .enum(['true', 'false'])
            .default('false')
            .describe('include the latest value of every point'),
        }),
      },
    },
    async (req) => {
      const { zone, kind, values } = req.query;
      if (zone && !site.zoneById.has(zone)) throw notFound('zone', zone);
      const zones = zone ? subZones(zone) : undefined;
      return site.assets
        .filter((a) => (!zones || zones.has(a.zone)) && (!kind || a.kind === kind))
        .map((a) => describeAsset(a.id, values === 'true'));
    },
  );

  api.get(
    '/api/v1/assets/:id',
    {
      config,
      schema: {
        tags: ['site'],
        summary: 'One asset with its points and their latest values',
        params: z.object({ id: z.string() }),
      },
    },
    async (req) => {
      if (!site.assetById.has(req.params.id)) throw notFound('asset', req.params.id);
      return describeAsset(req.params.id, true);
    },
  );

  const latestRoute = (pointId: string) => {
    const p = site.pointById.get(pointId);
    if (!p) throw notFound('point', pointId);
    return latestOf(p);
  };
  api.get(
    '/api/v1/points/:id/latest',
    {
      config,
      schema: {
        tags: ['points'],
        summary: 'Latest value of a point; the id is asset/point, with the slash encoded as %2F',
        params: z.object({ id: z.string() }),
        response: { 200: LatestSchema },
      },
    },
    async (req) => latestRoute(req.params.id),
  );
  api.get(
    '/api/v1/points/:asset/:point/latest',
    {
      config,
      schema: {
        tags: ['points'],
        summary: 'Latest value of a point, addressed as /points/<asset>/<point>/latest',
        params: z.object({ asset: z.string(), point: z.string() }),
        response: { 200: LatestSchema },
      },
    },
    async (req) => latestRoute(`${req.params.asset}/${req.params.point}`),
  );

  function subZones(root: string): Set<string> {
    const out = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const z of site.zones)
        if (z.parent && out.has(z.parent) && !out.has(z.id)) {
          out.add(z.id);
          grew = true;
        }
    }
    return out;
  }
}
