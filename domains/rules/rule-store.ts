import { formatIssues } from '../../core/config/zod-helpers.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { Db } from '../../platform/db/database.js';
import { evaluatorForInstance } from './instance-evaluator.js';
import { type RuleConfig, RuleSchema } from './rule-schema.js';
import { resolveTargets } from './targets.js';
import { expandTemplate } from './templates.js';

export interface StoredRule {
  id: string;
  body: unknown;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

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

/** Rules managed through the API, kept in SQLite as given. */
export class RuleStore {
  constructor(private readonly db: Db) {}

  list(): StoredRule[] {
    return (
      this.db.prepare('SELECT * FROM rules ORDER BY id').all() as {
        id: string;
        body: string;
        created_at: number;
        created_by: string;
        updated_at: number;
        updated_by: string;
      }[]
    ).map((r) => ({
      id: r.id,
      body: JSON.parse(r.body),
      createdAt: r.created_at,
      createdBy: r.created_by,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  get(id: string): StoredRule | undefined {
    return this.list().find((r) => r.id === id);
  }

  put(id: string, body: unknown, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO rules (id, body, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(id, JSON.stringify(body), now, by, now, by);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes > 0;
  }
}

/**
 * The API's rules that still fit the site (a site file edit may have removed what one reads): those that do
 * not are left out of the engine, logged, and shown with their errors by the API.
 */
export function apiRules(
  store: RuleStore,
  site: SiteModel,
  log: { error(obj: object, msg: string): void },
): RuleConfig[] {
  const fileIds = new Set(site.config.rules.map((r) => r.id));
  const out: RuleConfig[] = [];
  for (const stored of store.list()) {
    const r = checkRule(stored.body, site);
    if (!r.ok || fileIds.has(stored.id)) {
      log.error(
        { rule: stored.id, errors: r.ok ? ['the site file now has a rule with this id'] : r.errors },
        'a rule made through the API no longer fits the site; it is not running',
      );
      continue;
    }
    out.push(r.rule);
  }
  return out;
}
