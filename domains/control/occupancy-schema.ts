import { z } from 'zod';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Fail } from '../../core/config/validate-site.js';
import { idSchema } from '../../core/config/zod-helpers.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { PointValueSchema, valueProblem } from './scene-schema.js';
import { checkTargets, resolveTargets, TargetsSchema } from './targets.js';

const pointRef = z.string().regex(/^[^/]+\/[^/]+$/, { error: 'expected asset-id/point-name' });
const minutes = z.number({ error: 'expected minutes > 0' }).positive({ error: 'expected minutes > 0' });
const num = (what: string) => z.number({ error: `expected ${what}` });

/** Outdoor air by CO₂: min at co2Low and below, max at co2High and above, proportional between. */
export const DcvSchema = z
  .strictObject({
    targets: TargetsSchema,
    co2Low: num('ppm'),
    co2High: num('ppm'),
    min: num('the damper or fan value at co2Low'),
    max: num('the damper or fan value at co2High'),
    /** A new value is commanded only when it differs from the last by more than this. */
    deadband: z.number().min(0).default(2),
  })
  .refine((d) => d.co2High > d.co2Low, { error: 'co2High must be above co2Low', path: ['co2High'] })
  .refine((d) => d.max >= d.min, { error: 'max must be at least min', path: ['max'] });

export const OccupancySchema = z.strictObject({
  zone: idSchema,
  /** Where people are seen: the gates (people on site count for the zone), motion points, a schedule's hours. */
  people: z
    .strictObject({
      gates: z.boolean().default(false),
      motion: z.array(pointRef).default([]),
      /** A site schedule (`schedules:`): the zone counts as occupied while it is on. */
      schedule: idSchema.optional(),
    })
    .prefault({}),
  /** CO₂ points of the zone (ppm): the highest fresh reading drives DCV. */
  co2: z.array(pointRef).default([]),
  dcv: DcvSchema.optional(),
  /** Lighting off (false, or 0 on a dimmer) once the zone has been unoccupied this long; relinquished when occupied. */
  lighting: z.strictObject({ targets: TargetsSchema, offAfterMinutes: minutes }).optional(),
  /** A setback value once the zone has been empty this long; relinquished when people return. */
  setback: z
    .strictObject({ targets: TargetsSchema, value: PointValueSchema, afterMinutes: minutes })
    .optional(),
});
export type OccupancyConfig = z.infer<typeof OccupancySchema>;

/** Keys of the site file's `control:` section: occupancy-driven control per zone. */
export const OccupancyShape = {
  occupancy: z.array(OccupancySchema).default([]),
} satisfies z.ZodRawShape;

/** The zones, points and schedules named exist and fit; DCV's min/max, the setback value fit their points. */
export function checkOccupancy(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const seen = new Set<string>();
  config.control.occupancy.forEach((o, i) => {
    const path = ['control', 'occupancy', i];
    if (!site.zoneById.has(o.zone)) fail([...path, 'zone'], `no zone ${o.zone} in the site`);
    else if (seen.has(o.zone)) fail([...path, 'zone'], `zone ${o.zone} has occupancy control twice`);
    seen.add(o.zone);
    o.people.motion.forEach((id, j) => {
      const p = site.pointById.get(id);
      if (!p) fail([...path, 'people', 'motion', j], `no point ${id} in the site`);
      else if (p.type === 'string')
        fail([...path, 'people', 'motion', j], `${id} is text; expected true/false or a count`);
    });
    if (o.people.schedule !== undefined && !site.schedules.has(o.people.schedule))
      fail([...path, 'people', 'schedule'], `no schedule ${o.people.schedule} in the site (schedules:)`);
    o.co2.forEach((id, j) => {
      const p = site.pointById.get(id);
      if (!p) fail([...path, 'co2', j], `no point ${id} in the site`);
      else if (p.type !== 'number') fail([...path, 'co2', j], `${id} is not a number point`);
    });
    if (o.dcv) {
      if (!o.co2.length) fail([...path, 'co2'], 'DCV needs at least one CO₂ point');
      const at = [...path, 'dcv'];
      if (fits(o.dcv.targets, site, [...at, 'targets'], fail))
        for (const id of resolveTargets(o.dcv.targets, site)) {
          const p = site.pointById.get(id)!;
          const problem = valueProblem(p, o.dcv.min) ?? valueProblem(p, o.dcv.max);
          if (problem) {
            fail([...at, valueProblem(p, o.dcv.min) ? 'min' : 'max'], problem);
            break;
          }
        }
    }
    if (o.lighting) {
      const at = [...path, 'lighting'];
      if (fits(o.lighting.targets, site, [...at, 'targets'], fail))
        for (const id of resolveTargets(o.lighting.targets, site)) {
          const p = site.pointById.get(id)!;
          if (p.type === 'string') {
            fail([...at, 'targets'], `${id} is text; lighting is switched (true/false) or dimmed (a number)`);
            break;
          }
          const problem = valueProblem(p, lightsOff(p.type));
          if (problem) {
            fail([...at, 'targets'], `off is ${lightsOff(p.type)}: ${problem}`);
            break;
          }
        }
    }
    if (o.setback) {
      const at = [...path, 'setback'];
      if (fits(o.setback.targets, site, [...at, 'targets'], fail))
        for (const id of resolveTargets(o.setback.targets, site)) {
          const problem = valueProblem(site.pointById.get(id)!, o.setback.value);
          if (problem) {
            fail([...at, 'value'], problem);
            break;
          }
        }
    }
  });
}

/** What "lights off" is on a point: false for a switch, 0 for a dimmer. */
export function lightsOff(type: string): boolean | number {
  return type === 'number' ? 0 : false;
}

function fits(
  targets: z.infer<typeof TargetsSchema>,
  site: SiteModel,
  path: PropertyKey[],
  fail: Fail,
): boolean {
  let ok = true;
  checkTargets(targets, site, path, (p, m) => {
    ok = false;
    fail(p, m);
  });
  return ok;
}
