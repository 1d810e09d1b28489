import { beforeEach, describe, expect, it } from 'vitest';
import { parseSiteText } from '../../hub/site-file.js';
import { EventBus } from '../bus.js';
import { ManualClock } from '../clock.js';
import { silentLogger } from '../logger.js';
import type { Reading } from '../model/reading.js';
import { Pipeline } from './pipeline.js';

const site = parseSiteText(
  `
site: { id: s, name: S }
zones: [{ id: z, name: Z }]
assets:
  - id: m
    name: Meter
    kind: electricity-meter
    zone: z
    points:
      - { name: voltage_v, unit: V, scale: 0.1, min: 0, max: 300, intervalMs: 1000 }
      - { name: energy_kwh, unit: kWh, sourceUnit: Wh, offset: 5, intervalMs: 1000 }
      - { name: power_kw, unit: kW, deadband: 0.5, intervalMs: 10000 }
      - { name: running, type: boolean, kind: state, intervalMs: 1000 }
      - { name: mode, type: string, kind: state, intervalMs: 1000 }
`,
  's.yaml',
);

describe('pipeline', () => {
  let clock: ManualClock;
  let bus: EventBus;
  let pipeline: Pipeline;
  let accepted: Reading[];
  let qualityChanges: { pointId: string; quality: string }[];

  const raw = (pointId: string, value: Reading['value'], ts = clock.now()): Reading => ({
    pointId,
    value,
    quality: 'good',
    ts,
  });

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    bus = new EventBus(silentLogger);
    pipeline = new Pipeline(site, bus, clock, silentLogger);
    accepted = [];
    qualityChanges = [];
    bus.on('readings.accepted', (batch) => accepted.push(...batch));
    bus.on('point.quality-changed', (c) => qualityChanges.push(c));
  });

  it('applies scale, offset and unit conversion', () => {
    pipeline.ingest([raw('m/voltage_v', 2305), raw('m/energy_kwh', 12_000)]);
    pipeline.flush();
    expect(accepted.map((r) => r.value)).toEqual([230.5, 12.005]); // (12,000 Wh + 5 Wh) in kWh
    expect(accepted.every((r) => r.quality === 'good')).toBe(true);
  });

  it('marks out-of-range values bad, keeps them, and counts them', () => {
    pipeline.ingest([raw('m/voltage_v', 3500), raw('m/voltage_v', -10)]);
    pipeline.flush();
    expect(accepted).toHaveLength(2);
    expect(accepted.map((r) => r.quality)).toEqual(['bad', 'bad']);
    expect(pipeline.counters.outOfRange).toBe(2);
  });

  it('rejects unknown points, wrong types and non-finite numbers, and passes the good ones around them', () => {
    pipeline.ingest([
      raw('m/voltage_v', 2300),
      raw('m/nope', 1),
      raw('m/voltage_v', 'high'),
      raw('m/voltage_v', Number.NaN),
      raw('m/running', 'yes'),
      raw('m/mode', 3),
      raw('m/running', 1),
      raw('m/mode', 'auto'),
    ]);
    pipeline.flush();
    expect(accepted.map((r) => [r.pointId, r.value])).toEqual([
      ['m/voltage_v', 230],
      ['m/running', true],
      ['m/mode', 'auto'],
    ]);
    expect(pipeline.counters.rejected).toBe(5);
  });

  it('drops values within the deadband, but passes one per interval as a heartbeat', () => {
    pipeline.ingest([
      raw('m/power_kw', 10),
      raw('m/power_kw', 10.3),
      raw('m/power_kw', 9.6),
      raw('m/power_kw', 10.6),
    ]);
    pipeline.flush();
    expect(accepted.map((r) => r.value)).toEqual([10, 10.6]);
    expect(pipeline.counters.suppressed).toBe(2);
    clock.advance(10_000);
    pipeline.ingest([raw('m/power_kw', 10.7)]);
    pipeline.flush();
    expect(accepted.map((r) => r.value)).toEqual([10, 10.6, 10.7]);
  });

  it('turns a silent point uncertain after 2× its interval and bad after 4×, and good again on a value', () => {
    pipeline.startStaleness();
    pipeline.ingest([raw('m/voltage_v', 2300)]);
    clock.advance(1_900);
    expect(qualityChanges).toEqual([]);
    clock.advance(200);
    expect(qualityChanges.map((c) => [c.pointId, c.quality])).toEqual([['m/voltage_v', 'uncertain']]);
    clock.advance(2_000);
    expect(qualityChanges.map((c) => c.quality)).toEqual(['uncertain', 'bad']);
    clock.advance(10_000);
    expect(qualityChanges).toHaveLength(2); // once per transition, not per check
    pipeline.ingest([raw('m/voltage_v', 2301)]);
    pipeline.flush();
    expect(accepted.at(-1)).toMatchObject({ quality: 'good' });
    expect(accepted.at(-1)!.value).toBeCloseTo(230.1);
    clock.advance(2_500); // the check runs every half interval, so a transition is at most that late
    expect(qualityChanges.map((c) => c.quality)).toEqual(['uncertain', 'bad', 'uncertain']);
    pipeline.stop();
  });

  it('hands readings on in batches, in order, once per turn of the event loop', async () => {
    const batches: number[] = [];
    bus.on('readings.accepted', (b) => batches.push(b.length));
    for (let i = 0; i < 100; i++) pipeline.ingest([raw('m/voltage_v', i)]);
    expect(batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([100]);
    expect(accepted.map((r) => r.value)).toEqual(Array.from({ length: 100 }, (_, i) => i * 0.1));
  });

  it('a listener that throws does not stop the others', () => {
    const seen: number[] = [];
    bus.on('readings.accepted', () => {
      throw new Error('boom');
    });
    bus.on('readings.accepted', (b) => seen.push(b.length));
    pipeline.ingest([raw('m/voltage_v', 1)]);
    pipeline.flush();
    expect(seen).toEqual([1]);
  });
});
