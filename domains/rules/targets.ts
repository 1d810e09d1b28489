import type { AssetConfig, ZoneConfig } from '../../core/config/site-schema.js';
import { zoneSubtree } from '../../core/model/zones.js';
import { alertKey } from '../alerts/alert-types.js';
import type { Condition, RuleConfig } from './rule-schema.js';

/** One rule applied to one asset (and its point): it has its own condition state and its own alert. */
export interface RuleInstance {
  key: string;
  rule: RuleConfig;
  assetId: string;
  /** `asset/point` the condition reads (absent for asset-level rules: offline, compound without one). */
  pointId?: string;
}

const NUMERIC = new Set([
  'threshold',
  'rate',
  'stuck',
  'deviation',
  'due',
  'demand',
  'night-flow',
  'budget',
  'after-hours',
]);

/** Every asset a rule applies to; problems name the rule's failing field. */
export function resolveTargets(
  rule: RuleConfig,
  site: { assets: AssetConfig[]; zones: ZoneConfig[] },
): { instances: RuleInstance[]; problems: { path: PropertyKey[]; message: string }[] } {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const t = rule.target;
  let assets: AssetConfig[];
  let pointName: string | undefined;
  if ('point' in t && !('asset' in t) && !('kind' in t)) {
    const [assetId, name] = t.point.split('/') as [string, string];
    assets = site.assets.filter((a) => a.id === assetId);
    pointName = name;
    if (!assets.length) problems.push({ path: ['target', 'point'], message: `no asset "${assetId}"` });
  } else if ('asset' in t) {
    assets = site.assets.filter((a) => a.id === t.asset);
    pointName = t.point;
    if (!assets.length) problems.push({ path: ['target', 'asset'], message: `no asset "${t.asset}"` });
  } else {
    const inZone = t.zone ? zoneSubtree(site.zones, t.zone) : undefined;
    if (t.zone && !inZone?.size) problems.push({ path: ['target', 'zone'], message: `no zone "${t.zone}"` });
    assets = site.assets.filter((a) => a.kind === t.kind && (!inZone || inZone.has(a.zone)));
    pointName = t.point;
    // a kind target skips assets of that kind without the point; it must still match something
    if (pointName) assets = assets.filter((a) => a.points.some((p) => p.name === pointName));
    if (!assets.length)
      problems.push({
        path: ['target'],
        message: `matches no asset (kind ${t.kind}${t.zone ? ` in zone ${t.zone}` : ''}${pointName ? ` with a point ${pointName}` : ''})`,
      });
  }

  const instances: RuleInstance[] = [];
  for (const asset of assets) {
    const point = pointName ? asset.points.find((p) => p.name === pointName) : undefined;
    if (pointName && !point) {
      problems.push({
        path: ['target', 'point'],
        message: `asset "${asset.id}" has no point "${pointName}"`,
      });
      continue;
    }
    const check = (c: Condition, path: PropertyKey[], own?: string) => {
      if (c.type === 'all' || c.type === 'any') {
        c.of.forEach((part, k) => {
          check(part, [...path, 'of', k], part.point);
        });
        return;
      }
      if (c.type === 'count') {
        check(c.of, [...path, 'of'], c.of.point ?? own);
        return;
      }
      if (c.type === 'offline') return;
      const name = own ?? pointName;
      const p = name ? asset.points.find((x) => x.name === name) : undefined;
      if (!name)
        problems.push({
          path,
          message: `a ${c.type} condition needs a point (in the target or the condition)`,
        });
      else if (!p)
        problems.push({ path: [...path, 'point'], message: `asset "${asset.id}" has no point "${name}"` });
      else if (NUMERIC.has(c.type) && p.type !== 'number')
        problems.push({
          path,
          message: `a ${c.type} condition needs a number point; ${asset.id}/${name} is a ${p.type}`,
        });
      if (c.type === 'budget' && p && p.kind !== 'counter')
        problems.push({
          path,
          message: `a budget condition needs a counter point; ${asset.id}/${name} is a ${p.kind}`,
        });
      if (c.type === 'stuck' && c.whileRunning) {
        const run = asset.points.find((x) => x.name === c.whileRunning);
        if (run?.type !== 'boolean')
          problems.push({
            path: [...path, 'whileRunning'],
            message: `asset "${asset.id}" has no boolean point "${c.whileRunning}"`,
          });
      }
      if (c.type === 'deviation') {
        const ref = asset.points.find((x) => x.name === c.from);
        if (ref?.type !== 'number')
          problems.push({
            path: [...path, 'from'],
            message: ref
              ? `a deviation condition needs a number point; ${asset.id}/${c.from} is a ${ref.type}`
              : `asset "${asset.id}" has no point "${c.from}"`,
          });
      }
    };
    check(rule.condition, ['condition'], 'point' in rule.condition ? rule.condition.point : undefined);
    const pointId = point ? `${asset.id}/${point.name}` : undefined;
    instances.push({ key: alertKey(rule.id, asset.id, pointId), rule, assetId: asset.id, pointId });
  }
  // one problem per kind of mistake is enough when a kind target matches many assets
  const seen = new Set<string>();
  return {
    instances,
    problems: problems.filter((p) => {
      const k = `${p.path.join('.')}\u0000${p.message.replace(/"[^"]*"/g, '')}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }),
  };
}
