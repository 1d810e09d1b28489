import type { Schedule } from '../../core/time/schedule.js';
import type { BaselineSource } from '../energy/baseline-source.js';
import { createAfterHours } from './conditions/after-hours.js';
import { createBudget } from './conditions/budget.js';
import { createCompound } from './conditions/compound.js';
import { createCount } from './conditions/count.js';
import { withDelays } from './conditions/delays.js';
import { createDemand } from './conditions/demand.js';
import { createDeviation } from './conditions/deviation.js';
import { createDue } from './conditions/due.js';
import { meterSource } from './conditions/energy-common.js';
import { createNightFlow } from './conditions/night-flow.js';
import { createOffline } from './conditions/offline.js';
import { createQuality } from './conditions/quality.js';
import { createRate } from './conditions/rate.js';
import { withSchedule } from './conditions/scheduled.js';
import { createStateCode } from './conditions/state-code.js';
import { createStuck } from './conditions/stuck.js';
import { createThreshold } from './conditions/threshold.js';
import type { Condition, RuleConfig } from './rule-schema.js';
import type { ConditionEvaluator } from './types.js';

/** One match of a rule's target: the asset, its target point (if the target names one), its device. */
export interface EvaluatorTarget {
  assetId: string;
  /** The rule target's point id (`asset-id/point-name`), for conditions without their own `point`. */
  pointId?: string;
  /** The asset's device (offline conditions). */
  deviceId?: string;
  /** The target point's unit, for messages (used only by parts that read the target point). */
  unit?: string;
  /** The target point's kind (energy conditions: a counter is read as kWh, else as power). */
  pointKind?: 'measurement' | 'counter' | 'state' | 'command';
}

export interface EvaluatorContext {
  /** The site's schedules by id. */
  schedules: ReadonlyMap<string, Schedule>;
  /** The id of an asset's point by name, or undefined when the asset has no such point. */
  pointIdOf(assetId: string, pointName: string): string | undefined;
  /** The site's IANA time zone (energy conditions' windows, nights and periods); default 'UTC'. */
  timeZone?: string;
  /** Learned baselines (after-hours `learned`, budget `baseline`); without them those have no verdict. */
  baselines?: BaselineSource;
}

type Compound = Extract<Condition, { type: 'all' | 'any' }>;
type Leaf = Exclude<Condition, Compound>;

const isCompound = (c: Condition): c is Compound => c.type === 'all' || c.type === 'any';

/** `{ onDelayMs, offDelayMs }` of a condition, where its kind has them. */
function delaysOf(c: Condition): { onDelayMs: number; offDelayMs: number } {
  return {
    onDelayMs: 'onDelayMs' in c ? (c.onDelayMs ?? 0) : 0,
    offDelayMs: 'offDelayMs' in c ? (c.offDelayMs ?? 0) : 0,
  };
}

/**
 * The evaluator of one rule instance: the condition (compound parts each on their own point of the asset),
 * wrapped in its on/off delays, then gated by the rule's schedule. Throws an Error naming what is missing:
 * a point the asset lacks, a target without a point for a point condition, an offline condition without a
 * device, an unknown schedule.
 */
