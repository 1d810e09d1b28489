import { z } from 'zod';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Fail } from '../../core/config/validate-site.js';
import { idSchema } from '../../core/config/zod-helpers.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { type Meter, resolveMeters } from '../energy/meters.js';
import { PointValueSchema, valueProblem } from './scene-schema.js';
import { checkTargets, resolveTargets, TargetsSchema } from './targets.js';

const percent = z
  .number({ error: 'expected a percentage of limitKw (1–200)' })
  .min(1, { error: 'expected a percentage of limitKw (1–200)' })
  .max(200, { error: 'expected a percentage of limitKw (1–200)' });
const seconds = z
  .int({ error: 'expected whole seconds ≥ 1' })
  .min(1, { error: 'expected whole seconds ≥ 1' });

/**
 * One load to shed: a setpoint raised by `raiseBy` per step (`steps` steps, never beyond `max` nor the point's
 * own maximum), or a fixed value (dim lighting to 50, stop a pump).
 */
export const ShedLoadSchema = z
  .strictObject({
    name: z.string().min(1),
    targets: TargetsSchema,
    raiseBy: z.number().positive({ error: 'expected a step > 0' }).optional(),
    steps: z.int().min(1).max(20).default(1),
    max: z.number().optional(),
    value: PointValueSchema.optional(),
  })
  .refine((l) => (l.raiseBy === undefined) !== (l.value === undefined), {
    error: 'expected either raiseBy (with max) or value',
  })
  .refine((l) => l.raiseBy === undefined || l.max !== undefined, {
    error: 'raiseBy needs max (the comfort bound)',
    path: ['max'],
  });
export type ShedLoadConfig = z.infer<typeof ShedLoadSchema>;

export const DemandPlanSchema = z
  .strictObject({
    id: idSchema,
    name: z.string().min(1).optional(),
    /** The electricity meter (energy.meters id, or a meter asset's id) whose 15-minute demand is forecast. */
    meter: idSchema,
    /** The contracted limit (kW). */
    limitKw: z.number().positive({ error: 'expected kW > 0' }),
    shedAtPercent: percent.default(95),
    restoreAtPercent: percent.default(85),
    stepSeconds: seconds.default(60),
    restoreStaggerSeconds: seconds.default(60),
    /** Shed in this order, restored in reverse. */
    loads: z.array(ShedLoadSchema).min(1, { error: 'expected at least one load' }),
  })
  .refine((p) => p.restoreAtPercent < p.shedAtPercent, {
    error: 'restoreAtPercent must be below shedAtPercent (the hysteresis)',
    path: ['restoreAtPercent'],
  });
export type DemandPlanConfig = z.infer<typeof DemandPlanSchema>;

/** Keys of the site file's `control:` section: the demand-limit plans. */
export const DemandShape = {
  demandLimit: z.array(DemandPlanSchema).default([]),
} satisfies z.ZodRawShape;

/** A plan's meter and the point its demand is forecast from: the meter asset's power point, else its counter. */
export interface DemandMeter {
  meter: Meter;
  pointId: string;
  source: 'power' | 'energy';
}

/** The meter a plan names, resolved against the energy domain's hierarchy; a string says what is wrong. */
export function demandMeterOf(meterId: string, config: SiteConfig, site: SiteModel): DemandMeter | string {
  const meters = resolveMeters(config, site, () => {});
  // an energy.meters id, or the meter asset whose counter a physical meter reads
  const meter =
    meters.find((m) => m.id === meterId) ??
    meters.find((m) => m.pointId !== undefined && site.pointById.get(m.pointId)?.assetId === meterId);
  if (!meter) return `no meter ${meterId} (energy.meters, or an electricity meter asset)`;
  if (meter.medium !== 'electricity') return `${meterId} is a ${meter.medium} meter; expected electricity`;
  if (!meter.pointId) return `${meterId} is a virtual meter; expected a physical one`;
  const assetId = site.pointById.get(meter.pointId)!.assetId;
  const power = site.pointsByAsset
    .get(assetId)
    ?.find((p) => p.kind === 'measurement' && ['kW', 'W', 'MW'].includes(p.unit) && p.name.includes('power'));
  return power
    ? { meter, pointId: power.id, source: 'power' }
    : { meter, pointId: meter.pointId, source: 'energy' };
}

/** Plan ids unique; meters exist; each load's points fit its value, or its max (within the points' own). */
export function checkDemand(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const seen = new Set<string>();
  config.control.demandLimit.forEach((plan, i) => {
    const path = ['control', 'demandLimit', i];
    if (seen.has(plan.id)) fail([...path, 'id'], `duplicate plan id "${plan.id}"`);
    seen.add(plan.id);
    const m = demandMeterOf(plan.meter, config, site);
    if (typeof m === 'string') fail([...path, 'meter'], m);
    plan.loads.forEach((load, j) => {
      checkLoad(load, site, [...path, 'loads', j], fail);
    });
  });
}

function checkLoad(load: ShedLoadConfig, site: SiteModel, path: PropertyKey[], fail: Fail): void {
  let ok = true;
  checkTargets(load.targets, site, [...path, 'targets'], (p, m) => {
    ok = false;
    fail(p, m);
  });
  if (!ok) return;
  const points: PointDef[] = resolveTargets(load.targets, site).map((id) => site.pointById.get(id)!);
  for (const p of points) {
    const problem = loadProblem(load, p);
    if (problem) {
      fail([...path, problem[0]], problem[1]);
      return;
    }
  }
}

function loadProblem(load: ShedLoadConfig, p: PointDef): [string, string] | undefined {
  if (load.value !== undefined) {
    const problem = valueProblem(p, load.value);
    return problem ? ['value', problem] : undefined;
  }
  if (p.type !== 'number') return ['raiseBy', `${p.id} is not a number point; use value`];
  if (p.max !== undefined && load.max! > p.max)
    return ['max', `${load.max} is above ${p.id}'s maximum ${p.max}`];
  if (p.min !== undefined && load.max! < p.min)
    return ['max', `${load.max} is below ${p.id}'s minimum ${p.min}`];
  return undefined;
}
