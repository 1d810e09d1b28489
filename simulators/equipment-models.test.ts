import { describe, expect, it } from 'vitest';
import { EquipmentModel, type ModelPoint } from './equipment-models.js';

const num = (name: string, kind: ModelPoint['kind'] = 'measurement'): ModelPoint => ({
  name,
  type: 'number',
  kind,
});
const bool = (name: string, kind: ModelPoint['kind'] = 'state'): ModelPoint => ({
  name,
  type: 'boolean',
  kind,
});

const chillerPoints = [
  bool('running'),
  num('chw_supply_temp_c'),
  num('chw_return_temp_c'),
  num('load_pct'),
  num('power_kw'),
  num('cop'),
  num('run_hours_h', 'counter'),
  num('fault_code', 'state'),
  num('chw_setpoint_c', 'command'),
];
const ahuPoints = [
  bool('running'),
  num('supply_air_temp_c'),
  num('supply_air_setpoint_c', 'command'),
  num('return_air_temp_c'),
  num('fan_speed_pct'),
  num('filter_dp_pa'),
  num('damper_pct'),
  num('fault_code', 'state'),
];
const pumpPoints = [
  bool('running'),
  num('outlet_pressure_kpa'),
  num('current_a'),
  num('vibration_mm_s'),
  num('fault_code', 'state'),
  bool('run_command', 'command'),
];
const elevatorPoints: ModelPoint[] = [
  { name: 'state', type: 'string', kind: 'state' },
  num('floor', 'state'),
  bool('moving'),
  bool('door_open'),
  num('door_cycles', 'counter'),
  num('fault_code', 'state'),
];

/** Step a model n times by dtMs. */
const run = (m: EquipmentModel, n: number, dtMs = 1000) => {
  for (let i = 0; i < n; i++) m.step(dtMs);
};
const n = (m: EquipmentModel, name: string) => m.value(name) as number;

describe('chiller', () => {
  it('runs near its 7 °C setpoint with believable load, power and COP', () => {
    const m = new EquipmentModel('chiller', chillerPoints, 'c1');
    run(m, 60);
    expect(m.value('running')).toBe(true);
    expect(n(m, 'chw_supply_temp_c')).toBeCloseTo(7, 0);
    const dt = n(m, 'chw_return_temp_c') - n(m, 'chw_supply_temp_c');
    expect(dt).toBeGreaterThan(0.3);
    expect(dt).toBeLessThan(5.5);
    expect(n(m, 'cop')).toBeGreaterThan(3.5);
    expect(n(m, 'cop')).toBeLessThan(6.1);
    const expectedKw = (800 * n(m, 'load_pct')) / 100 / n(m, 'cop');
    expect(n(m, 'power_kw')).toBeCloseTo(expectedKw, -1);
    expect(m.value('fault_code')).toBe(0);
  });

  it('a setpoint change moves the supply temperature over minutes (τ ≈ 3 min)', () => {
    const m = new EquipmentModel('chiller', chillerPoints, 'c1');
    run(m, 10);
    expect(m.write('chw_setpoint_c', 10)).toBe('ok');
    run(m, 60); // 1 min: part way
    const oneMin = n(m, 'chw_supply_temp_c');
    expect(oneMin).toBeGreaterThan(7.5);
    expect(oneMin).toBeLessThan(9.5);
    run(m, 20, 60_000); // 20 more minutes: there
    expect(n(m, 'chw_supply_temp_c')).toBeCloseTo(10, 0);
  });

  it('counts run hours while running; a fault stops it and 0 clears the fault', () => {
    const m = new EquipmentModel('chiller', chillerPoints, 'c1');
    const h0 = n(m, 'run_hours_h');
    m.step(3_600_000);
    expect(n(m, 'run_hours_h')).toBeCloseTo(h0 + 1, 3);
    m.setFaultCode(101);
    expect(m.value('fault_code')).toBe(101);
    expect(m.value('running')).toBe(false);
    expect(n(m, 'power_kw')).toBe(0);
    const h1 = n(m, 'run_hours_h');
    m.step(3_600_000);
    expect(n(m, 'run_hours_h')).toBe(h1);
    m.setFaultCode(0);
    expect(m.value('running')).toBe(true);
  });

  it('only command points are writable, with the right type', () => {
    const m = new EquipmentModel('chiller', chillerPoints, 'c1');
    expect(m.write('chw_supply_temp_c', 3)).toBe('read-only');
    expect(m.write('chw_setpoint_c', true)).toBe('bad-type');
    expect(m.write('nope', 1)).toBe('read-only');
  });
});

