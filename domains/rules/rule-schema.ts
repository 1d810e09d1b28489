import { z } from 'zod';
import { ASSET_KINDS } from '../../core/config/asset-kinds.js';
import { finite, idSchema, intIn, pointNameSchema, positiveMs } from '../../core/config/zod-helpers.js';
import { SEVERITIES } from '../../core/model/severity.js';
import { CHANNEL_SCHEMAS } from '../../platform/notify/notify-schema.js';

/**
 * Rules as data: the `rules:` section of the site file (and, later, rules managed through the API with the
 * same schema). A rule applies one condition to one point, to a point of one asset, or to that point on every
 * asset of a kind (optionally within a zone and its sub-zones); each match is one rule instance with its own
 * alert.
 */

const nonNegativeMs = intIn(0, 365 * 24 * 3600_000);

export const RuleTargetSchema = z.union([
  z.strictObject({
    point: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*\/[a-z][a-z0-9_]*$/, { error: 'expected asset-id/point-name' }),
  }),
  z.strictObject({ asset: idSchema, point: pointNameSchema.optional() }),
  z.strictObject({ kind: z.enum(ASSET_KINDS), zone: idSchema.optional(), point: pointNameSchema.optional() }),
]);
export type RuleTarget = z.infer<typeof RuleTargetSchema>;

/** Inside all/any: the point of the asset this part reads (default: the rule's target point). */
const partPoint = { point: pointNameSchema.optional() };

const Delays = {
  /** The condition must hold this long before the alert is raised... */
  onDelayMs: nonNegativeMs.default(0),
  /** ...and be gone this long before it clears. */
  offDelayMs: nonNegativeMs.default(0),
};

export const ThresholdSchema = z
  .strictObject({
    type: z.literal('threshold'),
    ...partPoint,
    /** Active above high (or below low)... */
    high: finite().optional(),
    low: finite().optional(),
    /** ...and clears only once the value is back by this much (hysteresis). */
    deadband: z.number().min(0).default(0),
    ...Delays,
  })
  .refine((t) => t.high !== undefined || t.low !== undefined, { error: 'give high, low or both' });

export const RateSchema = z.strictObject({
  type: z.literal('rate'),
  ...partPoint,
  /** Active when the value changes faster than this per minute (either way). */
  maxPerMinute: z.number().positive(),
  ...Delays,
});

export const StuckSchema = z.strictObject({
  type: z.literal('stuck'),
  ...partPoint,
  /** No change larger than tolerance for this long... */
  forMs: positiveMs(),
  tolerance: z.number().min(0).default(0),
  /** ...while this boolean point of the same asset is true (the asset runs). */
  whileRunning: pointNameSchema.optional(),
});

export const QualitySchema = z.strictObject({
  type: z.literal('quality'),
  ...partPoint,
  /** Active while the point's quality is bad (or anything but good), for at least forMs. */
  when: z.enum(['bad', 'not-good']).default('bad'),
  forMs: nonNegativeMs.default(0),
});

export const OfflineSchema = z.strictObject({
  type: z.literal('offline'),
  ...partPoint,
  /** Active while the asset's device is offline, for at least forMs. */
  forMs: nonNegativeMs.default(0),
});

export const StateCodeSchema = z.strictObject({
  type: z.literal('state'),
  ...partPoint,
  /** Value → what it means; a value not in the table (0 for most fault codes) is normal. */
  codes: z.record(
    z.string(),
    z.strictObject({ message: z.string().min(1), severity: z.enum(SEVERITIES).optional() }),
  ),
  ...Delays,
});

/** Two points of the asset: active when |value − reference| > maxAbs (or < minAbs) for forMs; value = the difference. */
export const DeviationSchema = z
  .strictObject({
    type: z.literal('deviation'),
    ...partPoint,
    /** The reference point of the same asset (a setpoint, the supply side of a ΔT). */
    from: pointNameSchema,
    maxAbs: z.number().min(0).optional(),
    minAbs: z.number().positive().optional(),
    forMs: nonNegativeMs.default(0),
  })
  .refine((d) => d.maxAbs !== undefined || d.minAbs !== undefined, { error: 'give maxAbs, minAbs or both' });

/** A counter (run hours): active while within warnBefore (default every / 20) below the next multiple of every. */
export const DueSchema = z
  .strictObject({
    type: z.literal('due'),
    ...partPoint,
    every: z.number().positive(),
    warnBefore: z.number().positive().optional(),
  })
  .refine((d) => d.warnBefore === undefined || d.warnBefore <= d.every, {
    error: 'expected warnBefore ≤ every',
  });

/** Energy conditions: demand/after-hours on a power point (W, kW, MW) or an energy counter (Wh, kWh, MWh). */
const HOUR_MS = 3_600_000;
const hhmmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected HH:MM' });

/** Peak demand: the average kW over clock-aligned windows, forecast from minElapsedMs into each window. */
export const DemandSchema = z
  .strictObject({
    type: z.literal('demand'),
    ...partPoint,
    limitKw: z.number().positive(),
    windowMs: positiveMs()
      .refine((w) => w % 60_000 === 0 && HOUR_MS % w === 0, {
        error: 'expected whole minutes that divide an hour (e.g. 900000 for 15 min)',
      })
      .default(15 * 60_000),
    minElapsedMs: nonNegativeMs.default(5 * 60_000),
    ...Delays,
  })
  .refine((d) => d.minElapsedMs < d.windowMs, { error: 'expected minElapsedMs shorter than windowMs' });

