import { formatIssues } from '../../core/config/zod-helpers.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { evaluatorForInstance } from './instance-evaluator.js';
import { type RuleConfig, RuleSchema } from './rule-schema.js';
import { resolveTargets } from './targets.js';
import { expandTemplate } from './templates.js';

/**
 * Check a rule given through the API exactly as the site file's are: a template entry expanded, the schema,
 * the targets, and the schedules and actions it names. Returns the rule or one line per problem.
 */
export function checkRule(
  raw: unknown,
  model: SiteModel,
): { ok: true; rule: RuleConfig } | { ok: false; errors: string[] } {
  const site = model.config;
  const expanded = expandTemplate(raw, ['rule']);
  if (expanded.problems.length) return { ok: false, errors: expanded.problems };
  const parsed = RuleSchema.safeParse(expanded.rule, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues, ['rule']) };
  const rule = parsed.data;
  const { instances, problems } = resolveTargets(rule, site);
  const errors = problems.map((p) => `rule.${p.path.join('.')}: ${p.message}`);
  const schedules = new Set(site.schedules.map((s) => s.id));
  const actions = new Set(site.actions.map((a) => a.id));
  if (rule.schedule && !schedules.has(rule.schedule))
    errors.push(`rule.schedule: no schedule "${rule.schedule}"`);
  const parts =
    'of' in rule.condition && Array.isArray(rule.condition.of) ? rule.condition.of : [rule.condition];
  for (const c of parts)
    if (c.type === 'after-hours' && !schedules.has(c.schedule))
      errors.push(`rule.condition: no schedule "${c.schedule}"`);
  rule.actions.forEach((a, i) => {
    if (!actions.has(a)) errors.push(`rule.actions[${i}]: no action "${a}"`);
  });
  if (errors.length) return { ok: false, errors };
  // what the schema and the targets cannot see (a schedule inside a count, an offline part on an asset
  // without a device): each instance is built as the engine would build it
  for (const instance of instances) {
    try {
      evaluatorForInstance(model, rule, instance);
    } catch (err) {
      errors.push(`rule: ${(err as Error).message}`);
    }
  }
  return errors.length ? { ok: false, errors: [...new Set(errors)] } : { ok: true, rule };
}
