import type { SiteModel } from '../../core/model/site-model.js';
import type { BaselineSource } from '../energy/baseline-source.js';
import { createEvaluator } from './evaluator-factory.js';
import type { RuleConfig } from './rule-schema.js';
import type { RuleInstance } from './targets.js';
import type { ConditionEvaluator } from './types.js';

/** The evaluator of one rule instance, with what the site knows of its point and device; throws when it cannot be built. */
export function evaluatorForInstance(
  site: SiteModel,
  rule: RuleConfig,
  instance: RuleInstance,
  opts: { withDevice?: boolean; baselines?: BaselineSource } = {},
): ConditionEvaluator {
  const point = instance.pointId ? site.pointById.get(instance.pointId) : undefined;
  const deviceId =
    opts.withDevice === false
      ? undefined
      : (point?.deviceId ??
        site.assetById.get(instance.assetId)?.device ??
        site.pointsByAsset.get(instance.assetId)?.find((p) => p.deviceId)?.deviceId);
  return createEvaluator(
    rule,
    {
      assetId: instance.assetId,
      pointId: instance.pointId,
      deviceId,
      unit: point?.unit,
      pointKind: point?.kind,
    },
    {
      schedules: site.schedules,
      pointIdOf: (assetId, name) =>
        site.pointById.has(`${assetId}/${name}`) ? `${assetId}/${name}` : undefined,
      timeZone: site.site.timezone,
      ...(opts.baselines ? { baselines: opts.baselines } : {}),
    },
  );
}
