import { validateDetailed } from 'node-cron';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { planAssets } from './plan-scheduler.js';

type Fail = (path: PropertyKey[], message: string) => void;

/**
 * The maintenance section's references, once the whole site is known: the calendar is a schedule, teams'
 * zones exist, actions exist and can notify, ids are unique, and every plan has assets, a valid cron
 * expression or a counter point on each of its assets.
 */
export function checkMaintenance(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const m = config.maintenance;
  const at = (...path: PropertyKey[]) => ['maintenance', ...path];
  if (m.calendar && !config.schedules.some((s) => s.id === m.calendar))
    fail(at('calendar'), `no schedule "${m.calendar}" (schedules:)`);

  const seen = (list: { id: string }[], key: string) => {
    const ids = new Set<string>();
    list.forEach((x, i) => {
      if (ids.has(x.id)) fail(at(key, i, 'id'), `duplicate id "${x.id}"`);
      ids.add(x.id);
    });
    return ids;
  };
  const teams = seen(m.teams, 'teams');
  seen(m.departments, 'departments');
  seen(m.plans, 'plans');
  const priorities = new Set<number>();
  m.sla.forEach((t, i) => {
    if (priorities.has(t.priority)) fail(at('sla', i, 'priority'), `priority ${t.priority} has two targets`);
    priorities.add(t.priority);
    if (t.resolveMinutes < t.respondMinutes)
      fail(
        at('sla', i, 'resolveMinutes'),
        'expected a resolution target no shorter than the response target',
      );
  });

  m.teams.forEach((team, i) => {
    team.zones.forEach((z, k) => {
      if (!site.zoneById.has(z)) fail(at('teams', i, 'zones', k), `no zone "${z}"`);
    });
  });
  const notifiers = new Set(config.actions.filter((a) => a.type !== 'command').map((a) => a.id));
  const checkActions = (ids: string[], ...path: PropertyKey[]) =>
    ids.forEach((id, k) => {
      if (!notifiers.has(id)) fail(at(...path, k), `no webhook or email action "${id}" (actions:)`);
    });

  checkActions(m.notify, 'notify');
  checkActions(m.escalation.notify, 'escalation', 'notify');

  m.plans.forEach((plan, i) => {
    if (!plan.assets === !plan.kinds) fail(at('plans', i), 'expected either assets or kinds');
    plan.assets?.forEach((id, k) => {
      if (!site.assetById.has(id)) fail(at('plans', i, 'assets', k), `no asset "${id}"`);
    });
    if (plan.zone && !site.zoneById.has(plan.zone)) fail(at('plans', i, 'zone'), `no zone "${plan.zone}"`);
    if (plan.team && !teams.has(plan.team)) fail(at('plans', i, 'team'), `no team "${plan.team}"`);
    const assets = planAssets(plan, site);
    if (plan.kinds && !assets.length) fail(at('plans', i, 'kinds'), 'matches no asset');
    const t = plan.trigger;
    if ('cron' in t) {
      const fields = t.cron.trim().split(/\s+/).length;
      const check = validateDetailed(t.cron);
      if (fields !== 5)
        fail(
          at('plans', i, 'trigger', 'cron'),
          'expected 5 fields: minute hour day-of-month month day-of-week',
        );
      else if (!check.valid)
        fail(at('plans', i, 'trigger', 'cron'), check.errors.map((e) => e.message).join('; '));
      return;
    }
    for (const assetId of assets) {
      const point = site.pointById.get(`${assetId}/${t.point}`);
      if (point?.type !== 'number')
        fail(at('plans', i, 'trigger', 'point'), `asset "${assetId}" has no numeric point "${t.point}"`);
    }
  });
}
