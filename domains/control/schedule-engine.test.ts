import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import { testSite } from '../../test/site-fixtures.js';
import type { LevelCommand, PointControl, PointControlState } from './control-types.js';
import { ScheduleEngine } from './schedule-engine.js';
import { CalendarSchema, ScheduleConfigSchema } from './schedule-schema.js';

/**
 * The engine's timing and arbitration against a recording array (the real one, over Modbus, is in
 * test/control-schedules.test.ts): levels in memory, idempotent as the real one is.
 */
class RecordingArray implements PointControl {
  readonly levels = new Map<string, Map<number, { value: PointValue; source: string }>>();
  readonly log: { ts: number; pointId: string; level: number; value: PointValue | null; source: string }[] =
    [];
  constructor(private readonly clock: ManualClock) {}
  async command(cmd: LevelCommand): Promise<PointControlState> {
    const slots = this.levels.get(cmd.pointId) ?? new Map();
    this.levels.set(cmd.pointId, slots);
    const held = slots.get(cmd.level);
    if (cmd.value === null ? held !== undefined : held?.value !== cmd.value || held.source !== cmd.source) {
      this.log.push({
        ts: this.clock.now(),
        pointId: cmd.pointId,
        level: cmd.level,
        value: cmd.value,
        source: cmd.source,
      });
      if (cmd.value === null) slots.delete(cmd.level);
      else slots.set(cmd.level, { value: cmd.value, source: cmd.source });
    }
    return this.state(cmd.pointId)!;
  }
  commandMany(cmds: readonly LevelCommand[]) {
    return Promise.all(cmds.map((c) => this.command(c)));
  }
  state(pointId: string): PointControlState | undefined {
    const slots = [...(this.levels.get(pointId) ?? new Map()).entries()].map(([level, s]) => ({
      level,
      ...s,
      actor: 'schedules',
      since: 0,
    }));
    const top = slots.sort((a, b) => a.level - b.level)[0];
    return {
      pointId,
      slots,
      effective: { value: top?.value ?? null, level: top?.level ?? null, source: top?.source ?? null },
      pending: false,
    };
  }
  list() {
    return [...this.levels.keys()].map((p) => this.state(p)!);
  }
}

const SP = 'ahu-1/supply_temp_sp_c';
const site = testSite(); // UTC
const sched = (body: Record<string, unknown>) =>
  ScheduleConfigSchema.parse({ targets: { points: [SP] }, ...body });

async function settle(engine: ScheduleEngine) {
  for (let i = 0; i < 5; i++) {
    await engine.idle();
    await new Promise((r) => setImmediate(r));
  }
}