describe('AHU', () => {
  it('supply air follows its setpoint (τ ≈ 2 min); return air stays 24–26 °C', () => {
    const m = new EquipmentModel('ahu', ahuPoints, 'a1');
    run(m, 30);
    expect(n(m, 'supply_air_temp_c')).toBeCloseTo(16, 0);
    expect(m.write('supply_air_setpoint_c', 20)).toBe('ok');
    run(m, 120); // 2 min ≈ one τ: about 63 % of the way
    expect(n(m, 'supply_air_temp_c')).toBeGreaterThan(17.8);
    expect(n(m, 'supply_air_temp_c')).toBeLessThan(19.2);
    run(m, 15, 60_000);
    expect(n(m, 'supply_air_temp_c')).toBeCloseTo(20, 0);
    expect(n(m, 'return_air_temp_c')).toBeGreaterThanOrEqual(23.8);
    expect(n(m, 'return_air_temp_c')).toBeLessThanOrEqual(26.2);
    expect(n(m, 'fan_speed_pct')).toBeGreaterThan(50);
  });

  it('the filter starts near 120 Pa, rises slowly, and fast when clogging', () => {
    const m = new EquipmentModel('ahu', ahuPoints, 'a1');
    const dp0 = n(m, 'filter_dp_pa');
    expect(dp0).toBeGreaterThan(110);
    expect(dp0).toBeLessThan(130);
    m.step(3_600_000);
    expect(n(m, 'filter_dp_pa')).toBeLessThan(dp0 + 3);
    expect(m.setFilterClogging(200)).toBe(true);
    run(m, 2, 3_600_000);
    expect(n(m, 'filter_dp_pa')).toBeGreaterThan(dp0 + 390);
    m.setFilterClogging(0);
    const dp1 = n(m, 'filter_dp_pa');
    m.step(3_600_000);
    expect(n(m, 'filter_dp_pa')).toBeLessThan(dp1 + 3);
  });
});

describe('pump', () => {
  it('runs at ~2 mm/s; the run command stops it (no current, pressure drops) and restarts it', () => {
    const m = new EquipmentModel('pump', pumpPoints, 'p1');
    run(m, 5);
    expect(m.value('running')).toBe(true);
    expect(n(m, 'vibration_mm_s')).toBeGreaterThan(1.5);
    expect(n(m, 'vibration_mm_s')).toBeLessThan(2.5);
    expect(n(m, 'current_a')).toBeGreaterThan(30);
    const p0 = n(m, 'outlet_pressure_kpa');
    expect(m.write('run_command', 1)).toBe('bad-type');
    expect(m.write('run_command', false)).toBe('ok');
    run(m, 30);
    expect(m.value('running')).toBe(false);
    expect(n(m, 'current_a')).toBe(0);
    expect(n(m, 'outlet_pressure_kpa')).toBeLessThan(p0 - 150);
    m.write('run_command', true);
    run(m, 30);
    expect(m.value('running')).toBe(true);
  });

  it('a vibration rise ramps at its rate while running; 0 clears it', () => {
    const m = new EquipmentModel('pump', pumpPoints, 'p1');
    expect(m.setVibrationRise(5)).toBe(true);
    m.step(3_600_000);
    expect(n(m, 'vibration_mm_s')).toBeGreaterThan(6.5);
    expect(n(m, 'vibration_mm_s')).toBeLessThan(7.5);
    m.setVibrationRise(0);
    m.step(1000);
    expect(n(m, 'vibration_mm_s')).toBeLessThan(2.5);
  });

  it('a fault stops it', () => {
    const m = new EquipmentModel('pump', pumpPoints, 'p1');
    m.setFaultCode(7);
    expect(m.value('running')).toBe(false);
    expect(n(m, 'current_a')).toBe(0);
  });

  it('only pumps take a vibration rise; only AHUs filter clogging', () => {
    expect(new EquipmentModel('ahu', ahuPoints, 'a').setVibrationRise(1)).toBe(false);
    expect(new EquipmentModel('pump', pumpPoints, 'p').setFilterClogging(1)).toBe(false);
  });
});

