import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config/load-config.js';
import { Schedule } from '../../../core/time/schedule.js';
import { ScheduleSchema } from '../../../core/time/schedule-schema.js';
import { parseSiteText } from '../../../hub/site-file.js';
import type { BaselineSource } from '../../energy/baseline-source.js';
import { createEvaluator, type EvaluatorContext } from '../evaluator-factory.js';
import { RuleSchema } from '../rule-schema.js';
import { createAfterHours } from './after-hours.js';
import { createBudget } from './budget.js';

/** Learned baselines: after-hours `baselineKw: learned` and budget `limit: baseline` (domains/rules/types.ts BaselineSource). */

const TZ = 'Asia/Shanghai';
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+08:00`);
const FRI = '2024-03-15';
const SAT = '2024-03-16';
const office = new Schedule(
  ScheduleSchema.parse({
    id: 'office-hours',
    weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['08:00-18:00']])),
  }),
  TZ,
);
const P = 'meter/power_kw';
const E = 'meter/energy_kwh';
const rd = (pointId: string, value: number) => ({
  reading: { pointId, value, quality: 'good' as const, ts: 0 },
});

describe('createAfterHours with a learned baseline (a function of the time)', () => {
  /** The baseline the function gives (undefined: not learned yet), and the times it was asked at. */
  function learned(tolerancePct?: number) {
    const state: { kw: number | undefined; asked: number[] } = { kw: undefined, asked: [] };
    const e = createAfterHours({
      pointId: P,
      schedule: office,
      baselineKw: (ts) => {
        state.asked.push(ts);
        return state.kw;
      },
      source: 'power',
      unit: 'kW',
      ...(tolerancePct !== undefined ? { tolerancePct } : {}),
    });
    return { e, state };
  }

  it('no verdict while the baseline is not learned; active above the learned value × (1 + tolerance)', () => {
    const { e, state } = learned();
    e.update(rd(P, 50), at(FRI, '17:00'));
    expect(state.asked).toEqual([]); // working hours: no baseline needed
    expect(e.check(at(FRI, '18:15'))).toBeUndefined();
    expect(e.current()).toEqual({
      active: false,
      value: 50,
      message: 'power_kw after hours: 50 kW, no learned baseline yet',
    });
    expect(state.asked).toEqual([at(FRI, '18:15')]); // asked for the hour being judged
    expect(e.nextCheckAt(at(FRI, '18:15'))).toBe(at(FRI, '18:16')); // and asked again a minute later

    state.kw = 40; // learned: 40 kW, + 20 % = 48 kW
    expect(e.check(at(FRI, '18:16'))).toEqual({
      active: true,
      value: 50,
      message: 'power_kw after-hours waste: 50 kW against a 40 kW learned baseline',
    });
    expect(state.asked.at(-1)).toBe(at(FRI, '18:16'));

    state.kw = 45; // 54 kW allowed: within
    expect(e.check(at(FRI, '18:17'))).toEqual({
      active: false,
      value: 50,
      message: 'power_kw after hours: 50 kW within 54 kW (45 kW baseline + 20 %)',
    });
  });

  it('equal to the learned value + tolerance is normal; the tolerance applies to the learned value', () => {
    const { e, state } = learned(25);
    state.kw = 40; // 40 × 1.25 = 50
    e.update(rd(P, 50), at(FRI, '18:00'));
    e.check(at(FRI, '18:15'));
    expect(e.current()).toMatchObject({ active: false, value: 50 });
    e.update(rd(P, 51), at(FRI, '18:15'));
    // (50 × 15 + 51 × 15) / 30 = 50.5 > 50
    expect(e.check(at(FRI, '18:30'))).toMatchObject({ active: true, value: 50.5 });
  });

  it('a baseline that becomes unknown again takes the verdict back to none', () => {
    const { e, state } = learned();
    state.kw = 10;
    e.update(rd(P, 50), at(SAT, '10:00'));
    expect(e.check(at(SAT, '10:15'))).toMatchObject({ active: true });
    state.kw = undefined;
    expect(e.check(at(SAT, '10:16'))).toEqual({
      active: false,
      value: 50,
      message: 'power_kw after hours: 50 kW, no learned baseline yet',
    });
  });

  it('a number baseline says nothing of learning', () => {
    const e = createAfterHours({ pointId: P, schedule: office, baselineKw: 40, source: 'power', unit: 'kW' });
    e.update(rd(P, 50), at(FRI, '18:00'));
    expect(e.check(at(FRI, '18:15'))?.message).toBe(
      'power_kw after-hours waste: 50 kW against a 40 kW baseline',
    );
  });
});

describe('createBudget with a learned limit (a function of the period)', () => {
  function learned(forecast = false) {
    const state: { limit: number | undefined; asked: [number, number][] } = { limit: undefined, asked: [] };
    const e = createBudget({
      pointId: E,
      period: 'day',
      limit: (start, end) => {
        state.asked.push([start, end]);
        return state.limit;
      },
      forecast,
      unit: 'kWh',
      timeZone: TZ,
    });
    return { e, state };
  }
  const DAY = [at(FRI, '00:00'), at(SAT, '00:00')] as [number, number];
  const NEXT = [at(SAT, '00:00'), at('2024-03-17', '00:00')] as [number, number];

  it('asked once per period with its start and end; over the limit is active, "baseline budget"', () => {
    const { e, state } = learned();
    state.limit = 100;
    expect(e.update(rd(E, 1000), at(FRI, '08:00'))).toMatchObject({ active: false, value: 0 });
    expect(state.asked).toEqual([DAY]);
    expect(e.update(rd(E, 1100), at(FRI, '20:00'))).toEqual({
      active: false,
      value: 100,
      message: 'energy_kwh 100 kWh used today of the 100 kWh daily baseline budget',
    });
    state.limit = 50; // the period's limit is kept: not asked again
    expect(e.update(rd(E, 1101), at(FRI, '23:00'))).toEqual({
      active: true,
      value: 101,
      message: 'energy_kwh 101 kWh used today, over the 100 kWh daily baseline budget',
    });
    expect(state.asked).toEqual([DAY]);
    // the next day: asked again, for the next day
    expect(e.check(at(SAT, '00:00'))).toMatchObject({ active: false, value: 0 });
    expect(state.asked).toEqual([DAY, NEXT]);
    expect(e.current().message).toBe('energy_kwh 0 kWh used today of the 50 kWh daily baseline budget');
  });

  it('no verdict while the limit is not learned (asked again until it is)', () => {
    const { e, state } = learned();
    e.update(rd(E, 0), at(FRI, '08:00'));
    expect(e.update(rd(E, 500), at(FRI, '10:00'))).toEqual({
      active: false,
      value: 500,
      message: 'energy_kwh 500 kWh used today, no learned baseline yet',
    });
    expect(state.asked).toEqual([DAY, DAY]);
    state.limit = 400;
    expect(e.update(rd(E, 501), at(FRI, '11:00'))).toMatchObject({ active: true, value: 501 });
    e.update(rd(E, 502), at(FRI, '12:00'));
    expect(state.asked).toEqual([DAY, DAY, DAY]); // learned: kept for the rest of the day
  });

  it('the forecast is judged against the learned limit too', () => {
    const { e, state } = learned(true);
    state.limit = 100;
    e.update(rd(E, 0), at(FRI, '00:00'));
    // 6 h in, 30 kWh: on course for 120 kWh
    expect(e.update(rd(E, 30), at(FRI, '06:00'))).toEqual({
      active: true,
      value: 120,
      message:
        'energy_kwh on course for 120 kWh today against the 100 kWh daily baseline budget (30 kWh so far)',
    });
  });
});

describe('createEvaluator with the learned baselines of the EvaluatorContext', () => {
  const POINTS: Record<string, string[]> = { meter: ['power_kw', 'energy_kwh'] };
  /** A fake BaselineSource: what it gives, and what it was asked. */
  function fakeSource() {
    const state = {
      kw: undefined as number | undefined,
      use: undefined as number | undefined,
      kwAsked: [] as [string, number][],
      useAsked: [] as [string, number, number][],
    };
    const source: BaselineSource = {
      expectedKw(assetId, ts) {
        state.kwAsked.push([assetId, ts]);
        return state.kw;
      },
      expectedUse(pointId, from, to) {
        state.useAsked.push([pointId, from, to]);
        return state.use;
      },
    };
    return { source, state };
  }
  const context = (baselines?: BaselineSource): EvaluatorContext => ({
    schedules: new Map([['office-hours', office]]),
    pointIdOf: (asset, name) => (POINTS[asset]?.includes(name) ? `${asset}/${name}` : undefined),
    timeZone: TZ,
    ...(baselines ? { baselines } : {}),
  });
  const rule = (condition: unknown, point: string) =>
    RuleSchema.parse({ id: 'r1', name: 'R1', target: { asset: 'meter', point }, condition });
  const afterHours = (ctx: EvaluatorContext, extra: object = {}) =>
    createEvaluator(
      rule({ type: 'after-hours', schedule: 'office-hours', baselineKw: 'learned', ...extra }, 'power_kw'),
      { assetId: 'meter', pointId: P, unit: 'kW', pointKind: 'measurement' },
      ctx,
    );
  const budget = (ctx: EvaluatorContext, extra: object = {}) =>
    createEvaluator(
      rule({ type: 'budget', period: 'day', limit: 'baseline', forecast: false, ...extra }, 'energy_kwh'),
      { assetId: 'meter', pointId: E, unit: 'kWh', pointKind: 'counter' },
      ctx,
    );

  it('after-hours `learned`: the asset’s expected kW for the time judged, × (1 + tolerancePct)', () => {
    const { source, state } = fakeSource();
    const e = afterHours(context(source), { tolerancePct: 25 });
    e.update(rd(P, 60), at(FRI, '18:00'));
    expect(e.check(at(FRI, '18:15'))).toBeUndefined();
    expect(e.current().message).toBe('power_kw after hours: 60 kW, no learned baseline yet');
    expect(state.kwAsked).toEqual([['meter', at(FRI, '18:15')]]);
    state.kw = 48; // 48 × 1.25 = 60: equal is normal
    expect(e.check(at(FRI, '18:16'))).toBeUndefined();
    expect(e.current()).toMatchObject({ active: false, value: 60 });
    state.kw = 47;
    expect(e.check(at(FRI, '18:17'))).toEqual({
      active: true,
      value: 60,
      message: 'power_kw after-hours waste: 60 kW against a 47 kW learned baseline',
    });
  });

  it('after-hours `learned` without baselines in the context: never a verdict', () => {
    const e = afterHours(context());
    e.update(rd(P, 500), at(FRI, '18:00'));
    expect(e.check(at(FRI, '19:00'))).toBeUndefined();
    expect(e.current()).toMatchObject({
      active: false,
      message: 'power_kw after hours: 500 kW, no learned baseline yet',
    });
  });

  it('budget `baseline`: the counter’s expected use over the period + tolerancePct (default 10 %)', () => {
    const { source, state } = fakeSource();
    const e = budget(context(source));
    state.use = 100; // 110 allowed
    e.update(rd(E, 0), at(FRI, '08:00'));
    expect(state.useAsked).toEqual([[E, at(FRI, '00:00'), at(SAT, '00:00')]]);
    expect(e.update(rd(E, 110), at(FRI, '12:00'))).toEqual({
      active: false,
      value: 110,
      message: 'energy_kwh 110 kWh used today of the 110 kWh daily baseline budget',
    });
    expect(e.update(rd(E, 111), at(FRI, '13:00'))).toMatchObject({ active: true, value: 111 });
    expect(state.useAsked).toHaveLength(1); // once for the day
  });

  it('budget `baseline` with tolerancePct; nothing (or nothing positive) expected: no verdict', () => {
    const { source, state } = fakeSource();
    const e = budget(context(source), { tolerancePct: 50 });
    state.use = 0; // a meter that is expected to use nothing has no baseline budget
    e.update(rd(E, 0), at(FRI, '08:00'));
    expect(e.update(rd(E, 10), at(FRI, '09:00'))).toEqual({
      active: false,
      value: 10,
      message: 'energy_kwh 10 kWh used today, no learned baseline yet',
    });
    state.use = 20; // 30 allowed
    expect(e.update(rd(E, 30), at(FRI, '10:00'))?.message).toBe(
      'energy_kwh 30 kWh used today of the 30 kWh daily baseline budget',
    );
    expect(e.update(rd(E, 31), at(FRI, '11:00'))).toMatchObject({ active: true, value: 31 });
    const none = budget(context());
    none.update(rd(E, 0), at(FRI, '08:00'));
    expect(none.update(rd(E, 1e6), at(FRI, '09:00'))?.message).toBe(
      'energy_kwh 1000000 kWh used today, no learned baseline yet',
    );
  });
});

describe('the rule schema: learned baselines', () => {
  const condition = (c: unknown) =>
    RuleSchema.safeParse({ id: 'r', name: 'R', target: { point: 'meter/x' }, condition: c });

  it('accepts `learned` and `baseline`, with their tolerances’ defaults', () => {
    expect(
      condition({ type: 'after-hours', schedule: 'office-hours', baselineKw: 'learned' }).data?.condition,
    ).toEqual({
      type: 'after-hours',
      schedule: 'office-hours',
      baselineKw: 'learned',
      tolerancePct: 20,
      windowMs: 3_600_000,
      onDelayMs: 0,
      offDelayMs: 0,
    });
    expect(condition({ type: 'budget', period: 'month', limit: 'baseline' }).data?.condition).toEqual({
      type: 'budget',
      period: 'month',
      limit: 'baseline',
      tolerancePct: 10,
      forecast: true,
    });
  });

  it('refuses other strings, and each other’s word, with a clear message', () => {
    const issues = (c: unknown) => condition(c).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ type: 'after-hours', schedule: 'office-hours', baselineKw: 'auto' })).toEqual([
      ['condition.baselineKw', 'expected kW ≥ 0 or "learned"'],
    ]);
    expect(issues({ type: 'after-hours', schedule: 'office-hours', baselineKw: 'baseline' })).toEqual([
      ['condition.baselineKw', 'expected kW ≥ 0 or "learned"'],
    ]);
    expect(issues({ type: 'budget', period: 'day', limit: 'learned' })).toEqual([
      ['condition.limit', 'expected a number > 0 or "baseline"'],
    ]);
    expect(issues({ type: 'budget', period: 'day', limit: 'baseline', tolerancePct: -5 })?.[0]?.[0]).toBe(
      'condition.tolerancePct',
    );
  });

  it('the site loader names the rule and the value', () => {
    const site = (conditions: string[]) => `
