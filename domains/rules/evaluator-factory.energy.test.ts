import { describe, expect, it } from 'vitest';
import { Schedule } from '../../core/time/schedule.js';
import { ScheduleSchema } from '../../core/time/schedule-schema.js';
import { createEvaluator, type EvaluatorContext } from './evaluator-factory.js';
import { RuleSchema } from './rule-schema.js';

const at = (iso: string) => Date.parse(iso);
const POINTS: Record<string, string[]> = { meter: ['power_w', 'energy_kwh', 'flow_m3h'] };
const ctx: EvaluatorContext = {
  schedules: new Map([
    [
      'office-hours',
      new Schedule(
        ScheduleSchema.parse({ id: 'office-hours', weekly: { fri: ['08:00-18:00'] } }),
        'Asia/Shanghai',
      ),
    ],
  ]),
  pointIdOf: (asset, name) => (POINTS[asset]?.includes(name) ? `${asset}/${name}` : undefined),
  timeZone: 'Asia/Shanghai',
};
const rule = (condition: unknown, point: string) =>
  RuleSchema.parse({ id: 'r1', name: 'R1', target: { asset: 'meter', point }, condition });
const rd = (name: string, value: number) => ({
  reading: { pointId: `meter/${name}`, value, quality: 'good' as const, ts: 0 },
});

describe('createEvaluator: energy conditions', () => {
  it('demand on a W power point and on a kWh counter (pointKind)', () => {
    const w = createEvaluator(
      rule({ type: 'demand', limitKw: 500 }, 'power_w'),
      { assetId: 'meter', pointId: 'meter/power_w', unit: 'W', pointKind: 'measurement' },
      ctx,
    );
    w.update(rd('power_w', 600_000), at('2024-03-15T10:00:00+08:00'));
    expect(w.nextCheckAt(at('2024-03-15T10:00:00+08:00'))).toBe(at('2024-03-15T10:05:00+08:00'));
    expect(w.check(at('2024-03-15T10:05:00+08:00'))).toMatchObject({ active: true, value: 600 });
    const e = createEvaluator(
      rule({ type: 'demand', limitKw: 100 }, 'energy_kwh'),
      { assetId: 'meter', pointId: 'meter/energy_kwh', unit: 'kWh', pointKind: 'counter' },
      ctx,
    );
    e.update(rd('energy_kwh', 0), at('2024-03-15T10:00:00+08:00'));
    expect(e.update(rd('energy_kwh', 10), at('2024-03-15T10:05:00+08:00'))).toMatchObject({ value: 120 });
  });

  it('night-flow and budget use the site zone; after-hours its own schedule', () => {
    const nf = createEvaluator(
      rule({ type: 'night-flow' }, 'flow_m3h'),
      { assetId: 'meter', pointId: 'meter/flow_m3h', unit: 'm3/h' },
      ctx,
    );
    expect(nf.nextCheckAt(at('2024-03-15T00:30:00+08:00'))).toBe(at('2024-03-15T04:00:00+08:00'));
    const b = createEvaluator(
      rule({ type: 'budget', period: 'day', limit: 100 }, 'energy_kwh'),
      { assetId: 'meter', pointId: 'meter/energy_kwh', unit: 'kWh', pointKind: 'counter' },
      ctx,
    );
    b.update(rd('energy_kwh', 0), at('2024-03-15T12:00:00+08:00'));
    expect(b.nextCheckAt(at('2024-03-15T23:00:00+08:00'))).toBe(at('2024-03-16T00:00:00+08:00'));
    const ah = createEvaluator(
      rule({ type: 'after-hours', schedule: 'office-hours', baselineKw: 30 }, 'power_w'),
      { assetId: 'meter', pointId: 'meter/power_w', unit: 'W' },
      ctx,
    );
    ah.update(rd('power_w', 50_000), at('2024-03-15T17:00:00+08:00'));
    expect(ah.check(at('2024-03-15T18:15:00+08:00'))).toMatchObject({ active: true, value: 50 });
    expect(() =>
      createEvaluator(
        rule({ type: 'after-hours', schedule: 'nights', baselineKw: 30 }, 'power_w'),
        { assetId: 'meter', pointId: 'meter/power_w', unit: 'W' },
        ctx,
      ),
    ).toThrow(/no schedule nights/);
  });

  it('schema: defaults and limits', () => {
    const c = (condition: unknown) =>
      RuleSchema.safeParse({ id: 'r', name: 'R', target: { point: 'meter/x' }, condition });
    expect(c({ type: 'demand', limitKw: 500 }).data?.condition).toMatchObject({
      windowMs: 900_000,
      minElapsedMs: 300_000,
    });
    expect(c({ type: 'demand', limitKw: 500, windowMs: 7 * 60_000 }).success).toBe(false);
    expect(c({ type: 'demand', limitKw: 500, windowMs: 300_000, minElapsedMs: 300_000 }).success).toBe(false);
    expect(c({ type: 'demand', limitKw: 0 }).success).toBe(false);
    expect(c({ type: 'night-flow', from: '23:00', to: '05:00' }).data?.condition).toMatchObject({
      zeroBelow: 0.001,
    });
    expect(c({ type: 'night-flow', from: '1:00' }).success).toBe(false);
    expect(c({ type: 'night-flow', from: '02:00', to: '02:00' }).success).toBe(false);
    expect(c({ type: 'budget', period: 'day', limit: 100 }).data?.condition).toMatchObject({
      forecast: true,
    });
    expect(c({ type: 'budget', period: 'week', limit: 100 }).success).toBe(false);
    expect(
      c({ type: 'after-hours', schedule: 'office-hours', baselineKw: 30 }).data?.condition,
    ).toMatchObject({
      tolerancePct: 20,
      windowMs: 3_600_000,
    });
    expect(
      c({ type: 'after-hours', schedule: 'office-hours', baselineKw: 30, windowMs: 60_000 }).success,
    ).toBe(false);
    expect(c({ type: 'after-hours', schedule: 'office-hours', baselineKw: 30, extra: 1 }).success).toBe(
      false,
    );
  });
});
