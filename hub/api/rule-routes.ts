import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { backtest } from '../../rules/backtest.js';
import { type RuleConfig, RuleSchema } from '../../rules/rule-schema.js';
import { resolveTargets } from '../../rules/targets.js';
import { expandTemplate } from '../../rules/templates.js';
import { formatIssues } from '../config/zod-helpers.js';
import type { HubServices } from '../services.js';
import { HttpProblem, notFound } from './problem.js';

const MAX_RANGE_MS = 92 * 86_400_000;

/** The rules of the site file, a dry run of a rule's definition, and a replay of a rule over history. */
export async function ruleRoutes(app: FastifyInstance, s: HubServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/rules',
    {
      config: { access: 'site:read' },
      schema: { tags: ['rules'], summary: 'Rules with their instances (rule × asset) and which hold now' },
    },
    async () => s.rules.describe(),
  );

  /** A rule given in the body is checked exactly as the site file's are. */
  const parseRule = (raw: unknown): RuleConfig => {
    const expanded = expandTemplate(raw, ['rule']);
    if (expanded.problems.length) throw new HttpProblem(400, 'Invalid rule', expanded.problems.join('; '));
    const r = RuleSchema.safeParse(expanded.rule, { reportInput: true });
    if (!r.success)
      throw new HttpProblem(400, 'Invalid rule', formatIssues(r.error.issues, ['rule']).join('; '));
    const { problems } = resolveTargets(r.data, s.site.config);
    if (problems.length)
      throw new HttpProblem(
        400,
        'Invalid rule',
        problems.map((p) => `rule.${p.path.join('.')}: ${p.message}`).join('; '),
      );
    return r.data;
  };

  api.post(
    '/api/v1/rules/dry-run',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['rules'],
        summary: 'Validate a rule (as in the site file) and list the assets and points it would apply to',
        body: z.strictObject({ rule: z.unknown() }),
      },
    },
    async (req) => {
      const rule = parseRule(req.body.rule);
      return { rule, instances: resolveTargets(rule, s.site.config).instances.map(({ rule: _, ...i }) => i) };
    },
  );

  api.post(
    '/api/v1/rules/backtest',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['rules'],
        summary:
          'Replay a rule (by id, or a definition to tune) over stored history: when it would have fired and cleared',
        body: z
          .strictObject({
            ruleId: z.string().optional(),
            rule: z.unknown().optional(),
            from: z.number().int().describe('ms UTC'),
            to: z.number().int().describe('ms UTC'),
            stepMs: z.number().int().min(1000).optional(),
          })
          .refine((b) => !!b.ruleId !== (b.rule !== undefined), { error: 'give ruleId or rule' })
          .refine((b) => b.to > b.from && b.to - b.from <= MAX_RANGE_MS, {
            error: 'expected from < to, at most 92 days apart',
          }),
      },
    },
    async (req) => {
      const history = s.storage.history;
      if (!history) throw new HttpProblem(409, 'No history', 'storage is off: there is nothing to replay');
      const { ruleId, from, to, stepMs } = req.body;
      const rule = ruleId ? s.site.config.rules.find((r) => r.id === ruleId) : parseRule(req.body.rule);
      if (!rule) throw notFound('rule', ruleId!);
      return backtest(rule, s.site, history, { from, to, stepMs });
    },
  );
}
