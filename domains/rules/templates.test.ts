import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../core/config/load-config.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { loadSiteFile, parseSiteText } from '../../hub/site-file.js';
import { createEvaluator } from './evaluator-factory.js';
import { type RuleConfig, RuleSchema } from './rule-schema.js';
import { resolveTargets } from './targets.js';
import { expandTemplate, TEMPLATE_NAMES, TEMPLATES } from './templates.js';

const DEMO = join(import.meta.dirname, '../../config/demo-site.yaml');
const MIN = 60_000;
const T0 = Date.parse('2024-03-15T08:00:00Z');

/** The demo site with these rules (YAML takes JSON). */
/** The demo site with its own rules replaced by these. */
const withRules = (rules: unknown[]): SiteModel => {
  const doc = parseDocument(readFileSync(DEMO, 'utf8'));
  doc.set('rules', rules);
  doc.set('actions', []);
  // nothing left for people's channels to name
  doc.deleteIn(['people', 'channels']);
  doc.deleteIn(['people', 'defaultChannels']);
  return parseSiteText(doc.toString(), 'demo.yaml');
};
const errorsOf = (rules: unknown[]): string[] => {
  try {
    withRules(rules);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
};

const ALL = [
  {
    id: 'chillers-low-dt',
    template: 'chiller-low-delta-t',
    target: { kind: 'chiller' },
    params: { minDeltaC: 3 },
  },
  { id: 'chillers-low-cop', template: 'chiller-low-cop', target: { kind: 'chiller' } },
  { id: 'ahu-filters', template: 'ahu-filter-clogging', target: { kind: 'ahu' } },
  { id: 'ahu-supply', template: 'ahu-supply-deviation', target: { kind: 'ahu' } },
  { id: 'pump-vib', template: 'pump-vibration', target: { kind: 'pump' } },
  { id: 'pump-vib-warn', template: 'pump-vibration', target: { kind: 'pump' }, params: { level: 'warn' } },
  { id: 'pump-dry', template: 'pump-dry-run', target: { kind: 'pump' } },
  { id: 'lift-doors', template: 'elevator-door-faults', target: { kind: 'elevator' } },
  { id: 'chiller-service', template: 'run-hours-due', target: { kind: 'chiller' }, actions: [] },
];

describe('rule templates', () => {
  it('expands an entry to a full rule: name, severity, condition, the template point on the target', () => {
    const r = expandTemplate(ALL[0], ['rules', 0]);
    expect(r.problems).toEqual([]);
    const rule = RuleSchema.parse(r.rule);
    expect(rule).toMatchObject({
      id: 'chillers-low-dt',
      name: 'Chiller low ΔT (< 3 °C for 15 min)',
      severity: 'medium',
      target: { kind: 'chiller', point: 'chw_return_temp_c' },
      condition: { type: 'all', onDelayMs: 15 * MIN },
    });
    // the entry's own name, severity and target point win; non-template entries pass unchanged
    const own = expandTemplate({
      ...ALL[2],
      name: 'Filters',
      severity: 'low',
      target: { asset: 'b1-ahu-1', point: 'filter_dp_pa' },
    });
    expect(own.rule).toMatchObject({
      name: 'Filters',
      severity: 'low',
      target: { asset: 'b1-ahu-1', point: 'filter_dp_pa' },
    });
    const plain = { id: 'x', condition: { type: 'offline' } };
    expect(expandTemplate(plain).rule).toBe(plain);
    // the warn level of pump-vibration is medium at 4.5 mm/s
    expect(expandTemplate(ALL[5]).rule).toMatchObject({ severity: 'medium', condition: { high: 4.5 } });
  });

  it('bad params, an unknown template and a condition beside a template are errors at the entry path', () => {
    expect(
      errorsOf([
        {
          id: 'a',
          template: 'chiller-low-delta-t',
          target: { kind: 'chiller' },
          params: { minDeltaC: 'three' },
        },
        { id: 'b', template: 'chiller-low-delta-t', target: { kind: 'chiller' }, params: { minDelta: 3 } },
        { id: 'c', template: 'chiller-low-dt', target: { kind: 'chiller' } },
        { id: 'd', template: 'ahu-filter-clogging', target: { kind: 'ahu' }, condition: { type: 'offline' } },
        {
          id: 'e',
          template: 'run-hours-due',
          target: { kind: 'chiller' },
          params: { everyH: 100, warnBefore: 200 },
        },
      ]),
    ).toEqual([
      'rules[0].params.minDeltaC: expected a number, got "three"',
      'rules[1].params.minDelta: unknown key',
      `rules[2].template: unknown template "chiller-low-dt" (known: ${TEMPLATE_NAMES.join(', ')})`,
      'rules[3].condition: a template rule has no condition (its template gives it)',
      'rules[4].params.warnBefore: expected warnBefore ≤ everyH',
    ]);
  });

  it('rule-level mistakes of an expanded entry are reported as for any rule', () => {
    expect(
      errorsOf([
        { id: 'a', template: 'pump-vibration', target: { kind: 'ahu' } },
        { id: 'b', template: 'ahu-filter-clogging', target: { asset: 'b1-chiller-1' } },
        { template: 'ahu-filter-clogging', target: { kind: 'ahu' } },
        { id: 'b', template: 'run-hours-due', target: { kind: 'chiller' } },
      ]),
    ).toEqual([
      'rules[2].id: required (expected an id (lower-case letters, digits, - and _))',
      'rules[3].id: duplicate id "b"',
      'rules[0].target: matches no asset (kind ahu with a point vibration_mm_s)',
      'rules[1].target.point: asset "b1-chiller-1" has no point "filter_dp_pa"',
    ]);
  });

  it('every template applies to the demo site, and every instance gets an evaluator', async () => {
    expect((await loadSiteFile(DEMO, {})).assets.length).toBeGreaterThan(20);
    expect(new Set(ALL.map((r) => r.template))).toEqual(new Set(Object.keys(TEMPLATES)));
    const site = withRules(ALL);
    const count = (id: string) =>
      resolveTargets(site.config.rules.find((r) => r.id === id) as RuleConfig, site.config).instances.length;
    expect(count('chillers-low-dt')).toBe(2);
    expect(count('pump-vib')).toBe(2); // only the condenser pumps measure vibration
    expect(count('pump-dry')).toBe(5);
    expect(count('lift-doors')).toBe(1);
    const pointIdOf = (assetId: string, name: string) =>
      site.pointById.has(`${assetId}/${name}`) ? `${assetId}/${name}` : undefined;
    for (const rule of site.config.rules)
      for (const i of resolveTargets(rule, site.config).instances)
        expect(() =>
          createEvaluator(
            rule,
            { assetId: i.assetId, pointId: i.pointId },
            { schedules: new Map(), pointIdOf },
          ),
        ).not.toThrow();
  });

  it('the expanded rules behave: chiller low ΔT after 15 min running, door faults at the third in an hour', () => {
    const site = withRules(ALL);
    const pointIdOf = (assetId: string, name: string) =>
      site.pointById.has(`${assetId}/${name}`) ? `${assetId}/${name}` : undefined;
    const evaluatorOf = (id: string, assetId: string) => {
      const rule = site.config.rules.find((r) => r.id === id) as RuleConfig;
      const i = resolveTargets(rule, site.config).instances.find((x) => x.assetId === assetId)!;
      return createEvaluator(
        rule,
        { assetId, pointId: i.pointId, unit: 'degC' },
        { schedules: new Map(), pointIdOf },
      );
    };
    const rd = (pointId: string, value: number | boolean) => ({
      reading: { pointId, value, quality: 'good' as const, ts: T0 },
    });

    const dt = evaluatorOf('chillers-low-dt', 'b1-chiller-1');
    dt.update(rd('b1-chiller-1/running', true), T0);
    dt.update(rd('b1-chiller-1/chw_supply_temp_c', 7), T0);
    dt.update(rd('b1-chiller-1/chw_return_temp_c', 8.5), T0);
    expect(dt.nextCheckAt(T0)).toBe(T0 + 15 * MIN);
    expect(dt.check(T0 + 15 * MIN)).toMatchObject({
      active: true,
      message: 'running true: running and chw_return_temp_c − chw_supply_temp_c 1.5 degC, less than 3 degC',
    });
    expect(dt.update(rd('b1-chiller-1/running', false), T0 + 16 * MIN)?.active).toBe(false);

    const lift = evaluatorOf('lift-doors', 'b1-elevator-1');
    const F = 'b1-elevator-1/fault_code';
    for (const m of [0, 20, 40]) {
      lift.update(rd(F, 31), T0 + m * MIN);
      lift.update(rd(F, 0), T0 + (m + 1) * MIN);
    }
    expect(lift.current()).toMatchObject({
      active: true,
      message: 'fault_code 31: door fault, 3 times within 1 h',
    });
    expect(lift.nextCheckAt(T0 + 41 * MIN)).toBe(T0 + 60 * MIN);
    expect(lift.check(T0 + 60 * MIN)?.active).toBe(false);
  });

  it('target checks of the new conditions: deviation from, due and deviation on numbers, count of its inner point', () => {
    const ahu = { kind: 'ahu' };
    expect(
      errorsOf([
        {
          id: 'a',
          name: 'A',
          target: ahu,
          condition: { type: 'deviation', point: 'supply_air_temp_c', from: 'nope', maxAbs: 2 },
        },
        {
          id: 'b',
          name: 'B',
          target: { asset: 'b1-ahu-1' },
          condition: { type: 'deviation', point: 'supply_air_temp_c', from: 'running', maxAbs: 2 },
        },
        {
          id: 'c',
          name: 'C',
          target: { asset: 'b1-ahu-1' },
          condition: { type: 'due', point: 'running', every: 10 },
        },
        {
          id: 'd',
          name: 'D',
          target: ahu,
          condition: {
            type: 'count',
            point: 'nope',
            of: { type: 'state', codes: {} },
            times: 2,
            withinMs: 60_000,
          },
        },
        {
          id: 'e',
          name: 'E',
          target: ahu,
          condition: { type: 'deviation', point: 'supply_air_temp_c', from: 'supply_air_setpoint_c' },
        },
        {
          id: 'f',
          name: 'F',
          target: { kind: 'elevator' },
          condition: {
            type: 'count',
            point: 'fault_code',
            of: { type: 'state', codes: { '31': { message: 'door' } } },
            times: 3,
            withinMs: 3_600_000,
          },
        },
      ]),
    ).toEqual([
      'rules[4].condition: give maxAbs, minAbs or both',
      'rules[0].condition.from: asset "b1-ahu-1" has no point "nope"',
      'rules[1].condition.from: a deviation condition needs a number point; b1-ahu-1/running is a boolean',
      'rules[2].condition: a due condition needs a number point; b1-ahu-1/running is a boolean',
      'rules[3].condition.of.point: asset "b1-ahu-1" has no point "nope"',
    ]);
  });
});
