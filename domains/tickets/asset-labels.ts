import QRCode from 'qrcode';
import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';

/**
 * Printable QR labels for assets: each label's QR opens the dashboard's phone fault report for that asset
 * (`<base>/#/report?asset=<id>`), so whoever finds a fault scans the label, logs in and reports it.
 */

/** One A4 sheet set at most; a bigger site prints zone by zone. */
export const MAX_LABELS = 300;

export interface AssetLabel {
  id: string;
  name: string;
  kind: string;
  zone: string;
  /** The zone's path from the top, e.g. "Building 1 / Floor 1". */
  zonePath: string;
  /** What the QR encodes. */
  url: string;
  /** The QR as an SVG document (error correction M: a label may get scuffed). */
  svg: string;
}

export const reportUrl = (base: string, assetId: string) =>
  `${base.replace(/\/+$/, '')}/#/report?asset=${encodeURIComponent(assetId)}`;

function zonePath(site: SiteModel, id: string): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (
    let z = site.zoneById.get(id);
    z && !seen.has(z.id);
    z = z.parent ? site.zoneById.get(z.parent) : undefined
  ) {
    seen.add(z.id);
    names.unshift(z.name);
  }
  return names.join(' / ') || id;
}

/** The labels of a zone's assets (all assets without a zone), ordered by zone path then name. */
export async function assetLabels(
  site: SiteModel,
  base: string,
  zone?: string,
): Promise<{ labels: AssetLabel[]; total: number }> {
  const zones = zone ? zoneSubtree(site.zones, zone) : undefined;
  const assets = site.assets
    .filter((a) => !zones || zones.has(a.zone))
    .map((a) => ({ a, path: zonePath(site, a.zone) }))
    .sort((x, y) => x.path.localeCompare(y.path) || x.a.name.localeCompare(y.a.name));
  const labels = await Promise.all(
    assets.slice(0, MAX_LABELS).map(async ({ a, path }) => {
      const url = reportUrl(base, a.id);
      const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { id: a.id, name: a.name, kind: a.kind, zone: a.zone, zonePath: path, url, svg };
    }),
  );
  return { labels, total: assets.length };
}