describe('ScheduleEngine', () => {
  it('commands the current value at start, then sleeps on one timer from edge to edge', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T06:00:00Z')); // Monday
    const array = new RecordingArray(clock);
    const engine = new ScheduleEngine({ site, control: array, clock, log: silentLogger });
    await engine.setSchedules(
      [],
      [
        {
          config: sched({
            id: 'day',
            weekly: { mon: [{ from: '08:00', to: '18:00', value: 21 }] },
            outside: 16,
          }),
          origin: 'site-file',
        },
      ],
    );
    await engine.start();
    expect(array.log).toEqual([
      expect.objectContaining({
        value: 16,
        level: 14,
        source: 'schedule:day',
        ts: Date.parse('2026-12-07T06:00:00Z'),
      }),
    ]);
    expect(clock.pending).toBe(1);
    expect(engine.nextEdge).toBe(Date.parse('2026-12-07T08:00:00Z'));
    clock.advance(2 * 3_600_000);
    await settle(engine);
    expect(array.log.at(-1)).toMatchObject({ value: 21, ts: Date.parse('2026-12-07T08:00:00Z') });
    // a whole week: two edges on Monday, then the long wait wakes a few times without commanding anything
    const wakes = engine.counters.wakes;
    for (let h = 0; h < 7 * 24; h++) {
      clock.advance(3_600_000);
      await settle(engine);
    }
    expect(array.log.map((e) => [new Date(e.ts).toISOString(), e.value])).toEqual([
      ['2026-12-07T06:00:00.000Z', 16],
      ['2026-12-07T08:00:00.000Z', 21],
      ['2026-12-07T18:00:00.000Z', 16],
      ['2026-12-14T08:00:00.000Z', 21],
    ]);
    expect(engine.counters.wakes - wakes).toBeLessThanOrEqual(7 * 4 + 3); // never a tick per minute
    expect(clock.pending).toBe(1);
  });

  it('a restart mid-period commands the same value, which the array already holds: nothing written twice', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T10:00:00Z'));
    const array = new RecordingArray(clock);
    const config = sched({ id: 'day', weekly: { mon: [{ from: '08:00', to: '18:00', value: 21 }] } });
    for (let run = 0; run < 2; run++) {
      const engine = new ScheduleEngine({ site, control: array, clock, log: silentLogger });
      await engine.setSchedules([], [{ config, origin: 'api' }]);
      await engine.start();
      engine.stop();
      clock.advance(60_000);
    }
    expect(array.log).toHaveLength(1);
  });

  it('two schedules on one point: the newer period rules, then the other again, then relinquish', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T07:00:00Z'));
    const array = new RecordingArray(clock);
    const engine = new ScheduleEngine({ site, control: array, clock, log: silentLogger });
    await engine.setSchedules(
      [],
      [
        {
          config: sched({ id: 'office', weekly: { mon: [{ from: '08:00', to: '18:00', value: 22 }] } }),
          origin: 'site-file',
        },
        {
          config: sched({ id: 'lunch', weekly: { mon: [{ from: '12:00', to: '13:00', value: 19 }] } }),
          origin: 'api',
        },
      ],
    );
    await engine.start();
    for (let m = 0; m < 12 * 4; m++) {
      clock.advance(15 * 60_000);
      await settle(engine);
    }
    expect(array.log.map((e) => [new Date(e.ts).toISOString().slice(11, 16), e.value, e.source])).toEqual([
      ['08:00', 22, 'schedule:office'],
      ['12:00', 19, 'schedule:lunch'],
      ['13:00', 22, 'schedule:office'],
      ['18:00', null, 'schedule:office'],
    ]);
    expect(engine.ruling(SP, 14)).toMatchObject({ value: null, scheduleId: null });
  });

  it('an event and a calendar change the day; removing a schedule relinquishes its level', async () => {
    const clock = new ManualClock(Date.parse('2026-12-24T00:00:00Z')); // Thursday
    const array = new RecordingArray(clock);
    const engine = new ScheduleEngine({ site, control: array, clock, log: silentLogger });
    const calendars = [CalendarSchema.parse({ id: 'c', holidays: ['2026-12-25'] })];
    const s = sched({
      id: 'office',
      calendar: 'c',
      weekly: {
        thu: [{ from: '08:00', to: '18:00', value: 22 }],
        fri: [{ from: '08:00', to: '18:00', value: 22 }],
      },
      events: [{ date: '2026-12-24', from: '17:00', to: '21:00', value: 24, name: 'party' }],
    });
    await engine.setSchedules(calendars, [{ config: s, origin: 'api' }]);
    await engine.start();
    for (let h = 0; h < 48; h++) {
      clock.advance(3_600_000);
      await settle(engine);
    }
    expect(array.log.map((e) => [new Date(e.ts).toISOString().slice(5, 16), e.value])).toEqual([
      ['12-24T08:00', 22],
      ['12-24T17:00', 24],
      ['12-24T21:00', null],
    ]);
    clock.advance(9 * 3_600_000); // Saturday 09:00: a Saturday schedule arrives, then leaves
    await settle(engine);
    await engine.setSchedules(calendars, [
      {
        config: sched({ id: 'sat', weekly: { sat: [{ from: '08:00', to: '12:00', value: 20 }] } }),
        origin: 'api',
      },
    ]);
    expect(array.log.at(-1)).toMatchObject({ value: 20, source: 'schedule:sat' });
    await engine.setSchedules(calendars, []);
    expect(array.log.at(-1)).toMatchObject({ value: null, source: 'schedule:sat' });
    engine.stop();
    expect(clock.pending).toBe(0);
  });
});
