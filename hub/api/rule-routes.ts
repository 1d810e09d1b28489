import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { backtest } from '../../domains/rules/backtest.js';
import type { RuleConfig } from '../../domains/rules/rule-schema.js';
import { apiRules, checkRule } from '../../domains/rules/rule-store.js';
import { resolveTargets } from '../../domains/rules/targets.js';
import { TEMPLATES } from '../../domains/rules/templates.js';
import { actorOf } from '../../platform/security/auth-service.js';
import type { HubServices } from '../services.js';
import { principalOf } from './access.js';
import { HttpProblem, notFound } from './problem.js';

const MAX_RANGE_MS = 92 * 86_400_000;
const MAX_STEPS = 50_000;

/** The rules of the site file, a dry run of a rule's definition, and a replay of a rule over history. */
export async function ruleRoutes(app: FastifyInstance, s: HubServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/rules',
    {
      config: { access: 'site:read' },
      schema: { tags: ['rules'], summary: 'Rules with their instances (rule × asset) and which hold now' },
    },
    async () => {
      const stored = new Map(s.ruleStore.list().map((r) => [r.id, r]));
      const running = s.rules.describe().map((r) => {
        const st = stored.get(r.id);
        return st
          ? { ...r, source: 'api', updatedAt: st.updatedAt, updatedBy: st.updatedBy }
          : { ...r, source: 'site-file' };
      });
      // stored rules that do not fit the site any more: shown, with why, not running
      const ids = new Set(running.map((r) => r.id));
      const broken = [...stored.values()]
        .filter((r) => !ids.has(r.id))
        .map((r) => {
          const c = checkRule(r.body, s.site);
          return {
            id: r.id,
            source: 'api',
            body: r.body,
            errors: c.ok ? ['an id the site file now uses'] : c.errors,
          };
        });
      return [...running, ...broken];
    },
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
  const fromFile = (id: string) => s.site.config.rules.some((r) => r.id === id);
  const apply = () =>
    s.rules.setRules([...s.site.config.rules, ...apiRules(s.ruleStore, s.site, { error: () => undefined })]);

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
      const { id } = req.params;
      if (fromFile(id))
        throw new HttpProblem(409, 'Conflict', `rule "${id}" is defined in the site file: change it there`);
      const body = req.body.rule as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || body.id !== id)
        throw new HttpProblem(400, 'Invalid rule', `rule.id: expected "${id}" (the id in the path)`);
      const r = checkRule(body, s.site);
      if (!r.ok) throw new HttpProblem(400, 'Invalid rule', r.errors.join('; '), { errors: r.errors });
      // a rule that writes to equipment is a setpoint write: whoever makes it needs that permission too
      const writes = r.rule.actions.some(
        (a) => s.site.config.actions.find((x) => x.id === a)?.type === 'command',
      );
      if (writes && !principalOf(req).permissions.has('setpoint:write'))
        throw new HttpProblem(
          403,
          'Forbidden',
          'a rule with a command action needs the permission setpoint:write',
        );
      const before = s.ruleStore.get(id);
      const actor = actorOf(principalOf(req), req.ip);
      s.ruleStore.put(id, body, actor.actor, s.clock.now());
      apply();
      s.audit.record(actor, {
        action: before ? 'rule.updated' : 'rule.created',
        target: id,
        before: before?.body,
        after: body,
      });
      return reply.code(before ? 200 : 201).send(s.rules.describe().find((x) => x.id === id));
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
      const { id } = req.params;
      if (fromFile(id))
        throw new HttpProblem(409, 'Conflict', `rule "${id}" is defined in the site file: remove it there`);
      const before = s.ruleStore.get(id);
      if (!before || !s.ruleStore.delete(id)) throw notFound('rule', id);
      apply();
      s.audit.record(actorOf(principalOf(req), req.ip), {
        action: 'rule.deleted',
        target: id,
        before: before.body,
      });
      return reply.code(204).send();
    },
  );

  /** A rule given in the body is checked exactly as the site file's are. */
  const parseRule = (raw: unknown): RuleConfig => {
    const r = checkRule(raw, s.site);
    if (!r.ok) throw new HttpProblem(400, 'Invalid rule', r.errors.join('; '), { errors: r.errors });
    return r.rule;
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
      if (stepMs && (to - from) / stepMs > MAX_STEPS)
        throw new HttpProblem(400, 'Too many steps', `at most ${MAX_STEPS} steps: give a larger stepMs`);
      const rule = ruleId ? s.rules.ruleById(ruleId) : parseRule(req.body.rule);
      if (!rule) throw notFound('rule', ruleId!);
      return backtest(rule, s.site, history, { from, to, stepMs });
    },
  );
}
