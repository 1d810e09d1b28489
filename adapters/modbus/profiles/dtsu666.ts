import type { ModbusProfile } from '../modbus-schema.js';

/**
 * Chint DTSU666 three-phase four-wire energy meter (the plain Chint map, not Huawei's DTSU666-H variant,
 * which serves a different block at 0x0836).
 *
 * Register map: holding registers (FC3 to read, FC16 to write), measurements as IEEE-754 float32 in two
 * registers, high word first (ABCD), most of them in scaled units: register × scale = the named unit.
 * Sources, cross-checked against each other:
 *  - Chint "DTSU666 series / DSSU666 series three phase electronic energy meter" user manual (ZTY0.464.1448),
 *    table 11 "ModBus protocol address table": 0000H REV, 0006H IrAt, 0007H UrAt (× 0.1), 2000H–2044H
 *    the measurements; read command 03H, write 10H;
 *  - OpenEMS's Chint DTSU666 meter (io.openems.edge.meter.chint.dtsu666), which reads 0x2006–0x2018,
 *    0x202A, 0x2044 and 0x4000 and converts voltages as 0.1 V, currents as 0.001 A, powers as 0.1 W,
 *    frequency as 0.01 Hz and 0x4000 as kWh (it reads them with FC4: the meter answers both);
 *  - AGG Software's DTSU666 register list and Tasmota's DTSU666-H driver for the energy block
 *    (0x401E import kWh, 0x4028 export kWh) and the reactive powers at 0x201A–0x2020.
 * Not verified: against a real meter; the power factor's × 0.001 (from the manual's table as quoted by
 * third parties; OpenEMS passes it through); whether measurements are primary- or secondary-side values
 * when IrAt/UrAt are not 1 (the simulator serves ratios of 1); 0x4000 is named "total active energy" by some
 * sources and read as import energy by OpenEMS (equal on a meter that never exports).
 */
const f32 = (register: number, scale: number, unit?: string, kind?: 'counter') =>
  ({
    table: 'holding',
    register,
    dataType: 'float32',
    order: 'ABCD',
    ...(scale === 1 ? {} : { scale }),
    ...(unit === undefined ? {} : { unit }),
    ...(kind === undefined ? {} : { kind }),
  }) as const;

export const chintDtsu666: ModbusProfile = {
  name: 'dtsu666',
  description:
    'Chint DTSU666 three-phase energy meter: holding registers (FC3), float32 big-endian (ABCD); voltages ' +
    '× 0.1 V, currents × 0.001 A, powers × 0.1 W/var, power factor × 0.001, frequency × 0.01 Hz, energy in kWh',
  points: {
    software_version: { table: 'holding', register: 0x0000, dataType: 'int16', order: 'ABCD', kind: 'state' },
    /** IrAt, current transformer ratio (1–9999). */
    ct_ratio: { table: 'holding', register: 0x0006, dataType: 'int16', order: 'ABCD', kind: 'state' },
    /** UrAt, voltage transformer ratio (register 1–9999 = 0.1–999.9). */
    pt_ratio: {
      table: 'holding',
      register: 0x0007,
      dataType: 'int16',
      order: 'ABCD',
      scale: 0.1,
      kind: 'state',
    },
    voltage_l1_l2_v: f32(0x2000, 0.1, 'V'),
    voltage_l2_l3_v: f32(0x2002, 0.1, 'V'),
    voltage_l3_l1_v: f32(0x2004, 0.1, 'V'),
    voltage_l1_v: f32(0x2006, 0.1, 'V'),
    voltage_l2_v: f32(0x2008, 0.1, 'V'),
    voltage_l3_v: f32(0x200a, 0.1, 'V'),
    current_l1_a: f32(0x200c, 0.001, 'A'),
    current_l2_a: f32(0x200e, 0.001, 'A'),
    current_l3_a: f32(0x2010, 0.001, 'A'),
    total_active_power_w: f32(0x2012, 0.1, 'W'),
    active_power_l1_w: f32(0x2014, 0.1, 'W'),
    active_power_l2_w: f32(0x2016, 0.1, 'W'),
    active_power_l3_w: f32(0x2018, 0.1, 'W'),
    total_reactive_power_var: f32(0x201a, 0.1, 'var'),
    reactive_power_l1_var: f32(0x201c, 0.1, 'var'),
    reactive_power_l2_var: f32(0x201e, 0.1, 'var'),
    reactive_power_l3_var: f32(0x2020, 0.1, 'var'),
    power_factor: f32(0x202a, 0.001),
    power_factor_l1: f32(0x202c, 0.001),
    power_factor_l2: f32(0x202e, 0.001),
    power_factor_l3: f32(0x2030, 0.001),
    frequency_hz: f32(0x2044, 0.01, 'Hz'),
    total_energy_kwh: f32(0x4000, 1, 'kWh', 'counter'),
    import_energy_kwh: f32(0x401e, 1, 'kWh', 'counter'),
    export_energy_kwh: f32(0x4028, 1, 'kWh', 'counter'),
  },
};
