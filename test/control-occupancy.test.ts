import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { startControlSimulation } from './control-fixtures.js';
import { sessionAs, testHubOptions, waitFor } from './hub-harness.js';

/**
 * Occupancy-driven control through the real hub against the simulated BACnet controllers, the hub on a manual
 * clock: DCV follows the CO₂ the simulator reports (its control API), floor 2's lights go off after 15 minutes
 * without motion and come back to the level below when someone is seen; the AHU's setback after 30 minutes.
 */

const OCCUPANCY = `
  occupancy:
    - zone: b1-f2
      people: { motion: [f2-env/occupied] }
      co2: [f2-env/co2]
      dcv: { targets: { points: [ahu-2/oa_damper_cmd] }, co2Low: 600, co2High: 1000, min: 20, max: 100 }
      lighting: { targets: { groups: [{ zone: b1-f2, kind: lighting, point: on_cmd }] }, offAfterMinutes: 15 }
      setback: { targets: { points: [ahu-2/supply_temp_setpoint] }, value: 28, afterMinutes: 30 }
`;
const MIN = 60_000;

let sim: Awaited<ReturnType<typeof startControlSimulation>>;
let hub: Hub;
const clock = new ManualClock(Date.parse('2026-12-07T09:00:00+08:00'));

/** Level n of an object's priority array on the simulated device. */
const level = (device: Parameters<typeof sim.object>[0], object: string, n: number) =>
  sim.object(device, object).priority![n - 1];
const damper = () => level('ahu-ctl', 'analog-output:1', 12);
const lights = () => level('lc-ctl', 'binary-output:1', 12);
const setback = () => level('ahu-ctl', 'analog-value:1', 12);

/** Move the hub's clock in 5-second steps, letting each pass of the zones finish. */
async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5_000) {
    clock.advance(Math.min(5_000, ms - t));
    await hub.occupancy.settled();
  }
}

/**
 * Wait for a condition with the hub's clock moving a second per try (a write the array retries, a pass of the
 * zones): at most `maxMs` of hub time.
 */
async function until(cond: () => boolean, what: () => string, maxMs = 30_000): Promise<void> {
  for (let t = 0; !cond(); t += 1_000) {
    if (t > maxMs) throw new Error(`not within ${maxMs / 1000} s of hub time: ${what()}`);
    clock.advance(1_000);
    await hub.occupancy.settled();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An input's value through the simulator's control API, then wait until the hub has it. */
async function sense(object: string, value: number, pointId: string, expected: number | boolean) {
  await sim.set('env-ctl', object, value);
  await until(
    () => hub.latest.get(pointId)?.value === expected,
    () => `${pointId} = ${expected}`,
  );
  await hub.occupancy.settled();
}

beforeAll(async () => {
  sim = await startControlSimulation({ simHost: '127.0.0.82', control: OCCUPANCY });
  await sim.set('env-ctl', 'analog-input:1', 450);
  await sim.set('env-ctl', 'binary-input:1', 1);
  hub = await buildHub(testHubOptions(sim.site({ hubHost: '127.0.0.92' }), { live: false, clock }));
  await hub.start();
  await waitFor(
    () =>
      ['ahu-ctl', 'lc-ctl', 'env-ctl'].every(
        (id) => hub.supervisor.linkHealth().find((l) => l.linkId === `bacnet:${id}`)?.state === 'up',
      ) &&
      hub.latest.get('f2-env/co2')?.value === 450 &&
      hub.latest.get('f2-env/occupied')?.value === true,
    15_000,
    () => 'the controllers up and floor 2 sensed',
  );
}, 30_000);

afterAll(async () => {
  await hub?.stop();
  await sim?.stop();
});

describe('occupancy-driven control', () => {
  it('DCV: the outdoor-air damper follows CO₂ at level 12, only beyond its deadband', async () => {
    await advance(5_000);
    await until(
      () => damper() === 20,
      () => `damper at 20, is ${damper()}`,
    ); // 450 ppm ≤ co2Low
    expect(hub.control.state('ahu-2/oa_damper_cmd')!.effective).toEqual({
      value: 20,
      level: 12,
      source: 'occupancy:b1-f2',
    });
    await sense('analog-input:1', 800, 'f2-env/co2', 800);
    await until(
      () => damper() === 60,
      () => `damper at 60, is ${damper()}`,
    );
    await sense('analog-input:1', 810, 'f2-env/co2', 810); // 62 %: within the 2 % deadband
    await advance(10_000);
    expect(damper()).toBe(60);
    await sense('analog-input:1', 1400, 'f2-env/co2', 1400);
    await until(
      () => damper() === 100,
      () => `damper at 100, is ${damper()}`,
    );
    await sense('analog-input:1', 500, 'f2-env/co2', 500);
    await until(
      () => damper() === 20,
      () => `damper at 20, is ${damper()}`,
    );
  });

  it('lights off after 15 minutes unoccupied, the setback after 30; both relinquished when someone is back', async () => {
    expect(lights()).toBeNull();
    await sense('binary-input:1', 0, 'f2-env/occupied', false);
    await advance(14 * MIN);
    expect(lights()).toBeNull(); // not yet
    const viewer = await sessionAs(hub, ['viewer']);
    const zone = () =>
      hub.http
        .inject({ method: 'GET', url: '/api/v1/control/occupancy', headers: viewer.headers })
        .then((r) => r.json()[0]);
    const empty = await zone();
    expect(empty).toMatchObject({ zone: 'b1-f2', occupied: false, occupiedSince: null, co2: 500 });
    expect(clock.now() - empty.emptySince).toBeGreaterThanOrEqual(14 * MIN);
    await advance(1.5 * MIN);
    await until(
      () => lights() === 0,
      () => `floor 2's lights off, is ${lights()}`,
    );
    expect(level('lc-ctl', 'binary-output:2', 12)).toBeNull(); // floor 1 is another zone
    expect(setback()).toBeNull();
    await advance(15 * MIN);
    await until(
      () => setback() === 28,
      () => `setback 28, is ${setback()}`,
    );
    const z = await zone();
    expect(z.lighting).toMatchObject({ off: true });
    expect(z.setback).toMatchObject({ on: true, value: 28 });
    expect(z.commands.map((c: { point: string; value: unknown }) => [c.point, c.value]).sort()).toEqual([
      ['ahu-2/oa_damper_cmd', 20],
      ['ahu-2/supply_temp_setpoint', 28],
      ['f2-lights/on_cmd', false],
    ]);

    await sense('binary-input:1', 1, 'f2-env/occupied', true);
    await until(
      () => lights() === null && setback() === null,
      () => 'lights and setback relinquished',
    );
    expect(hub.control.state('f2-lights/on_cmd')!.slots).toEqual([]);
    expect(await zone()).toMatchObject({ occupied: true, lighting: { off: false }, setback: { on: false } });
  }, 60_000);
});