describe('elevator', () => {
  it('travels between floors -1..3, opening its door at each stop', () => {
    const m = new EquipmentModel('elevator', elevatorPoints, 'e1');
    const cycles0 = n(m, 'door_cycles');
    const states = new Set<string>();
    const floors = new Set<number>();
    for (let i = 0; i < 1200; i++) {
      m.step(500);
      const s = m.value('state') as string;
      states.add(s);
      floors.add(n(m, 'floor'));
      expect(m.value('moving')).toBe(s.startsWith('moving'));
      expect(m.value('door_open')).toBe(s === 'door-open');
      expect(Number.isInteger(n(m, 'floor'))).toBe(true);
    }
    expect([...states].sort()).toEqual(['door-open', 'idle', 'moving-down', 'moving-up']);
    expect(Math.min(...floors)).toBe(-1);
    expect(Math.max(...floors)).toBe(3);
    expect(n(m, 'door_cycles')).toBeGreaterThan(cycles0 + 10);
  });

  it('a fault stops it in state fault; clearing it goes back to idle', () => {
    const m = new EquipmentModel('elevator', elevatorPoints, 'e1');
    m.setFaultCode(3);
    run(m, 60);
    expect(m.value('state')).toBe('fault');
    expect(m.value('moving')).toBe(false);
    m.setFaultCode(0);
    expect(m.value('state')).toBe('idle');
    expect(m.value('fault_code')).toBe(0);
  });
});

describe('generic points', () => {
  it('numbers +1 per step, booleans toggle, strings tick-N; command points hold what is written', () => {
    const m = new EquipmentModel(
      'generic',
      [num('a'), bool('b'), { name: 's', type: 'string', kind: 'state' }, num('sp', 'command')],
      'g',
    );
    run(m, 3, 10);
    expect(m.value('a')).toBe(3);
    expect(m.value('b')).toBe(true);
    expect(m.value('s')).toBe('tick-3');
    expect(m.write('sp', 42)).toBe('ok');
    run(m, 2);
    expect(m.value('sp')).toBe(42);
    expect(m.value('a')).toBe(5);
  });

  it('a point name a known kind does not model is generic too', () => {
    const m = new EquipmentModel('pump', [...pumpPoints, num('speed_hz')], 'p');
    run(m, 4);
    expect(m.value('speed_hz')).toBe(4);
  });
});

describe('point faults', () => {
  it('stuck freezes the value until released', () => {
    const m = new EquipmentModel('generic', [num('a')], 'g');
    run(m, 2);
    m.setStuck('a', true);
    run(m, 5);
    expect(m.value('a')).toBe(2);
    m.setStuck('a', false);
    expect(m.value('a')).toBe(7);
  });

  it('drift adds its rate over time; 0 clears it', () => {
    const m = new EquipmentModel('generic', [num('a', 'command')], 'g');
    m.setDrift('a', 2);
    m.step(1_800_000);
    expect(m.value('a')).toBeCloseTo(1, 6);
    m.setDrift('a', 0);
    expect(m.value('a')).toBe(0);
  });

  it('a status override is served until Good clears it', () => {
    const m = new EquipmentModel('generic', [num('a')], 'g');
    expect(m.status('a')).toBe('Good');
    m.setStatus('a', 'BadSensorFailure');
    expect(m.status('a')).toBe('BadSensorFailure');
    m.setStatus('a', 'Good');
    expect(m.status('a')).toBe('Good');
  });
});
