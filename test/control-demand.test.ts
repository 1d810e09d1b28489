import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { startControlSimulation } from './control-fixtures.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

/**
 * Demand limiting through the real hub against the simulated BACnet controllers, on a manual clock: the main
 * meter's power is driven through the simulator's control API; the plan sheds the chilled-water setpoint by
 * two steps, floor 1's lights and pump 2, in order, a step a minute, at level 10 on the devices' own arrays;
 * keeps them across a restart; holds in the hysteresis band; restores in reverse, a load a minute.
 */

const PLAN = `
  defaults:
    - { point: chiller-1/chw_setpoint, value: 7 }
  demandLimit:
    - id: b1
      name: Building 1 contract
      meter: main-meter
      limitKw: 400
      shedAtPercent: 95
      restoreAtPercent: 85
      stepSeconds: 60
      restoreStaggerSeconds: 60
      loads:
        - { name: chw-setpoint, targets: { points: [chiller-1/chw_setpoint] }, raiseBy: 1, steps: 2, max: 9 }
        - { name: lighting, targets: { groups: [{ zone: b1-f1, kind: lighting, point: on_cmd }] }, value: false }
        - { name: pumps, targets: { points: [pump-2/run_cmd] }, value: false }
`;
/** The start of a 15-minute demand window. */
const START = Date.parse('2026-12-07T10:00:00+08:00');

let sim: Awaited<ReturnType<typeof startControlSimulation>>;
let hub: Hub;
const clock = new ManualClock(START);
const dataDir = tempDataDir();

/** Level 10 (demand-limit) of an object's priority array on the simulated device. */
const shed = (device: Parameters<typeof sim.object>[0], object: string) =>
  sim.object(device, object).priority![9];
const chw = () => shed('plant-ctl', 'analog-value:1');
const lights = () => shed('lc-ctl', 'binary-output:2');
const pump = () => shed('plant-ctl', 'binary-value:1');
const snapshot = () => [chw(), lights(), pump()];
const t = () => (clock.now() - START) / 1000;

async function settle(): Promise<void> {
  await hub.demand.settled();
  await new Promise((r) => setTimeout(r, 10));
}

/** Move the hub's clock a second at a time until `to` seconds into the test, each step's work finished. */
async function advanceTo(to: number): Promise<void> {
  while (t() < to) {
    clock.advance(1_000);
    await settle();
  }
}

/** The meter's power through the simulator's control API, once the hub has it. */
async function power(kw: number): Promise<void> {
  await sim.set('meter-ctl', 'analog-input:1', kw);
  await waitFor(
    () => hub.latest.get('main-meter/power_kw')?.value === kw,
    5_000,
    () => `power ${kw} kW`,
  );
  await settle();
}

async function startHub(): Promise<Hub> {
  const h = await buildHub(
    testHubOptions(sim.site({ hubHost: '127.0.0.93', dataDir }), { live: false, clock }),
  );
  await h.start();
  await waitFor(
    () =>
      ['plant-ctl', 'lc-ctl', 'meter-ctl'].every(
        (id) => h.supervisor.linkHealth().find((l) => l.linkId === `bacnet:${id}`)?.state === 'up',
      ) && typeof h.latest.get('main-meter/power_kw')?.value === 'number',
    15_000,
    () => 'the controllers up and the meter read',
  );
  return h;
}

async function plan() {
  const s = await sessionAs(hub, ['viewer']);
  const res = await hub.http.inject({ method: 'GET', url: '/api/v1/control/demand', headers: s.headers });
  expect(res.statusCode).toBe(200);
  return res.json()[0];
}

beforeAll(async () => {
  sim = await startControlSimulation({ simHost: '127.0.0.83', control: PLAN });
  await sim.set('meter-ctl', 'analog-input:1', 300);
  hub = await startHub();
  // the site file's default reaches the chiller (retried on the clock while its link came up)
  for (let i = 0; sim.object('plant-ctl', 'analog-value:1').priority![15] !== 7; i++) {
    if (i > 60) throw new Error('the chiller default was never written');
    clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 20));
  }
  clock.advance(START + 900_000 - clock.now()); // to the start of the next window: the test counts from there
}, 30_000);

