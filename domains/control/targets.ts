import { z } from 'zod';
import type { Fail } from '../../core/config/validate-site.js';
import { idSchema, pointNameSchema } from '../../core/config/zod-helpers.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';

/**
 * What a schedule, scene or plan commands: points by id, and groups (one point name on every asset of a kind in a
 * zone and the zones below it: `{ zone: b1, kind: ahu, point: run_cmd }` is every AHU's run command in building 1).
 */
export const TargetsSchema = z
  .strictObject({
    points: z
      .array(z.string().regex(/^[^/]+\/[^/]+$/, { error: 'expected asset-id/point-name' }))
      .default([]),
    groups: z
      .array(
        z.strictObject({
          zone: idSchema.optional().describe('this zone and every zone below it; omitted: the whole site'),
          kind: z.string().optional().describe('asset kind (ahu, chiller, lighting, ...); omitted: any'),
          point: pointNameSchema,
        }),
      )
      .default([]),
  })
  .refine((t) => t.points.length + t.groups.length > 0, { error: 'expected at least one point or group' });
export type Targets = z.infer<typeof TargetsSchema>;

/** The command points a target list names, each once, in the site file's order. */
export function resolveTargets(targets: Targets, site: SiteModel): string[] {
  const ids = new Set(targets.points);
  for (const g of targets.groups) {
    const zones = g.zone === undefined ? undefined : zoneSubtree(site.zones, g.zone);
    for (const asset of site.assets)
      if ((!zones || zones.has(asset.zone)) && (!g.kind || asset.kind === g.kind))
        if (site.pointById.get(`${asset.id}/${g.point}`)?.kind === 'command')
          ids.add(`${asset.id}/${g.point}`);
  }
  return site.points.filter((p) => ids.has(p.id)).map((p) => p.id);
}

/** Each named point exists and is a command point; each group's zone exists and matches at least one point. */
export function checkTargets(targets: Targets, site: SiteModel, path: PropertyKey[], fail: Fail): void {
  targets.points.forEach((id, i) => {
    const p = site.pointById.get(id);
    if (!p) fail([...path, 'points', i], `no point ${id} in the site`);
    else if (p.kind !== 'command')
      fail([...path, 'points', i], `${id} is a ${p.kind} point; expected a command point`);
  });
  targets.groups.forEach((g, i) => {
    if (g.zone !== undefined && !site.zoneById.has(g.zone))
      fail([...path, 'groups', i, 'zone'], `no zone ${g.zone} in the site`);
    else if (!resolveTargets({ points: [], groups: [g] }, site).length)
      fail(
        [...path, 'groups', i],
        `no command point "${g.point}" on any ${g.kind ?? ''} asset${g.zone ? ` in zone ${g.zone}` : ''}`.replace(
          '  ',
          ' ',
        ),
      );
  });
}
