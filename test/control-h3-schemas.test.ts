import { describe, expect, it } from 'vitest';
import { controlSite, controlSiteErrors } from './control-fixtures.js';

/** The site file's scenes, occupancy and demand-limit plans: what is accepted, and each mistake at its path. */

const GOOD = `
  scenes:
    - id: after-hours
      name: 下班模式 After hours
      roles: [engineer, supervisor, admin]
      commands:
        - { targets: { groups: [{ zone: b1, kind: lighting, point: on_cmd }] }, value: false }
    - id: evacuation
      name: Evacuation
      level: life-safety
      roles: [security, admin]
      commands:
        - { targets: { groups: [{ kind: gate, point: hold_open }] }, value: true }
        - { targets: { points: [lift-1/floor_cmd] }, value: 0 }
        - { targets: { points: [ahu-2/smoke_mode] }, value: true }
  occupancy:
    - zone: b1-f2
      people: { gates: true, motion: [f2-env/occupied] }
      co2: [f2-env/co2]
      dcv: { targets: { points: [ahu-2/oa_damper_cmd] }, co2Low: 600, co2High: 1000, min: 20, max: 100 }
      lighting: { targets: { groups: [{ zone: b1-f2, kind: lighting, point: on_cmd }] }, offAfterMinutes: 15 }
      setback: { targets: { points: [ahu-2/supply_temp_setpoint] }, value: 28, afterMinutes: 30 }
  demandLimit:
    - id: b1
      meter: main-meter
      limitKw: 400
      loads:
        - { name: chw-setpoint, targets: { points: [chiller-1/chw_setpoint] }, raiseBy: 1, steps: 3, max: 10 }
        - { name: lighting, targets: { groups: [{ zone: b1-f1, kind: lighting, point: on_cmd }] }, value: false }
        - { name: pumps, targets: { points: [pump-2/run_cmd] }, value: false }
`;

