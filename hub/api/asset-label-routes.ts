import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { assetLabels, MAX_LABELS } from '../../domains/tickets/asset-labels.js';

export interface AssetLabelRouteServices {
  site: SiteModel;
  /** The hub's address as people reach it (visitors.publicUrl); else the address the request came in on. */
  publicUrl?: string;
}

/** QR labels for assets: the dashboard prints them as a sheet (#/assets/labels). */
export async function assetLabelRoutes(app: FastifyInstance, s: AssetLabelRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/asset-labels',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['site'],
        summary: `QR labels of a zone's assets (and its sub-zones'; all without zone), at most ${MAX_LABELS}: name, id, zone, the fault-report URL the QR opens and the QR as SVG`,
        querystring: z.strictObject({ zone: z.string().max(64).optional() }),
      },
    },
    async (req) => {
      const { zone } = req.query;
      if (zone && !s.site.zoneById.has(zone)) throw notFound('zone', zone);
      // without a configured public URL the labels point where this browser reached the hub
      const base = s.publicUrl ?? `${req.protocol}://${req.host}`;
      const { labels, total } = await assetLabels(s.site, base, zone);
      return { base, baseFrom: s.publicUrl ? 'publicUrl' : 'request', total, labels };
    },
  );
}
