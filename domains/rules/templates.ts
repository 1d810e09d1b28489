import { z } from 'zod';
import { formatIssues, formatPath } from '../../core/config/zod-helpers.js';
import type { Severity } from '../../core/model/severity.js';

/**
 * Rule templates: named, documented rule bodies an engineer applies without writing conditions.
 *
 *   rules:
 *     - { id: chillers-low-dt, template: chiller-low-delta-t, target: { kind: chiller }, params: { minDeltaC: 3 } }
 *
 * A template entry is expanded to a full rule (name, severity, condition on the point names the demo site
 * uses) before the rule schema sees it. The entry keeps every rule field but `condition` (id, target,
 * enabled, schedule, actions, chatter, message; name and severity override the template's). A target
 * without a point gets the template's main point, so a kind target skips the assets without it (the
 * pump-vibration template applies to the pumps that measure vibration).
 */

const MIN = 60_000;

const num = (what = 'a number') => z.number({ error: `expected ${what}` });
const positive = () => num().positive({ error: 'expected a number > 0' });
const minutes = (def: number) =>
  z.int({ error: 'expected whole minutes' }).positive({ error: 'expected whole minutes > 0' }).default(def);

/** "running" as a condition: the state table on the boolean running point. */
const running = { type: 'state', point: 'running', codes: { true: { message: 'running' } } } as const;

export interface RuleTemplate {
  /** What it watches and why the defaults, for a person choosing one. */
  description: string;
  severity: Severity;
  /** The point a target without one gets. */
  point: string;
  params: z.ZodType<Record<string, unknown>>;
  /** The rule's name and condition from the validated params. */
  expand(params: Record<string, unknown>): { name: string; condition: unknown };
}

/** A template with typed params. */
function template<S extends z.ZodObject>(t: {
  description: string;
  severity: Severity;
  point: string;
  params: S;
  expand(p: z.output<S>): { name: string; condition: unknown };
}): RuleTemplate {
  return t as unknown as RuleTemplate;
}