export function createEvaluator(
  rule: RuleConfig,
  target: EvaluatorTarget,
  ctx: EvaluatorContext,
): ConditionEvaluator {
  const where = `rule ${rule.id} on ${target.assetId}`;

  function resolvePoint(name: string): string {
    const id = ctx.pointIdOf(target.assetId, name);
    if (id === undefined) throw new Error(`${where}: asset ${target.assetId} has no point ${name}`);
    return id;
  }

  /** The point a leaf reads, and the unit when it is the target's point. */
  function pointOf(leaf: Leaf): { pointId: string; unit?: string } {
    if (leaf.point !== undefined) {
      const pointId = resolvePoint(leaf.point);
      return pointId === target.pointId && target.unit ? { pointId, unit: target.unit } : { pointId };
    }
    if (target.pointId === undefined)
      throw new Error(
        `${where}: the ${leaf.type} condition needs a point (give one in the target or the condition)`,
      );
    return target.unit ? { pointId: target.pointId, unit: target.unit } : { pointId: target.pointId };
  }

  const timeZone = ctx.timeZone ?? 'UTC';

  /** A meter's point, unit and source (power or energy counter): the kind is known for the target's point. */
  function meterOf(leaf: Leaf) {
    const p = pointOf(leaf);
    const kind = p.pointId === target.pointId ? target.pointKind : undefined;
    return { ...p, source: meterSource(kind, p.unit) };
  }

  function leaf(c: Leaf): ConditionEvaluator {
    switch (c.type) {
      case 'threshold': {
        const p = pointOf(c);
        return createThreshold({ ...p, high: c.high, low: c.low, deadband: c.deadband ?? 0 });
      }
      case 'rate':
        return createRate({ ...pointOf(c), maxPerMinute: c.maxPerMinute });
      case 'stuck':
        return createStuck({
          pointId: pointOf(c).pointId,
          forMs: c.forMs,
          tolerance: c.tolerance ?? 0,
          ...(c.whileRunning !== undefined ? { runningPointId: resolvePoint(c.whileRunning) } : {}),
        });
      case 'quality':
        return createQuality({ pointId: pointOf(c).pointId, when: c.when ?? 'bad', forMs: c.forMs ?? 0 });
      case 'offline':
        if (target.deviceId === undefined)
          throw new Error(`${where}: the offline condition needs the asset's device`);
        return createOffline({ deviceId: target.deviceId, label: target.assetId, forMs: c.forMs ?? 0 });
      case 'state':
        return createStateCode({ pointId: pointOf(c).pointId, codes: c.codes });
      case 'demand':
        return createDemand({
          ...meterOf(c),
          limitKw: c.limitKw,
          windowMs: c.windowMs,
          minElapsedMs: c.minElapsedMs,
          timeZone,
        });
      case 'after-hours': {
        const schedule = ctx.schedules.get(c.schedule);
        if (!schedule) throw new Error(`${where}: no schedule ${c.schedule}`);
        return createAfterHours({
          ...meterOf(c),
          schedule,
          scheduleId: c.schedule,
          baselineKw:
            c.baselineKw === 'learned'
              ? (ts: number) => ctx.baselines?.expectedKw(target.assetId, ts)
              : c.baselineKw,
          tolerancePct: c.tolerancePct,
          windowMs: c.windowMs,
        });
      }
      case 'night-flow':
        return createNightFlow({ ...pointOf(c), from: c.from, to: c.to, zeroBelow: c.zeroBelow, timeZone });
      case 'budget':
        return createBudget({
          ...pointOf(c),
          period: c.period,
          limit:
            c.limit === 'baseline'
              ? (start: number, end: number) => {
                  const expected = ctx.baselines?.expectedUse(pointOf(c).pointId, start, end);
                  return expected === undefined || expected <= 0
                    ? undefined
                    : expected * (1 + c.tolerancePct / 100);
                }
              : c.limit,
          forecast: c.forecast,
          timeZone,
        });
      case 'deviation':
        return createDeviation({
          ...pointOf(c),
          fromPointId: resolvePoint(c.from),
          ...(c.maxAbs !== undefined ? { maxAbs: c.maxAbs } : {}),
          ...(c.minAbs !== undefined ? { minAbs: c.minAbs } : {}),
          forMs: c.forMs ?? 0,
        });
      case 'due':
        return createDue({
          ...pointOf(c),
          every: c.every,
          ...(c.warnBefore !== undefined ? { warnBefore: c.warnBefore } : {}),
        });
      case 'count': {
        // the count's point is the inner condition's unless that names its own
        const inner: Leaf =
          c.of.point === undefined && c.point !== undefined ? { ...c.of, point: c.point } : c.of;
        return createCount({
          inner: withDelays(leaf(inner), delaysOf(inner)),
          times: c.times,
          withinMs: c.withinMs,
        });
      }
    }
  }

  const c = rule.condition;
  const condition = isCompound(c)
    ? createCompound(
        c.type,
        c.of.map((part) => withDelays(leaf(part), delaysOf(part))),
      )
    : leaf(c);
  const delayed = withDelays(condition, delaysOf(c));
  if (rule.schedule === undefined) return delayed;
  const schedule = ctx.schedules.get(rule.schedule);
  if (!schedule) throw new Error(`${where}: no schedule ${rule.schedule}`);
  return withSchedule(delayed, schedule, rule.schedule);
}
