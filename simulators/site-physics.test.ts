import { describe, expect, it } from 'vitest';
import { demoSite } from '../test/demo-site-fixture.js';
import { SiteReplay } from './site-replay.js';

/**
 * The site physics through the replay (the same models the simulators serve, on a clock of their own): commanded
 * loads show in the meters, a floor's CO₂ follows its AHU's outdoor-air damper, its temperature the AHU.
 */
const { site } = demoSite('/tmp/unused-site-physics');
/** A working Tuesday, 10:00 in Shanghai. */
const T0 = Date.parse('2026-11-24T10:00:00+08:00');
const MIN = 60_000;
const kw = (r: SiteReplay, id: string) => r.read(`${id}/active_power_kw`) as number;
const lights = site.points.filter((p) => p.name === 'on_cmd').map((p) => p.id);

describe('site physics', () => {
  it('switching the B1 lighting circuits off lowers the lighting and incomer meters by their power, not the HVAC meter', () => {
    const r = new SiteReplay(site, T0 - 30 * MIN);
    r.run(T0, MIN);
    const before = {
      light: kw(r, 'b1-lighting-meter'),
      main: kw(r, 'b1-main-meter'),
      hvac: kw(r, 'b1-hvac-meter'),
    };
    for (const id of lights) r.write(id, false);
    r.run(T0 + MIN, MIN);
    const light = kw(r, 'b1-lighting-meter');
    // 28 kW of circuits at full level (5+3+6+6+5+3); the meters' own noise is a few per cent of the rest
    expect(before.light - light).toBeGreaterThan(26);
    expect(before.light - light).toBeLessThan(30);
    expect(before.main - kw(r, 'b1-main-meter')).toBeGreaterThan(20);
    expect(Math.abs(before.hvac - kw(r, 'b1-hvac-meter'))).toBeLessThan(0.1 * before.hvac);
  });

  it('stopping the AHUs takes their fans and the chillers’ load off the HVAC meter', () => {
    const r = new SiteReplay(site, T0 - 30 * MIN);
    r.run(T0, MIN);
    const running = kw(r, 'b1-hvac-meter');
    for (const a of ['b1-ahu-1', 'b1-ahu-2']) r.write(`${a}/run_cmd`, false);
    r.run(T0 + 10 * MIN, MIN);
    expect(r.read('b1-ahu-1/running')).toBe(false);
    expect(r.read('b1-chiller-1/load_pct')).toBe(0);
    expect(kw(r, 'b1-hvac-meter')).toBeLessThan(running - 100);
  });

  it('CO₂ on an occupied floor rises with the damper nearly shut and falls when it opens (demand-controlled ventilation)', () => {
    const r = new SiteReplay(site, T0 - 60 * MIN);
    r.write('b1-ahu-2/oa_damper_cmd', 10);
    r.run(T0 + 60 * MIN, MIN);
    const shut = r.read('b1-f2-env/co2_ppm') as number;
    expect(shut).toBeGreaterThan(1000);
    r.write('b1-ahu-2/oa_damper_cmd', 100);
    r.run(T0 + 120 * MIN, MIN);
    const open = r.read('b1-f2-env/co2_ppm') as number;
    expect(open).toBeLessThan(shut - 300);
    expect(open).toBeLessThan(750);
    // the other AHU's floors are not its business
    expect(r.read('b1-ahu-2/damper_pct')).toBe(100);
  });

  it('a floor approaches its AHU’s zone setpoint while it runs and drifts toward outdoor when it stops at night', () => {
    const evening = T0 + 8 * 60 * MIN; // 18:00
    const r = new SiteReplay(site, evening - 4 * 60 * MIN);
    r.write('b1-ahu-2/zone_temp_setpoint_c', 23);
    r.run(evening, MIN);
    const held = r.read('b1-f2-env/temp_c') as number;
    expect(Math.abs(held - 23.3)).toBeLessThan(0.5); // setpoint plus the people's warmth
    r.write('b1-ahu-2/run_cmd', false);
    r.run(evening + 6 * 60 * MIN, MIN);
    const drifted = r.read('b1-f2-env/temp_c') as number;
    const outdoor = r.physics.outdoorC();
    expect(drifted).toBeLessThan(held - 1.5);
    expect(drifted).toBeGreaterThan(outdoor);
  });
});