export const TEMPLATES: Record<string, RuleTemplate> = {
  /**
   * A chiller running with a small chilled-water ΔT (return − supply) moves too much water for its load:
   * "low ΔT syndrome" (bypass, open three-way valves, pumps too fast), which wastes pump energy and keeps
   * extra chillers on. 3 °C is about half of a 5–6 °C design ΔT; 15 min rides out starts and load steps.
   */
  'chiller-low-delta-t': template({
    description: 'chiller running with chilled-water ΔT (return − supply) below minDeltaC for forMinutes',
    severity: 'medium',
    point: 'chw_return_temp_c',
    params: z.strictObject({ minDeltaC: positive().default(3), forMinutes: minutes(15) }),
    expand: (p) => ({
      name: `Chiller low ΔT (< ${p.minDeltaC} °C for ${p.forMinutes} min)`,
      condition: {
        type: 'all',
        of: [
          running,
          { type: 'deviation', point: 'chw_return_temp_c', from: 'chw_supply_temp_c', minAbs: p.minDeltaC },
        ],
        onDelayMs: p.forMinutes * MIN,
      },
    }),
  }),

  /**
   * A running chiller with a low COP (cooling out per power in): fouled tubes, low refrigerant, a bad
   * setpoint or running at a poor part load. 4 is well below a screw chiller's ~5.5–6 at good load; 30 min
   * keeps a short low-load spell from alerting.
   */
  'chiller-low-cop': template({
    description: 'chiller running with COP below minCop for forMinutes',
    severity: 'medium',
    point: 'cop',
    params: z.strictObject({ minCop: positive().default(4), forMinutes: minutes(30) }),
    expand: (p) => ({
      name: `Chiller low COP (< ${p.minCop} for ${p.forMinutes} min)`,
      condition: {
        type: 'all',
        of: [running, { type: 'threshold', point: 'cop', low: p.minCop }],
        onDelayMs: p.forMinutes * MIN,
      },
    }),
  }),

  /**
   * An AHU filter clogging: the pressure drop across it above maxPa for an hour (a sustained rise, not a fan
   * speed step). A clean bag filter starts near 100–150 Pa; 250 Pa is the usual change-out point for
   * medium filters (their final pressure drop is often rated 250–300 Pa).
   */
  'ahu-filter-clogging': template({
    description: 'AHU filter pressure drop above maxPa for forMinutes',
    severity: 'medium',
    point: 'filter_dp_pa',
    params: z.strictObject({ maxPa: positive().default(250), forMinutes: minutes(60) }),
    expand: (p) => ({
      name: `AHU filter clogging (> ${p.maxPa} Pa for ${p.forMinutes} min)`,
      condition: {
        type: 'threshold',
        point: 'filter_dp_pa',
        high: p.maxPa,
        deadband: 10,
        onDelayMs: p.forMinutes * MIN,
      },
    }),
  }),

  /**
   * An AHU running whose supply air misses its setpoint by more than maxDeltaC: a stuck valve, a coil
   * without water, a control loop out of tune. 2 °C is outside normal loop error; 20 min lets it settle
   * after a start or a setpoint change.
   */
  'ahu-supply-deviation': template({
    description: 'AHU running with |supply air − setpoint| above maxDeltaC for forMinutes',
    severity: 'medium',
    point: 'supply_air_temp_c',
    params: z.strictObject({ maxDeltaC: positive().default(2), forMinutes: minutes(20) }),
    expand: (p) => ({
      name: `AHU supply air off setpoint (> ${p.maxDeltaC} °C for ${p.forMinutes} min)`,
      condition: {
        type: 'all',
        of: [
          running,
          {
            type: 'deviation',
            point: 'supply_air_temp_c',
            from: 'supply_air_setpoint_c',
            maxAbs: p.maxDeltaC,
          },
        ],
        onDelayMs: p.forMinutes * MIN,
      },
    }),
  }),

  /**
   * Pump vibration (RMS velocity) above the ISO 10816-3 class II zone boundaries: 7.1 mm/s (zone C/D,
   * damage likely: alarm, high) or, with level: warn, 4.5 mm/s (zone B/C, not for long-term operation:
   * medium). Apply the template twice for both levels. 5 min ignores start-up transients.
   */
  'pump-vibration': template({
    description:
      'pump vibration above alarmMmS (level alarm, high) or warnMmS (level warn, medium) for forMinutes',
    severity: 'high',
    point: 'vibration_mm_s',
    params: z.strictObject({
      alarmMmS: positive().default(7.1),
      warnMmS: positive().default(4.5),
      level: z.enum(['alarm', 'warn']).default('alarm'),
      forMinutes: minutes(5),
    }),
    expand: (p) => {
      const limit = p.level === 'warn' ? p.warnMmS : p.alarmMmS;
      return {
        name: `Pump vibration ${p.level} (> ${limit} mm/s for ${p.forMinutes} min)`,
        condition: {
          type: 'threshold',
          point: 'vibration_mm_s',
          high: limit,
          deadband: Math.min(0.5, limit / 10),
          onDelayMs: p.forMinutes * MIN,
        },
        ...(p.level === 'warn' ? { severity: 'medium' } : {}),
      };
    },
  }),

  /**
   * A pump running dry (or with a closed valve, a broken coupling): it says it runs but draws little current
   * and builds no pressure. The seal burns within minutes, hence critical after 1 min. 5 A is well under
   * the demo pumps' ~40 A; 100 kPa is under their ~150 kPa static head.
   */
  'pump-dry-run': template({
    description:
      'pump running with current below minCurrentA and outlet pressure below minKpa for forMinutes',
    severity: 'critical',
    point: 'current_a',
    params: z.strictObject({
      minCurrentA: positive().default(5),
      minKpa: positive().default(100),
      forMinutes: minutes(1),
    }),
    expand: (p) => ({
      name: `Pump dry run (< ${p.minCurrentA} A and < ${p.minKpa} kPa for ${p.forMinutes} min)`,
      condition: {
        type: 'all',
        of: [
          running,
          { type: 'threshold', point: 'current_a', low: p.minCurrentA },
          { type: 'threshold', point: 'outlet_pressure_kpa', low: p.minKpa },
        ],
        onDelayMs: p.forMinutes * MIN,
      },
    }),
  }),

  /**
   * Repeated elevator door faults: a fault code of the table turning active `times` times within the
   * window. One door fault is a passenger holding the door; three in an hour is a door operator or a
   * sensor to fix before it traps someone. The codes are the controller's: the default 31 is a placeholder
   * for the door fault (the simulator accepts any code), set yours in params.codes.
   */
  'elevator-door-faults': template({
    description: 'elevator fault_code in codes turning active times times within withinMinutes',
    severity: 'high',
    point: 'fault_code',
    params: z.strictObject({
      codes: z
        .record(z.string().regex(/^\S+$/, { error: 'expected a code' }), z.string().min(1))
        .default({ '31': 'door fault' }),
      times: z.int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' }).default(3),
      withinMinutes: minutes(60),
    }),
    expand: (p) => ({
      name: `Elevator door faults (${p.times} within ${p.withinMinutes} min)`,
      condition: {
        type: 'count',
        of: {
          type: 'state',
          point: 'fault_code',
          codes: Object.fromEntries(Object.entries(p.codes).map(([code, message]) => [code, { message }])),
        },
        times: p.times,
        withinMs: p.withinMinutes * MIN,
      },
    }),
  }),

  /**
   * Service due by run hours: every everyH hours (2000 h is a common interval for chiller and pump
   * inspections), from warnBefore hours ahead (100 h: about two weeks of a chiller's season) until the
   * multiple is passed.
   */
  'run-hours-due': template({
    description: 'run_hours_h within warnBefore of the next multiple of everyH',
    severity: 'low',
    point: 'run_hours_h',
    params: z
      .strictObject({ everyH: positive().default(2000), warnBefore: positive().default(100) })
      .refine((p) => p.warnBefore <= p.everyH, {
        error: 'expected warnBefore ≤ everyH',
        path: ['warnBefore'],
      }),
    expand: (p) => ({
      name: `Service due every ${p.everyH} run hours`,
      condition: { type: 'due', point: 'run_hours_h', every: p.everyH, warnBefore: p.warnBefore },
    }),
  }),
};

