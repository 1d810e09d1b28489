import { z } from 'zod';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Fail } from '../../core/config/validate-site.js';
import { valueProblem } from '../../core/devices/command-service.js';
import type { SiteModel } from '../../core/model/site-model.js';

const minutes = (what: string) =>
  z
    .int({ error: `expected ${what} in minutes (an integer 1–10080)` })
    .min(1, { error: `expected ${what} in minutes (an integer 1–10080)` })
    .max(10_080, { error: `expected ${what} in minutes (an integer 1–10080)` });

/** The priority arrays' keys of the site file's `control:` section. */
export const ArrayShape = {
  overrideMinutes: minutes('the default expiry of an operator override')
    .default(120)
    .describe('an operator override relinquishes itself after this long unless given its own minutes'),
  maxOverrideMinutes: minutes('the longest operator override')
    .default(1440)
    .describe('the longest expiry an operator may give an override'),
  defaults: z
    .array(
      z.strictObject({
        point: z.string().regex(/^[^/]+\/[^/]+$/, { error: 'expected asset-id/point-name' }),
        value: z.union([z.number(), z.boolean(), z.string()]),
      }),
    )
    .default([])
    .describe('level-16 (default) values: what a point takes when no other writer holds it'),
} satisfies z.ZodRawShape;

/** Each default names a command point, once, with a value the point takes; an override's default fits its max. */
export function checkArray(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const c = config.control;
  if (c.overrideMinutes > c.maxOverrideMinutes)
    fail(
      ['control', 'overrideMinutes'],
      `${c.overrideMinutes} is longer than maxOverrideMinutes (${c.maxOverrideMinutes})`,
    );
  const seen = new Set<string>();
  c.defaults.forEach((d, i) => {
    const path = ['control', 'defaults', i];
    const p = site.pointById.get(d.point);
    if (!p) fail([...path, 'point'], `no point ${d.point} in the site`);
    else if (p.kind !== 'command')
      fail([...path, 'point'], `${d.point} is a ${p.kind} point; expected a command point`);
    else if (seen.has(d.point)) fail([...path, 'point'], `${d.point} has a default already`);
    else {
      seen.add(d.point);
      const problem = valueProblem(p, d.value);
      if (problem) fail([...path, 'value'], problem);
    }
  });
}
