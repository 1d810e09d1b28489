import { describe, expect, it } from 'vitest';
import {
  applyShed,
  decideShed,
  emptyShedState,
  raisedValue,
  type ShedPlan,
  type ShedState,
  shedStage,
} from './demand-shedder.js';
import { beyondDeadband, dcvValue, isOccupied, OccupancyTimeline } from './occupancy-logic.js';

const plan: ShedPlan = {
  limitKw: 400,
  shedAtPercent: 95, // 380
  restoreAtPercent: 85, // 340
  stepSeconds: 60,
  restoreStaggerSeconds: 120,
  loads: [{ steps: 2 }, { steps: 1 }, { steps: 1 }],
};

/** Run the machine over (seconds, kW) samples; the decisions taken, as text. */
function run(samples: [number, number][], start: ShedState = emptyShedState()) {
  let state = start;
  const out: string[] = [];
  for (const [s, kw] of samples) {
    const d = decideShed(plan, state, kw, s * 1000);
    if (!d) continue;
    out.push(d.kind === 'shed' ? `${s}:shed ${d.load}.${d.step}` : `${s}:restore ${d.load}`);
    state = applyShed(state, d, s * 1000);
  }
  return { out, state };
}

describe('demand shedding state machine', () => {
  it('sheds step by step in order, at most one step per stepSeconds, a raise load through all its steps first', () => {
    const samples: [number, number][] = [];
    for (let s = 0; s <= 300; s += 10) samples.push([s, 390]);
    const { out, state } = run(samples);
    expect(out).toEqual(['0:shed 0.1', '60:shed 0.2', '120:shed 1.1', '180:shed 2.1']); // then nothing left
    expect(state.shed.map((l) => [l.load, l.steps, l.since])).toEqual([
      [0, 2, 0],
      [1, 1, 120_000],
      [2, 1, 180_000],
    ]);
  });

  it('holds in the hysteresis band and restores in reverse order, restoreStaggerSeconds apart', () => {
    const shed = run([
      [0, 400],
      [60, 400],
      [120, 400],
    ]).state;
    expect(shed.shed.map((l) => l.load)).toEqual([0, 1]);
    // 360 kW: below the shed threshold (380), above restore (340): nothing
    expect(
      run(
        [
          [200, 360],
          [400, 360],
          [600, 379.9],
        ],
        shed,
      ).out,
    ).toEqual([]);
    expect(shedStage(plan, shed, 360)).toBe('holding');
    expect(shedStage(plan, shed, 390)).toBe('shedding');
    expect(shedStage(plan, shed, 300)).toBe('restoring');
    const back = run(
      [
        [130, 300], // 10 s after the last shed: too soon
        [240, 300],
        [300, 300],
        [359, 300],
        [360, 300],
        [500, 300],
      ],
      shed,
    );
    expect(back.out).toEqual(['240:restore 1', '360:restore 0']);
    expect(back.state.shed).toEqual([]);
    expect(shedStage(plan, back.state, 300)).toBe('normal');
  });

  it('sheds again after a partial restore, from where it stands', () => {
    const s = run([
      [0, 400],
      [60, 400],
      [120, 400],
      [300, 300], // restores load 1
      [330, 390], // over again: load 1 is next
    ]);
    expect(s.out).toEqual(['0:shed 0.1', '60:shed 0.2', '120:shed 1.1', '300:restore 1', '330:shed 1.1']);
  });

  it('no forecast: nothing changes', () => {
    expect(decideShed(plan, emptyShedState(), undefined, 0)).toBeUndefined();
  });

  it('raises a setpoint from its base by steps, never beyond max', () => {
    expect(raisedValue(7, 1, 1, 10)).toBe(8);
    expect(raisedValue(7, 1.5, 3, 10)).toBe(10);
    expect(raisedValue(11, 1, 1, 10)).toBe(11); // already above the bound: left where it is
  });
});

describe('occupancy logic', () => {
  const curve = { co2Low: 600, co2High: 1000, min: 20, max: 100 };
  it('DCV: min at co2Low and below, max at co2High and above, proportional between', () => {
    expect(dcvValue(400, curve)).toBe(20);
    expect(dcvValue(600, curve)).toBe(20);
    expect(dcvValue(800, curve)).toBe(60);
    expect(dcvValue(900, curve)).toBe(80);
    expect(dcvValue(1000, curve)).toBe(100);
    expect(dcvValue(1500, curve)).toBe(100);
  });
  it('deadband: the first value, then only changes beyond it', () => {
    expect(beyondDeadband(undefined, 20, 2)).toBe(true);
    expect(beyondDeadband(20, 22, 2)).toBe(false);
    expect(beyondDeadband(20, 22.5, 2)).toBe(true);
  });
  it('occupied by people on site, motion, or the schedule', () => {
    expect(isOccupied({ motion: [false, null] })).toBe(false);
    expect(isOccupied({ motion: [false, true] })).toBe(true);
    expect(isOccupied({ motion: [0, 2] })).toBe(true);
    expect(isOccupied({ motion: [], people: 3 })).toBe(true);
    expect(isOccupied({ motion: [], people: 0, scheduled: true })).toBe(true);
  });
  it('the timeline: since when occupied or empty', () => {
    const t = new OccupancyTimeline();
    expect(t.update(true, 0)).toBe(true);
    expect(t.update(true, 10)).toBe(false);
    expect(t.emptyFor(100)).toBe(0);
    t.update(false, 100);
    expect(t.emptyFor(700)).toBe(600);
  });
});
