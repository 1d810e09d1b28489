import { describe, expect, it } from 'vitest';
import { Schedule } from '../../core/time/schedule.js';
import { ScheduleSchema } from '../../core/time/schedule-schema.js';
import { createEvaluator, type EvaluatorContext } from './evaluator-factory.js';
import { RuleSchema } from './rule-schema.js';

const at = (iso: string) => Date.parse(iso);
const T0 = at('2024-03-15T10:00:00+08:00'); // a Friday, Shanghai
const S = 1000;
const POINTS: Record<string, string[]> = {
  'chiller-1': ['chw_supply_temp_c', 'chw_flow_m3h', 'running', 'fault_code'],
};
const ctx: EvaluatorContext = {
  schedules: new Map([
    [
      'after-hours',
      new Schedule(
        ScheduleSchema.parse({ id: 'after-hours', weekly: { fri: ['08:00-18:00'] }, invert: true }),
        'Asia/Shanghai',
      ),
    ],
  ]),
  pointIdOf: (asset, name) => (POINTS[asset]?.includes(name) ? `${asset}/${name}` : undefined),
};
const rule = (condition: unknown, extra: Record<string, unknown> = {}) =>
  RuleSchema.parse({
    id: 'r1',
    name: 'R1',
    target: { asset: 'chiller-1', point: 'chw_supply_temp_c' },
    condition,
    ...extra,
  });
const target = {
  assetId: 'chiller-1',
  pointId: 'chiller-1/chw_supply_temp_c',
  deviceId: 'plc-1',
  unit: '°C',
};
const rd = (name: string, value: number | boolean, ts = 0) => ({
  reading: { pointId: `chiller-1/${name}`, value, quality: 'good' as const, ts },
});

describe('createEvaluator', () => {
  it('threshold on the target point with its unit, wrapped in the on-delay', () => {
    const e = createEvaluator(
      rule({ type: 'threshold', high: 8, deadband: 0.5, onDelayMs: 60_000 }),
      target,
      ctx,
    );
    expect(e.pointIds).toEqual(['chiller-1/chw_supply_temp_c']);
    expect(e.update(rd('chw_supply_temp_c', 9.4), T0)?.active).toBe(false);
    expect(e.nextCheckAt(T0)).toBe(T0 + 60_000);
    expect(e.check(T0 + 60_000)).toMatchObject({
      active: true,
      message: 'chw_supply_temp_c 9.4 °C above 8 °C',
    });
    expect(e.update(rd('chw_supply_temp_c', 7.8), T0 + 61_000)?.active).toBe(true); // deadband
    expect(e.update(rd('chw_supply_temp_c', 7.5), T0 + 62_000)?.active).toBe(false);
  });

  it('a condition’s own point overrides the target’s (no unit: it is not the target point)', () => {
    const e = createEvaluator(rule({ type: 'threshold', point: 'chw_flow_m3h', low: 50 }), target, ctx);
    expect(e.pointIds).toEqual(['chiller-1/chw_flow_m3h']);
    expect(e.update(rd('chw_flow_m3h', 40), T0)?.message).toBe('chw_flow_m3h 40 below 50');
  });

  it('every kind builds', () => {
    const kinds = [
      { type: 'rate', maxPerMinute: 1 },
      { type: 'stuck', forMs: 600_000, whileRunning: 'running' },
      { type: 'quality', when: 'not-good' },
      { type: 'offline', forMs: 30_000 },
      { type: 'state', point: 'fault_code', codes: { '3': { message: 'trip', severity: 'critical' } } },
    ];
    const built = kinds.map((k) => createEvaluator(rule(k), target, ctx));
    expect(built.map((e) => e.pointIds)).toEqual([
      ['chiller-1/chw_supply_temp_c'],
      ['chiller-1/chw_supply_temp_c', 'chiller-1/running'],
      ['chiller-1/chw_supply_temp_c'],
      [],
      ['chiller-1/fault_code'],
    ]);
    expect(built[3]!.deviceId).toBe('plc-1');
    expect(built[4]!.update(rd('fault_code', 3), T0)).toMatchObject({ active: true, severity: 'critical' });
  });

  it('compound all vs any: parts on their own points, each with its own delays', () => {
    const parts = [
      { type: 'threshold', high: 8 },
      { type: 'threshold', point: 'chw_flow_m3h', low: 50, onDelayMs: 30_000 },
    ];
    const all = createEvaluator(rule({ type: 'all', of: parts }), target, ctx);
    const any = createEvaluator(rule({ type: 'any', of: parts }), target, ctx);
    for (const e of [all, any])
      expect(e.pointIds).toEqual(['chiller-1/chw_supply_temp_c', 'chiller-1/chw_flow_m3h']);
    for (const e of [all, any]) e.update(rd('chw_supply_temp_c', 9), T0);
    expect(all.current().active).toBe(false);
    expect(any.current().active).toBe(true);
    for (const e of [all, any]) e.update(rd('chw_flow_m3h', 40), T0);
    expect(all.current().active).toBe(false); // the flow part's on-delay
    expect(all.nextCheckAt(T0)).toBe(T0 + 30 * S);
    expect(all.check(T0 + 30 * S)).toMatchObject({
      active: true,
      message: 'chw_supply_temp_c 9 °C above 8 °C and chw_flow_m3h 40 below 50',
    });
  });

  it('the schedule gates the delayed condition', () => {
    const e = createEvaluator(rule({ type: 'threshold', high: 8 }, { schedule: 'after-hours' }), target, ctx);
    expect(e.update(rd('chw_supply_temp_c', 9), T0)?.active).toBe(false); // office hours: the rule is off
    expect(e.nextCheckAt(T0)).toBe(at('2024-03-15T18:00:00+08:00'));
    expect(e.check(at('2024-03-15T18:00:00+08:00'))?.active).toBe(true);
  });

  it('throws naming what is missing', () => {
    expect(() =>
      createEvaluator(rule({ type: 'threshold', point: 'oil_temp_c', high: 1 }), target, ctx),
    ).toThrow(/chiller-1 has no point oil_temp_c/);
    expect(() =>
      createEvaluator(
        rule({
          type: 'any',
          of: [
            { type: 'threshold', high: 8 },
            { type: 'quality', point: 'vibration_mm_s' },
          ],
        }),
        target,
        ctx,
      ),
    ).toThrow(/no point vibration_mm_s/);
    expect(() =>
      createEvaluator(rule({ type: 'stuck', forMs: 1000, whileRunning: 'on' }), target, ctx),
    ).toThrow(/no point on/);
    expect(() =>
      createEvaluator(rule({ type: 'threshold', high: 8 }), { assetId: 'chiller-1' }, ctx),
    ).toThrow(/needs a point/);
    expect(() => createEvaluator(rule({ type: 'offline' }), { assetId: 'chiller-1' }, ctx)).toThrow(/device/);
    expect(() =>
      createEvaluator(rule({ type: 'threshold', high: 8 }, { schedule: 'nights' }), target, ctx),
    ).toThrow(/no schedule nights/);
  });
});
