import type { ModbusProfile } from '../modbus-schema.js';

/**
 * A generic pump variable-frequency drive. Not a particular product: every drive maker has its own map
 * (INVT, Delta, ABB, Danfoss... put status, output values and the setpoint at different addresses and
 * scales), so this is a plain, typical layout chosen for this hub, with the scales most drives use
 * (0.01 Hz, 0.1 A, 0.1 kW, 0.1 V); there is nothing to verify it against. For a real drive, copy this into
 * a YAML profile file with the addresses from its manual.
 *
 * Holding registers (FC3 read, FC6/FC16 write), one uint16 each unless noted:
 *   0x0000  status word: bit 0 running, 1 fault, 2 at speed (output = setpoint), 3 remote control
 *   0x0001  output frequency, 0.01 Hz       0x0002  output current, 0.1 A
 *   0x0003  output power, 0.1 kW            0x0004  output voltage, V
 *   0x0005  DC bus voltage, 0.1 V           0x0006  motor speed, rpm
 *   0x0007  fault code (0 = none)           0x0008  heatsink temperature, 0.1 °C (int16)
 *   0x0009  AI1: the pump's outlet pressure transmitter, 0.1 kPa
 *   0x000A–0x000B  energy, 0.1 kWh (uint32, ABCD)     0x000C–0x000D  run hours (uint32, ABCD)
 *   0x0100  frequency setpoint, 0.01 Hz (read/write)
 *   0x0101  acceleration time 0 → max frequency, 0.1 s (read/write)
 *   0x0102  deceleration time, 0.1 s (read/write)
 *   0x0103  maximum frequency, 0.01 Hz
 * Coils (FC1 read, FC5 write): 0 run command (1 run, 0 stop), 1 fault reset (write 1; reads 0).
 */
const u16 = (register: number, scale?: number, unit?: string, kind?: 'state' | 'command') =>
  ({
    table: 'holding',
    register,
    dataType: 'uint16',
    order: 'ABCD',
    ...(scale === undefined ? {} : { scale }),
    ...(unit === undefined ? {} : { unit }),
    ...(kind === undefined ? {} : { kind }),
  }) as const;

const statusBit = (bit: number) =>
  ({ table: 'holding', register: 0x0000, dataType: 'bool', order: 'ABCD', bit, kind: 'state' }) as const;

export const pumpVfd: ModbusProfile = {
  name: 'pump-vfd',
  description:
    'Generic pump VFD: holding registers (FC3/FC6/FC16), status word at 0, output values from 1, setpoint ' +
    '(0.01 Hz) at 0x100; run command and fault reset coils at 0 and 1',
  points: {
    running: statusBit(0),
    fault_active: statusBit(1),
    at_speed: statusBit(2),
    remote_control: statusBit(3),
    output_frequency_hz: u16(0x0001, 0.01, 'Hz'),
    output_current_a: u16(0x0002, 0.1, 'A'),
    output_power_kw: u16(0x0003, 0.1, 'kW'),
    output_voltage_v: u16(0x0004, undefined, 'V'),
    dc_bus_voltage_v: u16(0x0005, 0.1, 'V'),
    motor_speed_rpm: u16(0x0006, undefined, 'rpm'),
    fault_code: u16(0x0007, undefined, undefined, 'state'),
    heatsink_temp_c: {
      table: 'holding',
      register: 0x0008,
      dataType: 'int16',
      order: 'ABCD',
      scale: 0.1,
      unit: 'degC',
    },
    outlet_pressure_kpa: u16(0x0009, 0.1, 'kPa'),
    energy_kwh: {
      table: 'holding',
      register: 0x000a,
      dataType: 'uint32',
      order: 'ABCD',
      scale: 0.1,
      unit: 'kWh',
      kind: 'counter',
    },
    run_hours_h: {
      table: 'holding',
      register: 0x000c,
      dataType: 'uint32',
      order: 'ABCD',
      unit: 'h',
      kind: 'counter',
    },
    speed_setpoint_hz: u16(0x0100, 0.01, 'Hz', 'command'),
    accel_time_s: u16(0x0101, 0.1, 's', 'command'),
    decel_time_s: u16(0x0102, 0.1, 's', 'command'),
    max_frequency_hz: u16(0x0103, 0.01, 'Hz', 'state'),
    run_command: { table: 'coil', register: 0x0000, dataType: 'bool', order: 'ABCD', kind: 'command' },
    fault_reset: { table: 'coil', register: 0x0001, dataType: 'bool', order: 'ABCD', kind: 'command' },
  },
};
