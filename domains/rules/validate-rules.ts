import type { z } from 'zod';
import type { AssetConfig, ZoneConfig } from '../../core/config/site-schema.js';
import { formatIssues } from '../../core/config/zod-helpers.js';
import { type ActionConfig, ActionSchema, type RuleConfig, RuleSchema } from './rule-schema.js';
import { resolveTargets } from './targets.js';
import { expandTemplates } from './templates.js';

type Fail = (path: PropertyKey[], message: string) => void;

/**
 * The site file's rules, schedules and actions: each against its schema, then the references between them
 * and to the assets (every target matches something, every point a rule reads exists and has the right type).
 */
export function validateRules(
  doc: { rules?: unknown; schedules?: unknown; actions?: unknown; hub?: unknown },
  site: { assets: AssetConfig[]; zones: ZoneConfig[] } | undefined,
  errors: string[],
  fail: Fail,
): { rules: RuleConfig[]; actions: ActionConfig[] } {
  const parse = <T>(schema: z.ZodType<T>, list: unknown, key: string): T[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) return []; // the structure check reported it
    const out: T[] = [];
    list.forEach((item, i) => {
      if (item === undefined) return; // a template entry with problems, already reported
      const r = schema.safeParse(item, { reportInput: true });
      if (r.success) out.push(r.data);
      else errors.push(...formatIssues(r.error.issues, [key, i]));
    });
    return out;
  };
  // schedules are the site file's own (checked in its first pass); here only their ids matter
  const schedules = (Array.isArray(doc.schedules) ? doc.schedules : []).filter(
    (x): x is { id: string } => isObject(x) && typeof x.id === 'string',
  );
  const actions = parse(ActionSchema, doc.actions, 'actions');
  // template entries become full rules first (one for one, so indexes stay the file's)
  const ruleList = expandTemplates(doc.rules, errors);
  const rules = parse(RuleSchema, ruleList, 'rules');
  const rawRules = Array.isArray(ruleList) ? (ruleList as { id?: unknown }[]) : [];
  const indexOf = (id: string) => rawRules.findIndex((r) => r?.id === id);

  const dup = (items: { id: string }[], key: string, all: unknown) => {
    const seen = new Set<string>();
    const raw = Array.isArray(all) ? (all as { id?: unknown }[]) : [];
    for (const it of items) {
      if (seen.has(it.id))
        fail([key, raw.findLastIndex((r) => r?.id === it.id), 'id'], `duplicate id "${it.id}"`);
      seen.add(it.id);
    }
  };
  dup(schedules, 'schedules', doc.schedules);
  dup(actions, 'actions', doc.actions);
  dup(rules, 'rules', ruleList);

  // e-mail goes through hub.smtp: without it an email action could never deliver, so the file is refused
  // (a present but broken hub.smtp is the structure check's to report)
  const smtp = isObject(doc.hub) ? doc.hub.smtp : undefined;
  if (smtp === undefined && Array.isArray(doc.actions)) {
    doc.actions.forEach((a: unknown, i) => {
      if (isObject(a) && a.type === 'email')
        fail(['actions', i, 'type'], 'an email action needs hub.smtp (the SMTP server), which is not set');
    });
  }

  const scheduleIds = new Set(schedules.map((s) => s.id));
  const actionIds = new Set(actions.map((a) => a.id));
  for (const rule of rules) {
    const i = indexOf(rule.id);
    if (rule.schedule && !scheduleIds.has(rule.schedule))
      fail(['rules', i, 'schedule'], `no schedule "${rule.schedule}"`);
    // after-hours conditions name their own (working-hours) schedule, possibly inside all/any
    const parts =
      'of' in rule.condition && Array.isArray(rule.condition.of) ? rule.condition.of : [rule.condition];
    parts.forEach((c, k) => {
      if (c.type === 'after-hours' && !scheduleIds.has(c.schedule))
        fail(
          [
            'rules',
            i,
            'condition',
            ...(parts.length > 1 || parts[0] !== rule.condition ? ['of', k] : []),
            'schedule',
          ],
          `no schedule "${c.schedule}"`,
        );
    });
    rule.actions.forEach((a, k) => {
      if (!actionIds.has(a)) fail(['rules', i, 'actions', k], `no action "${a}"`);
    });
    if (!site) continue;
    const r = resolveTargets(rule, site);
    for (const p of r.problems) fail(['rules', i, ...p.path], p.message);
  }
  return { rules, actions };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