site: { id: s1, name: Site one, timezone: Asia/Shanghai }
zones: [{ id: b1, name: Building 1 }]
devices: [{ id: gw, protocol: mqtt }]
schedules: [{ id: office-hours, weekly: { mon: ['08:00-18:00'] } }]
assets:
  - { id: meter, name: Meter, kind: electricity-meter, zone: b1, device: gw, points: [{ name: energy_kwh, unit: kWh, kind: counter }] }
rules:
${conditions.map((c, i) => `  - { id: r${i}, name: R${i}, target: { asset: meter, point: energy_kwh }, condition: ${c} }`).join('\n')}
`;
    expect(() =>
      parseSiteText(
        site([
          '{ type: after-hours, schedule: office-hours, baselineKw: learned }',
          '{ type: budget, period: day, limit: baseline, tolerancePct: 15 }',
        ]),
        'ok.yaml',
      ),
    ).not.toThrow();
    let errors: string[] = [];
    try {
      parseSiteText(
        site([
          '{ type: after-hours, schedule: office-hours, baselineKw: auto }',
          '{ type: budget, period: day, limit: learned }',
        ]),
        'bad.yaml',
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors = err.errors;
    }
    expect(errors).toEqual([
      'rules[0].condition.baselineKw: expected kW ≥ 0 or "learned", got "auto"',
      'rules[1].condition.limit: expected a number > 0 or "baseline", got "learned"',
    ]);
  });
});