describe('control: scenes, occupancy, demandLimit in the site file', () => {
  it('accepts the spec’s shapes, with defaults filled in', () => {
    const site = controlSite({ control: GOOD });
    const c = site.config.control;
    expect(c.scenes.map((s) => [s.id, s.level])).toEqual([
      ['after-hours', 'automation'],
      ['evacuation', 'life-safety'],
    ]);
    expect(c.occupancy[0]!.dcv!.deadband).toBe(2);
    expect(c.demandLimit[0]).toMatchObject({
      shedAtPercent: 95,
      restoreAtPercent: 85,
      stepSeconds: 60,
      restoreStaggerSeconds: 60,
    });
  });

  it('reports each mistake at its exact path', () => {
    const errors = controlSiteErrors({
      control: `
  scenes:
    - id: s1
      name: S1
      level: 17
      roles: [engineer, janitor]
      commands:
        - { targets: { points: [ahu-2/oa_damper_cmd, nowhere/x] }, value: 50 }
        - { targets: { points: [ahu-2/oa_damper_cmd] }, value: 150 }
        - { targets: { points: [ahu-2/fan_cmd] }, value: 1 }
        - { targets: { points: [f2-env/co2] }, value: 1 }
        - { targets: { groups: [{ zone: nowhere, point: on_cmd }] }, value: true }
    - { id: s1, name: again, roles: [admin], commands: [{ targets: { points: [pump-2/run_cmd] }, value: true }] }
  occupancy:
    - zone: b9
      people: { motion: [f2-env/nope], schedule: office }
      co2: [f2-env/occupied]
      dcv: { targets: { points: [ahu-2/oa_damper_cmd] }, co2Low: 1000, co2High: 600, min: 20, max: 120 }
    - zone: b1-f2
      dcv: { targets: { points: [ahu-2/oa_damper_cmd] }, co2Low: 600, co2High: 1000, min: 20, max: 120 }
      setback: { targets: { points: [ahu-2/supply_temp_setpoint] }, value: 35, afterMinutes: 30 }
      lighting: { targets: { points: [ahu-2/supply_temp_setpoint] }, offAfterMinutes: 0 }
  demandLimit:
    - id: b1
      meter: nope
      limitKw: 400
      shedAtPercent: 80
      restoreAtPercent: 90
      loads:
        - { name: chw, targets: { points: [chiller-1/chw_setpoint] }, raiseBy: 1, steps: 3, max: 14 }
        - { name: chw2, targets: { points: [chiller-1/chw_setpoint] }, raiseBy: 1 }
        - { name: both, targets: { points: [pump-2/run_cmd] }, raiseBy: 1, max: 2, value: false }
        - { name: pump, targets: { points: [pump-2/run_cmd] }, value: 3 }
        - { name: lights, targets: { points: [f1-lights/on_cmd] }, raiseBy: 1, max: 1 }
`,
    });
    const at = (path: string) => errors.filter((e) => e.startsWith(`${path}:`));
    expect(at('control.scenes[0].level'), errors.join('\n')).toHaveLength(1);
    expect(at('control.occupancy[0].dcv.co2High')[0]).toMatch(/co2High must be above co2Low/);
    expect(at('control.occupancy[1].lighting.offAfterMinutes')[0]).toMatch(/minutes > 0/);
    expect(at('control.demandLimit[0].restoreAtPercent')[0]).toMatch(/below shedAtPercent/);
    expect(at('control.demandLimit[0].loads[1].max')[0]).toMatch(/raiseBy needs max/);
    expect(at('control.demandLimit[0].loads[2]')[0]).toMatch(/either raiseBy .* or value/);
  });

  it('cross-checks against the site: roles, points, values, zones, schedules, meters, bounds', () => {
    const errors = controlSiteErrors({
      control: `
  scenes:
    - id: s1
      name: S1
      roles: [engineer, janitor]
      commands:
        - { targets: { points: [ahu-2/oa_damper_cmd, nowhere/x] }, value: 50 }
        - { targets: { points: [ahu-2/oa_damper_cmd] }, value: 150 }
        - { targets: { points: [ahu-2/fan_cmd] }, value: 1 }
        - { targets: { points: [f2-env/co2] }, value: 1 }
        - { targets: { groups: [{ zone: nowhere, point: on_cmd }] }, value: true }
    - { id: s1, name: again, roles: [admin], commands: [{ targets: { points: [pump-2/run_cmd] }, value: true }] }
  occupancy:
    - zone: b9
      people: { motion: [f2-env/nope], schedule: office }
      co2: [f2-env/occupied]
    - zone: b1-f2
      dcv: { targets: { points: [ahu-2/oa_damper_cmd] }, co2Low: 600, co2High: 1000, min: 20, max: 120 }
      setback: { targets: { points: [ahu-2/supply_temp_setpoint] }, value: 35, afterMinutes: 30 }
      lighting: { targets: { points: [pump-2/run_cmd, lift-1/floor_cmd] }, offAfterMinutes: 5 }
  demandLimit:
    - id: b1
      meter: nope
      limitKw: 400
      loads:
        - { name: chw, targets: { points: [chiller-1/chw_setpoint] }, raiseBy: 1, steps: 3, max: 14 }
        - { name: pump, targets: { points: [pump-2/run_cmd] }, value: 3 }
        - { name: lights, targets: { points: [f1-lights/on_cmd] }, raiseBy: 1, max: 1 }
    - { id: b1, meter: main-meter, limitKw: 10, loads: [{ name: p, targets: { points: [pump-2/run_cmd] }, value: false }] }
`,
    });
    expect(errors.sort()).toEqual(
      [
        'control.scenes[0].roles[1]: no role "janitor" (roles: viewer, requester, engineer, technician, dispatcher, approver, supervisor, security, admin)',
        'control.scenes[0].commands[0].targets.points[1]: no point nowhere/x in the site',
        "control.scenes[0].commands[1].value: 150 is above ahu-2/oa_damper_cmd's maximum 100",
        'control.scenes[0].commands[2].value: ahu-2/fan_cmd takes true or false, got 1',
        'control.scenes[0].commands[3].targets.points[0]: f2-env/co2 is a measurement point; expected a command point',
        'control.scenes[0].commands[4].targets.groups[0].zone: no zone nowhere in the site',
        'control.scenes[1].id: duplicate scene id "s1"',
        'control.occupancy[0].zone: no zone b9 in the site',
        'control.occupancy[0].people.motion[0]: no point f2-env/nope in the site',
        'control.occupancy[0].people.schedule: no schedule office in the site (schedules:)',
        'control.occupancy[0].co2[0]: f2-env/occupied is not a number point',
        'control.occupancy[1].co2: DCV needs at least one CO₂ point',
        "control.occupancy[1].dcv.max: 120 is above ahu-2/oa_damper_cmd's maximum 100",
        "control.occupancy[1].setback.value: 35 is above ahu-2/supply_temp_setpoint's maximum 30",
        'control.demandLimit[0].meter: no meter nope (energy.meters, or an electricity meter asset)',
        "control.demandLimit[0].loads[0].max: 14 is above chiller-1/chw_setpoint's maximum 12",
        'control.demandLimit[0].loads[1].value: pump-2/run_cmd takes true or false, got 3',
        'control.demandLimit[0].loads[2].raiseBy: f1-lights/on_cmd is not a number point; use value',
        'control.demandLimit[1].id: duplicate plan id "b1"',
      ].sort(),
    );
  });

  it('a plan names its meter by energy.meters id or by the meter asset; power from the asset’s power point', () => {
    const plan = (meter: string) => `
  demandLimit:
    - { id: p, meter: ${meter}, limitKw: 10, loads: [{ name: p, targets: { points: [pump-2/run_cmd] }, value: false }] }
`;
    const extra = 'energy:\n  meters:\n    - { id: main, point: main-meter/energy_kwh }\n';
    expect(controlSiteErrors({ extra, control: plan('main') })).toEqual([]);
    expect(controlSiteErrors({ extra, control: plan('main-meter') })).toEqual([]);
    expect(controlSiteErrors({ extra, control: plan('pump-2') })).toEqual([
      'control.demandLimit[0].meter: no meter pump-2 (energy.meters, or an electricity meter asset)',
    ]);
  });
});