/** Leak: the flow never fell below zeroBelow during the local night window (judged at its end). */
export const NightFlowSchema = z
  .strictObject({
    type: z.literal('night-flow'),
    ...partPoint,
    from: hhmmSchema.default('01:00'),
    to: hhmmSchema.default('04:00'),
    zeroBelow: z.number().positive().default(0.001),
  })
  .refine((n) => n.from !== n.to, { error: 'expected from and to to differ' });

/** Consumption of a counter since local midnight / the first of the month against a limit (or its projection). */
export const BudgetSchema = z.strictObject({
  type: z.literal('budget'),
  ...partPoint,
  period: z.enum(['day', 'month']),
  /** A number in the counter's unit, or `baseline`: what the meter's learned baseline expects of the period. */
  limit: z.union([z.number().positive(), z.literal('baseline')], {
    error: 'expected a number > 0 or "baseline"',
  }),
  /** With limit: baseline, the slack above it, %. */
  tolerancePct: z.number().min(0).max(1000).default(10),
  forecast: z.boolean().default(true),
});

/** Out of the working-hours schedule, the mean demand over windowMs above baselineKw + tolerancePct. */
export const AfterHoursSchema = z.strictObject({
  type: z.literal('after-hours'),
  ...partPoint,
  /** The schedule of the working hours (after hours = while it is off). */
  schedule: idSchema,
  /** kW, or `learned`: the meter's baseline for the hour, learned from history by weekday (domains/energy). */
  baselineKw: z.union([z.number().min(0), z.literal('learned')], { error: 'expected kW ≥ 0 or "learned"' }),
  tolerancePct: z.number().min(0).max(1000).default(20),
  windowMs: intIn(15 * 60_000, 24 * HOUR_MS).default(HOUR_MS),
  ...Delays,
});

const LeafCondition = z.discriminatedUnion('type', [
  ThresholdSchema,
  RateSchema,
  StuckSchema,
  QualitySchema,
  OfflineSchema,
  StateCodeSchema,
  DemandSchema,
  NightFlowSchema,
  BudgetSchema,
  AfterHoursSchema,
  DeviationSchema,
  DueSchema,
]);

/** Active when the inner condition turned active `times` times within withinMs (door faults: 3 in 1 h). */
export const CountSchema = z.strictObject({
  type: z.literal('count'),
  /** The point the inner condition reads unless it names its own. */
  ...partPoint,
  of: LeafCondition,
  times: intIn(1, 10_000),
  withinMs: positiveMs(),
});

/** A leaf or a count of one: what a rule or a part of all/any may be. */
const PartCondition = z.discriminatedUnion('type', [LeafCondition, CountSchema]);

/** The leaf conditions, each on a point of the same asset (its `point` names it). */
export const CompoundSchema = z.strictObject({
  type: z.enum(['all', 'any']),
  of: z.array(PartCondition).min(2),
  ...Delays,
});

export const ConditionSchema = z.discriminatedUnion('type', [PartCondition, CompoundSchema]);
export type Condition = z.infer<typeof ConditionSchema>;

export const RuleSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  enabled: z.boolean().default(true),
  severity: z.enum(SEVERITIES).default('medium'),
  /** 1 (first) to 4; default from severity. */
  priority: intIn(1, 4).optional(),
  target: RuleTargetSchema,
  condition: ConditionSchema,
  /** Only while this schedule is on (e.g. after-hours rules); outside it the condition counts as normal. */
  schedule: idSchema.optional(),
  /** Message template: {asset}, {point}, {value}, {unit}, {limit}. */
  message: z.string().optional(),
  /** N transitions within withinMs make the alert one flapping alert until it has been quiet that long. */
  chatter: z
    .strictObject({ transitions: intIn(2, 1000).default(5), withinMs: positiveMs().default(10 * 60_000) })
    .prefault({}),
  actions: z.array(idSchema).default([]),
});
export type RuleConfig = z.infer<typeof RuleSchema>;

/**
 * Automation: command a point when the alert is raised, through its priority array at level 12 (automation); the
 * rule lets go of the level when the alert clears (`onCleared`: the point's level-16 fallback). An operator's
 * override (level 8) outranks it: the rule's value waits underneath (domains/rules/command-action.ts).
 */
export const CommandActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('command'),
  /** A point name of the alert's asset, or asset-id/point-name. */
  point: z.string().regex(/^([a-z0-9][a-z0-9_-]*\/)?[a-z][a-z0-9_]*$/, {
    error: 'expected a point name or asset-id/point-name',
  }),
  onRaised: z.union([z.number(), z.boolean(), z.string()]),
  onCleared: z.union([z.number(), z.boolean(), z.string()]).optional(),
  manualHoldMs: positiveMs()
    .optional()
    .describe('deprecated, no effect: an operator override at level 8 outranks the rule at 12 until it ends'),
});
export const ActionSchema = z.discriminatedUnion('type', [...CHANNEL_SCHEMAS, CommandActionSchema]);
export type ActionConfig = z.infer<typeof ActionSchema>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    rules: RuleConfig[];
    /** Where alerts go besides the dashboard: webhooks, e-mail, commands. */
    actions: ActionConfig[];
  }
}
