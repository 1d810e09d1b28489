import { z } from 'zod';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Fail } from '../../core/config/validate-site.js';
import { idSchema, intIn } from '../../core/config/zod-helpers.js';
import type { PointValue } from '../../core/model/reading.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { ROLES } from '../../platform/security/roles.js';
import { LEVELS, type LevelName } from './control-types.js';
import { checkTargets, resolveTargets, TargetsSchema } from './targets.js';

/** A value for a command point: a number, true/false, or text (checked against each point's type and bounds). */
export const PointValueSchema = z.union([z.number(), z.boolean(), z.string()], {
  error: 'expected a number, true/false or text',
});

/** A priority level by name (`automation`) or number (1 highest … 16). */
export const LevelSchema = z.union(
  [z.enum(Object.keys(LEVELS) as [LevelName, ...LevelName[]]), intIn(1, 16)],
  { error: `expected a level name (${Object.keys(LEVELS).join(', ')}) or a number 1–16` },
);

export const SceneCommandSchema = z.strictObject({
  targets: TargetsSchema,
  value: PointValueSchema,
});

/** A named set of commands at one level, activated and released by the roles it lists (with confirmation). */
export const SceneSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  level: LevelSchema.default('automation'),
  /** Who may activate and release it (they also need each point's own permission: gates gate:command). */
  roles: z.array(z.string()).min(1, { error: 'expected at least one role' }),
  commands: z.array(SceneCommandSchema).min(1, { error: 'expected at least one command' }),
});
export type SceneConfig = z.infer<typeof SceneSchema>;

/** Keys of the site file's `control:` section: the scenes. */
export const SceneShape = {
  scenes: z.array(SceneSchema).default([]),
} satisfies z.ZodRawShape;

/** Why a value does not fit a command point (its type, its min/max), or undefined when it does. */
export function valueProblem(point: PointDef, value: PointValue): string | undefined {
  if (point.type === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return `${point.id} takes a number, got ${JSON.stringify(value)}`;
    if (point.min !== undefined && value < point.min)
      return `${value} is below ${point.id}'s minimum ${point.min}`;
    if (point.max !== undefined && value > point.max)
      return `${value} is above ${point.id}'s maximum ${point.max}`;
    return undefined;
  }
  if (point.type === 'boolean')
    return typeof value === 'boolean'
      ? undefined
      : `${point.id} takes true or false, got ${JSON.stringify(value)}`;
  return typeof value === 'string' ? undefined : `${point.id} takes text, got ${JSON.stringify(value)}`;
}

/** One scene against the site: its roles exist, its targets resolve to command points, each value fits them. */
export function checkSceneBody(scene: SceneConfig, site: SiteModel, path: PropertyKey[], fail: Fail): void {
  scene.roles.forEach((r, i) => {
    if (!(ROLES as readonly string[]).includes(r))
      fail([...path, 'roles', i], `no role "${r}" (roles: ${ROLES.join(', ')})`);
  });
  scene.commands.forEach((c, j) => {
    const at = [...path, 'commands', j];
    let bad = false;
    checkTargets(c.targets, site, [...at, 'targets'], (p, m) => {
      bad = true;
      fail(p, m);
    });
    if (bad) return;
    for (const id of resolveTargets(c.targets, site)) {
      const problem = valueProblem(site.pointById.get(id)!, c.value);
      if (problem) {
        fail([...at, 'value'], problem);
        break;
      }
    }
  });
}

/** Scene ids are unique; each scene fits the site. */
export function checkScene(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const seen = new Set<string>();
  config.control.scenes.forEach((s, i) => {
    const path = ['control', 'scenes', i];
    if (seen.has(s.id)) fail([...path, 'id'], `duplicate scene id "${s.id}"`);
    seen.add(s.id);
    checkSceneBody(s, site, path, fail);
  });
}