export const TEMPLATE_NAMES = Object.keys(TEMPLATES);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One `rules:` entry: a template entry expanded to a full rule (for RuleSchema to check), anything else
 * unchanged. Problems are lines `rules[2].params.minDeltaC: expected a number, got "x"` under `path`; an
 * entry with problems expands to undefined.
 */
export function expandTemplate(
  entry: unknown,
  path: PropertyKey[] = [],
): { rule: unknown; problems: string[] } {
  if (!isObject(entry) || !('template' in entry)) return { rule: entry, problems: [] };
  const { template: name, params, condition, ...rest } = entry;
  const at = (...p: PropertyKey[]) => [...path, ...p];
  const line = (p: PropertyKey[], message: string) => `${formatPath(p)}: ${message}`;
  const problems: string[] = [];
  const t = typeof name === 'string' && Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined;
  if (!t)
    problems.push(
      line(at('template'), `unknown template ${JSON.stringify(name)} (known: ${TEMPLATE_NAMES.join(', ')})`),
    );
  if (condition !== undefined)
    problems.push(line(at('condition'), 'a template rule has no condition (its template gives it)'));
  if (!t) return { rule: undefined, problems };
  const parsed = t.params.safeParse(params ?? {}, { reportInput: true });
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues, at('params')));
  if (problems.length || !parsed.success) return { rule: undefined, problems };
  const {
    name: ruleName,
    condition: expanded,
    ...extra
  } = t.expand(parsed.data) as {
    name: string;
    condition: unknown;
    severity?: Severity;
  };
  const target = rest.target;
  return {
    rule: {
      name: ruleName,
      severity: t.severity,
      ...extra,
      ...rest,
      target:
        isObject(target) && ('kind' in target || 'asset' in target) && target.point === undefined
          ? { ...target, point: t.point }
          : target,
      condition: expanded,
    },
    problems: [],
  };
}

/**
 * The `rules:` list with template entries expanded (an entry with problems becomes undefined: skip it, its
 * problems are already in `errors`); not a list: unchanged.
 */
export function expandTemplates(list: unknown, errors: string[], key = 'rules'): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((entry, i) => {
    const r = expandTemplate(entry, [key, i]);
    errors.push(...r.problems);
    return r.rule;
  });
}
