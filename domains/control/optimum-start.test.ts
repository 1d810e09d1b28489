import { describe, expect, it } from 'vitest';
import { EventBus } from '../../core/bus.js';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import { openDatabase } from '../../platform/db/database.js';
import type { History, SeriesQuery } from '../../platform/storage/history.js';
import { tempDataDir } from '../../test/hub-harness.js';
import { testSite } from '../../test/site-fixtures.js';
import type { LevelCommand, PointControl, PointControlState } from './control-types.js';
import { fitLead, OptimumStart, predictLead, samplesFromHistory } from './optimum-start.js';
import { ScheduleEngine } from './schedule-engine.js';
import { ScheduleConfigSchema } from './schedule-schema.js';

/** The "true" zone: minutes to reach the setpoint from a gap (K) at an outdoor temperature (°C). */
const truth = (gap: number, outdoor: number) => 8 + 11 * gap - 0.6 * outdoor;
const DAY = 86_400_000;
const MONDAY = Date.parse('2026-11-02T00:00:00Z');

/** One-minute indoor and outdoor series: each morning the zone sits `gap` below 22 °C until 08:00, then warms. */
function generate(days: number, startOf = (_d: number) => 8 * 60) {
  const indoor: [number, PointValue][] = [];
  const outdoor: [number, PointValue][] = [];
  const starts: number[] = [];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let d = 0; d < days; d++) {
    const day = MONDAY + d * DAY;
    const gap = 1.5 + rnd() * 5;
    const out = -5 + rnd() * 20;
    const start = day + startOf(d) * 60_000;
    starts.push(start);
    const minutes = truth(gap, out);
    for (let m = 5 * 60; m < 12 * 60; m++) {
      const ts = day + m * 60_000;
      const since = (ts - start) / 60_000;
      const v = since <= 0 ? 22 - gap : since >= minutes ? 22 : 22 - gap * (1 - since / minutes);
      indoor.push([ts, v]);
      outdoor.push([ts, out]);
    }
  }
  return { indoor, outdoor, starts };
}

describe('optimum start: the learned lead', () => {
  it('a least-squares fit over generated mornings finds the zone’s rate and outdoor term', () => {
    const { indoor, outdoor, starts } = generate(35);
    const samples = samplesFromHistory(indoor, outdoor, starts, { setpoint: 22, toleranceK: 0.01 });
    expect(samples).toHaveLength(35);
    const model = fitLead(samples)!;
    expect(model.perK).toBeCloseTo(11, 0);
    expect(model.perOutdoorK).toBeCloseTo(-0.6, 1);
    // a minute's resolution: reaching is seen at the next whole minute (half a minute late on average)
    expect(Math.abs(model.intercept - 8.5)).toBeLessThan(0.5);
    expect(Math.abs(predictLead(model, 4, 0, 120) - truth(4, 0))).toBeLessThanOrEqual(1);
    expect(predictLead(model, 20, 0, 120)).toBe(120); // clamped
    expect(predictLead(undefined, 2, undefined, 120)).toBe(30); // before it learned: 15 min per K
  });
});

class Levels implements PointControl {
  writes: { ts: number; value: PointValue | null }[] = [];
  constructor(private readonly clock: ManualClock) {}
  async command(cmd: LevelCommand): Promise<PointControlState> {
    this.writes.push({ ts: this.clock.now(), value: cmd.value });
    return this.state(cmd.pointId);
  }
  commandMany(cmds: readonly LevelCommand[]) {
    return Promise.all(cmds.map((c) => this.command(c)));
  }
  state(pointId: string): PointControlState {
    return { pointId, slots: [], effective: { value: null, level: null, source: null }, pending: false };
  }
  list() {
    return [];
  }
}

describe('optimum start with the engine', () => {
  it('learns from history, starts the first period early by the predicted lead, records the morning’s miss', async () => {
    const { indoor, outdoor } = generate(35);
    const history: History = {
      async series(q: SeriesQuery) {
        const pick = (id: string) =>
          (id === 'room-1/temp_c' ? indoor : outdoor).filter(([t]) => t >= q.from && t < q.to);
        return { source: 'raw', series: q.pointIds.map((pointId) => ({ pointId, values: pick(pointId) })) };
      },
      counterLasts: async () => [],
      counterLastsMany: async () => new Map(),
    };
    const site = testSite();
    // Monday 2026-12-07 05:00 UTC, five weeks after the history's first morning
    const clock = new ManualClock(Date.parse('2026-12-07T05:00:00Z'));
    const bus = new EventBus(silentLogger);
    const db = openDatabase(tempDataDir(), silentLogger);
    const optimum = new OptimumStart({
      db,
      bus,
      clock,
      log: silentLogger,
      timeZone: 'UTC',
      history: () => history,
    });
    optimum.start();
    const array = new Levels(clock);
    const engine = new ScheduleEngine({ site, control: array, clock, log: silentLogger, advisor: optimum });
    const config = ScheduleConfigSchema.parse({
      id: 'office',
      targets: { points: ['ahu-1/supply_temp_sp_c'] },
      weekly: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [
          d,
          [{ from: '08:00', to: '18:00', value: 21 }],
        ]),
      ),
      optimumStart: {
        temperature: 'room-1/temp_c',
        outdoor: 'room-2/temp_c',
        setpoint: 22,
        maxLeadMinutes: 120,
      },
    });
    await engine.setSchedules([], [{ config, origin: 'site-file' }]);
    // learned from the history of the last 35 days (mornings start at 08:00 there: the first period's start)
    await optimum.learn(engine.list(), clock.now());
    const model = optimum.report()[0]!.model!;
    expect(model.samples).toBe(35);
    // within 0.5 K counts as reached: a little less than the full approach per kelvin
    expect(model.perK).toBeGreaterThan(8);
    expect(model.perK).toBeLessThan(11.5);
    const reading = (pointId: string, value: number) =>
      bus.emit('readings.accepted', [{ pointId, value, quality: 'good', ts: clock.now() }]);
    reading('room-1/temp_c', 18); // 4 K below
    reading('room-2/temp_c', 0);
    await engine.start();
    expect(engine.nextEdge).toBe(Date.parse('2026-12-07T06:00:00Z')); // the decision: 08:00 − maxLead
    const expected = predictLead(model, 4, 0, 120);
    expect(expected).toBeGreaterThan(30);
    const step = async (ms: number) => {
      clock.advance(ms);
      for (let i = 0; i < 4; i++) await engine.idle();
    };
    await step(60 * 60_000);
    expect(optimum.leadOf('office', '2026-12-07')).toBe(expected);
    expect(engine.nextEdge).toBe(Date.parse('2026-12-07T08:00:00Z') - expected * 60_000);
    await step(120 * 60_000 - expected * 60_000);
    expect(array.writes.filter((w) => w.value !== null)).toEqual([
      { ts: Date.parse('2026-12-07T08:00:00Z') - expected * 60_000, value: 21 },
    ]);
    // the zone reaches 22 °C three minutes late
    await step((expected + 3) * 60_000);
    reading('room-1/temp_c', 22);
    const [report] = optimum.report();
    expect(report!.mornings[0]).toMatchObject({
      date: '2026-12-07',
      leadMinutes: expected,
      indoor: 18,
      outdoor: 0,
      missMinutes: 3,
    });
    engine.stop();
    optimum.stop();
    db.close();
  });
});
