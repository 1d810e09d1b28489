import { type ActingPerson, personActor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { History } from '../../platform/storage/history.js';
import { type BacktestResult, backtest } from './backtest.js';
import { checkRule } from './rule-check.js';
import type { RuleEngine } from './rule-engine.js';
import type { RuleConfig } from './rule-schema.js';
import type { RuleStore } from './rule-store.js';
import { resolveTargets } from './targets.js';

/** A replay covers at most this many steps (a larger stepMs covers a longer range). */
export const MAX_BACKTEST_STEPS = 50_000;

/**
 * The API's rules that still fit the site (a site file edit may have removed what one reads): those that do
 * not are left out of the engine, logged, and listed with their errors.
 */
export function storedRules(
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

/**
 * Rules as people manage them: the site file's (read only) and those made through the API (stored, checked
 * exactly like the site file's, running at once, audited), a dry run of a definition and a replay of a rule
 * over history. The engine only evaluates; this service decides what it runs.
 */
export class RuleService {
  constructor(
    private readonly d: {
      site: SiteModel;
      store: RuleStore;
      engine: RuleEngine;
      audit: AuditLog;
      clock: Clock;
      history: () => History | undefined;
    },
  ) {}

  /** Every rule with its instances and which hold now; stored rules that no longer fit, with why. */
  list() {
    const { store, engine, site } = this.d;
    const stored = new Map(store.list().map((r) => [r.id, r]));
    const running = engine.describe().map((r) => {
      const st = stored.get(r.id);
      return st
        ? { ...r, source: 'api', updatedAt: st.updatedAt, updatedBy: st.updatedBy }
        : { ...r, source: 'site-file' };
    });
    const ids = new Set(running.map((r) => r.id));
    const broken = [...stored.values()]
      .filter((r) => !ids.has(r.id))
      .map((r) => {
        const c = checkRule(r.body, site);
        return {
          id: r.id,
          source: 'api',
          body: r.body,
          errors: c.ok ? ['an id the site file now uses'] : c.errors,
        };
      });
    return [...running, ...broken];
  }

  /**
   * Create or replace a rule made through the API; it runs at once. A rule that writes to equipment is a
   * setpoint write, so whoever makes it needs that permission too.
   */
  save(id: string, body: unknown, by: ActingPerson) {
    const { site, store, audit, clock } = this.d;
    if (this.fromFile(id)) throw conflict(`rule "${id}" is defined in the site file: change it there`);
    if (!body || typeof body !== 'object' || (body as { id?: unknown }).id !== id)
      throw invalid(`rule.id: expected "${id}" (the id in the path)`);
    const rule = this.check(body);
    const writes = rule.actions.some((a) => site.config.actions.find((x) => x.id === a)?.type === 'command');
    if (writes && !by.permissions.has('setpoint:write'))
      throw forbidden('a rule with a command action needs the permission setpoint:write');
    const before = store.get(id);
    store.put(id, body, by.username, clock.now());
    this.apply();
    audit.record(personActor(by), {
      action: before ? 'rule.updated' : 'rule.created',
      target: id,
      before: before?.body,
      after: body,
    });
    return { created: !before, rule: this.d.engine.describe().find((x) => x.id === id) };
  }

  /** Remove a rule made through the API; its open alerts are cleared. */
  remove(id: string, by: ActingPerson): void {
    const { store, audit } = this.d;
    if (this.fromFile(id)) throw conflict(`rule "${id}" is defined in the site file: remove it there`);
    const before = store.get(id);
    if (!before || !store.delete(id)) throw notFound('rule', id);
    this.apply();
    audit.record(personActor(by), { action: 'rule.deleted', target: id, before: before.body });
  }

  /** A rule checked exactly as the site file's are, and the assets and points it would apply to. */
  dryRun(raw: unknown) {
    const rule = this.check(raw);
    return {
      rule,
      instances: resolveTargets(rule, this.d.site.config).instances.map(({ rule: _, ...i }) => i),
    };
  }

  /** Replay a running rule (by id) or a definition over stored history: when it would have fired and cleared. */
  async backtest(q: {
    ruleId?: string;
    rule?: unknown;
    from: number;
    to: number;
    stepMs?: number;
  }): Promise<BacktestResult> {
    const history = this.d.history();
    if (!history) throw conflict('storage is off: there is nothing to replay');
    const { from, to, stepMs } = q;
    if (stepMs && (to - from) / stepMs > MAX_BACKTEST_STEPS)
      throw invalid(`at most ${MAX_BACKTEST_STEPS} steps: give a larger stepMs`);
    const rule = q.ruleId ? this.d.engine.ruleById(q.ruleId) : this.check(q.rule);
    if (!rule) throw notFound('rule', q.ruleId!);
    return backtest(rule, this.d.site, history, { from, to, stepMs });
  }

  /** The rule, or a 400 listing every problem (also as `errors`). */
  private check(raw: unknown): RuleConfig {
    const r = checkRule(raw, this.d.site);
    if (!r.ok) throw invalid(r.errors.join('; '), { errors: r.errors });
    return r.rule;
  }

  private fromFile(id: string): boolean {
    return this.d.site.config.rules.some((r) => r.id === id);
  }

  /** The engine runs the site file's rules and the stored ones that fit (those that do not are listed). */
  private apply(): void {
    const { site, store, engine } = this.d;
    engine.setRules([...site.config.rules, ...storedRules(store, site, { error: () => undefined })]);
  }
}
