import type { ModbusProfile } from '../modbus-schema.js';

/**
 * Eastron SDM630-Modbus (V2 / MID) three-phase energy meter.
 *
 * Register map: input registers (FC4), every value an IEEE-754 float32 in two registers, high word first
 * (ABCD), in the unit it is named with (no scaling). Sources, cross-checked against each other:
 *  - Eastron SDM630-Modbus V2 user manual (B+G e-tech), "Modbus Protocol Input Registers" table
 *    (30001 = 0x0000 phase 1 line-to-neutral volts ... 30343 = 0x0156 total kWh) and its note that
 *    "Total kWh" is import + export;
 *  - the register list of the SDM_Energy_Meter Arduino library (reaper7, SDM.h), which marks which
 *    registers the SDM630 has (0x0000–0x0056, 0x00C8–0x00CE, 0x00E0, 0x0156–0x015E);
 *  - Eastron SDM72D-M manual (same family) for 0x0034, 0x0048, 0x004A and 0x0156.
 * Not verified: against a real meter (word order and the per-phase import energies 0x015A–0x015E come
 * from the library list only). The manual limits one request to 40 parameters (80 registers) and answers
 * registers it does not have with 0; the holding registers (demand period, system type, address,
 * baud rate...) are configuration and not mapped here.
 */
const f32 = (register: number, unit?: string, kind?: 'counter') =>
  ({
    table: 'input',
    register,
    dataType: 'float32',
    order: 'ABCD',
    ...(unit === undefined ? {} : { unit }),
    ...(kind === undefined ? {} : { kind }),
  }) as const;

export const eastronSdm630: ModbusProfile = {
  name: 'sdm630',
  description:
    'Eastron SDM630-Modbus three-phase energy meter: input registers (FC4), float32 big-endian (ABCD), ' +
    'volts, amps, watts, VA, var, Hz and kWh as read',
  points: {
    voltage_l1_v: f32(0x0000, 'V'),
    voltage_l2_v: f32(0x0002, 'V'),
    voltage_l3_v: f32(0x0004, 'V'),
    current_l1_a: f32(0x0006, 'A'),
    current_l2_a: f32(0x0008, 'A'),
    current_l3_a: f32(0x000a, 'A'),
    active_power_l1_w: f32(0x000c, 'W'),
    active_power_l2_w: f32(0x000e, 'W'),
    active_power_l3_w: f32(0x0010, 'W'),
    apparent_power_l1_va: f32(0x0012, 'VA'),
    apparent_power_l2_va: f32(0x0014, 'VA'),
    apparent_power_l3_va: f32(0x0016, 'VA'),
    reactive_power_l1_var: f32(0x0018, 'var'),
    reactive_power_l2_var: f32(0x001a, 'var'),
    reactive_power_l3_var: f32(0x001c, 'var'),
    /** Signed: negative when the current flows backwards (export). */
    power_factor_l1: f32(0x001e),
    power_factor_l2: f32(0x0020),
    power_factor_l3: f32(0x0022),
    phase_angle_l1_deg: f32(0x0024, 'deg'),
    phase_angle_l2_deg: f32(0x0026, 'deg'),
    phase_angle_l3_deg: f32(0x0028, 'deg'),
    voltage_avg_v: f32(0x002a, 'V'),
    current_avg_a: f32(0x002e, 'A'),
    current_sum_a: f32(0x0030, 'A'),
    total_active_power_w: f32(0x0034, 'W'),
    total_apparent_power_va: f32(0x0038, 'VA'),
    total_reactive_power_var: f32(0x003c, 'var'),
    power_factor: f32(0x003e),
    phase_angle_deg: f32(0x0042, 'deg'),
    frequency_hz: f32(0x0046, 'Hz'),
    import_energy_kwh: f32(0x0048, 'kWh', 'counter'),
    export_energy_kwh: f32(0x004a, 'kWh', 'counter'),
    import_reactive_energy_kvarh: f32(0x004c, 'kvarh', 'counter'),
    export_reactive_energy_kvarh: f32(0x004e, 'kvarh', 'counter'),
    /** Total system power demand over the demand period (import − export). */
    power_demand_w: f32(0x0054, 'W'),
    max_power_demand_w: f32(0x0056, 'W'),
    voltage_l1_l2_v: f32(0x00c8, 'V'),
    voltage_l2_l3_v: f32(0x00ca, 'V'),
    voltage_l3_l1_v: f32(0x00cc, 'V'),
    voltage_ll_avg_v: f32(0x00ce, 'V'),
    current_n_a: f32(0x00e0, 'A'),
    /** Import + export. */
    total_energy_kwh: f32(0x0156, 'kWh', 'counter'),
    total_reactive_energy_kvarh: f32(0x0158, 'kvarh', 'counter'),
    import_energy_l1_kwh: f32(0x015a, 'kWh', 'counter'),
    import_energy_l2_kwh: f32(0x015c, 'kWh', 'counter'),
    import_energy_l3_kwh: f32(0x015e, 'kWh', 'counter'),
  },
};
