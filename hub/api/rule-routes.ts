import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RuleService } from '../../domains/rules/rule-service.js';
import { TEMPLATES } from '../../domains/rules/templates.js';
import { personOf } from './access.js';

const MAX_RANGE_MS = 92 * 86_400_000;

export interface RuleRouteServices {
  rules: RuleService;
}

/** The rules (site file and API), their templates, a dry run of a rule's definition, a replay over history. */
export async function ruleRoutes(app: FastifyInstance, s: RuleRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/rules',
    {
      config: { access: 'site:read' },
      schema: { tags: ['rules'], summary: 'Rules with their instances (rule × asset) and which hold now' },
    },
    async () => s.rules.list(),
  );

  api.get(
    '/api/v1/rules/templates',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['rules'],
        summary:
          'The equipment rule templates: what each watches, its severity, main point and params (JSON Schema)',
      },
    },
    async () =>
      Object.entries(TEMPLATES).map(([name, t]) => ({
        name,
        description: t.description,
        severity: t.severity,
        point: t.point,
        params: z.toJSONSchema(t.params, { io: 'input' }),
      })),
  );

  const IdParams = z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) });

  api.put(
    '/api/v1/rules/:id',
    {
      config: { access: 'alerts:manage' },
      schema: {
        tags: ['rules'],
        summary:
          'Create or replace a rule (the same schema as the site file, templates included); it runs at once, audited',
        params: IdParams,
        body: z.strictObject({ rule: z.unknown() }),
      },
    },
    async (req, reply) => {
      const { created, rule } = s.rules.save(req.params.id, req.body.rule, personOf(req));
      return reply.code(created ? 201 : 200).send(rule);
    },
  );

  api.delete(
    '/api/v1/rules/:id',
    {
      config: { access: 'alerts:manage' },
      schema: {
        tags: ['rules'],
        summary: 'Remove a rule made through the API; its open alerts are cleared, audited',
        params: IdParams,
      },
    },
    async (req, reply) => {
      s.rules.remove(req.params.id, personOf(req));
      return reply.code(204).send();
    },
  );

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
    async (req) => s.rules.dryRun(req.body.rule),
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
    async (req) => s.rules.backtest(req.body),
  );
}