afterAll(async () => {
  await hub?.stop();
  await sim?.stop();
});

describe('demand limiting', () => {
  it('sheds in order, one step a minute, at level 10, never beyond max; a restart keeps the sheds', async () => {
    await power(300);
    await advanceTo(930);
    expect(snapshot()).toEqual([null, null, null]); // 300 kW: under 380
    expect(await plan()).toMatchObject({ forecastKw: 300, limitKw: 400, shedAtKw: 380, stage: 'normal' });

    await power(500);
    const s0 = t();
    await waitFor(
      () => chw() === 8,
      5_000,
      () => `the first step, chw at ${chw()}`,
    );
    expect(hub.control.state('chiller-1/chw_setpoint')!.effective).toEqual({
      value: 8,
      level: 10,
      source: 'demand-limit:b1',
    });
    await advanceTo(s0 + 59);
    expect(snapshot()).toEqual([8, null, null]);
    await advanceTo(s0 + 60);
    await waitFor(
      () => chw() === 9,
      5_000,
      () => `step 2, chw at ${chw()}`,
    );
    await advanceTo(s0 + 120);
    await waitFor(
      () => lights() === 0,
      5_000,
      () => `lights shed, ${lights()}`,
    );
    expect(pump()).toBeNull();
    await advanceTo(s0 + 180);
    await waitFor(
      () => pump() === 0,
      5_000,
      () => `pump shed, ${pump()}`,
    );
    await advanceTo(s0 + 300);
    expect(snapshot()).toEqual([9, 0, 0]); // max 9: a third raise is not in the plan
    const p = await plan();
    expect(p).toMatchObject({ stage: 'shedding', forecastKw: expect.any(Number) });
    expect(p.forecastKw).toBeGreaterThan(380);
    expect(
      p.loads.map((l: { name: string; shed: boolean; steps: number }) => [l.name, l.shed, l.steps]),
    ).toEqual([
      ['chw-setpoint', true, 2],
      ['lighting', true, 1],
      ['pumps', true, 1],
    ]);
    expect(p.loads[0].values).toEqual([{ point: 'chiller-1/chw_setpoint', value: 9 }]);
    expect(hub.audit.query({ action: 'demand.shed', limit: 10 })).toHaveLength(4);

    await hub.stop();
    hub = await startHub();
    await settle();
    const after = await plan();
    expect(after.loads.map((l: { shed: boolean; since: number }) => [l.shed, l.since])).toEqual(
      p.loads.map((l: { shed: boolean; since: number }) => [l.shed, l.since]),
    );
    expect(snapshot()).toEqual([9, 0, 0]);
  }, 60_000);

  it('holds between the thresholds, then restores in reverse order a load a minute', async () => {
    // the next window: the forecast starts from the power now
    const next = Math.ceil((clock.now() - START) / 900_000) * 900;
    await advanceTo(next);
    await power(360); // 340 ≤ 360 < 380: the hysteresis band
    const h0 = t();
    await advanceTo(h0 + 240);
    expect(snapshot()).toEqual([9, 0, 0]);
    expect(await plan()).toMatchObject({ stage: 'holding', forecastKw: 360 });

    await power(300);
    const r0 = t();
    await waitFor(
      () => pump() === null,
      5_000,
      () => `pump restored, ${pump()}`,
    );
    expect(snapshot()).toEqual([9, 0, null]);
    await advanceTo(r0 + 59);
    expect(snapshot()).toEqual([9, 0, null]);
    await advanceTo(r0 + 60);
    await waitFor(
      () => lights() === null,
      5_000,
      () => `lights restored, ${lights()}`,
    );
    expect(chw()).toBe(9);
    await advanceTo(r0 + 120);
    await waitFor(
      () => chw() === null,
      5_000,
      () => `chw restored, ${chw()}`,
    );
    expect(hub.control.state('chiller-1/chw_setpoint')!.effective).toMatchObject({ value: 7, level: 16 });
    expect(await plan()).toMatchObject({ stage: 'normal' });
    expect(
      hub.audit
        .query({ action: 'demand.restored', limit: 10 })
        .map((e) => (e.after as { load: string }).load)
        .reverse(),
    ).toEqual(['pumps', 'lighting', 'chw-setpoint']);
  }, 60_000);
});
