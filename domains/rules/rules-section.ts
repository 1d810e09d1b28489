import { z } from 'zod';
import type { SiteSection } from '../../core/config/validate-site.js';
import { evaluatorForInstance } from './instance-evaluator.js';
import { resolveTargets } from './targets.js';
import { validateRules } from './validate-rules.js';

/**
 * The site file's `rules:` and `actions:`. Loose in the first pass: rules expand templates and refer to
 * assets and points, so they are checked in full once the assets are parsed (validate-rules.ts); building
 * each instance's evaluator shows what only the whole site can (a schedule inside a count, an offline part
 * without a device).
 */
export const rulesSection: SiteSection = {
  shape: {
    actions: z.array(z.looseObject({})).default([]),
    rules: z.array(z.looseObject({})).default([]),
  },
  parse: (doc, config, errors, fail) => validateRules(doc, config, errors, fail),
  check(config, site, fail) {
    config.rules.forEach((rule, i) => {
      for (const instance of resolveTargets(rule, config).instances) {
        try {
          evaluatorForInstance(site, rule, instance);
        } catch (err) {
          fail(['rules', i], (err as Error).message);
          break;
        }
      }
    });
  },
};
