import type { ModbusProfile } from '../modbus-schema.js';

/**
 * A generic pulse water (or gas) meter: a pulse-counting Modbus module on a meter's reed-switch output, or a
 * meter with a Modbus register block of this shape. Not a particular product: the layout below is the common
 * one of such modules (a 32-bit volume total, big-endian, in the meter's base unit, next to the raw pulse
 * count and an instantaneous flow), chosen for this hub; there is nothing to verify it against. For a real
 * meter with a different map, copy this into a YAML profile file and adjust it.
 *
 * Holding registers (FC3):
 *   0x0000–0x0001  volume total, litres (uint32, ABCD) → m3 with scale 0.001; restarts at 0 when replaced
 *   0x0002–0x0003  pulse count (uint32, ABCD)
 *   0x0004         flow, 0.01 m3/h (uint16)
 *   0x0005         litres per pulse (uint16), the meter's pulse weight
 *   0x0006         status bits: 0 leak (continuous flow), 1 reverse flow, 2 tamper (magnet / cable cut)
 */
export const pulseWaterMeter: ModbusProfile = {
  name: 'pulse-water-meter',
  description:
    'Generic pulse water/gas meter: holding registers (FC3), volume in litres (uint32 ABCD at 0, as m3), ' +
    'pulse count at 2, flow in 0.01 m3/h at 4, status bits at 6',
  points: {
    volume_m3: {
      table: 'holding',
      register: 0x0000,
      dataType: 'uint32',
      order: 'ABCD',
      scale: 0.001,
      unit: 'm3',
      kind: 'counter',
    },
    pulse_count: { table: 'holding', register: 0x0002, dataType: 'uint32', order: 'ABCD', kind: 'counter' },
    flow_m3h: {
      table: 'holding',
      register: 0x0004,
      dataType: 'uint16',
      order: 'ABCD',
      scale: 0.01,
      unit: 'm3/h',
    },
    litres_per_pulse: {
      table: 'holding',
      register: 0x0005,
      dataType: 'uint16',
      order: 'ABCD',
      unit: 'L',
      kind: 'state',
    },
    leak_alarm: {
      table: 'holding',
      register: 0x0006,
      dataType: 'bool',
      order: 'ABCD',
      bit: 0,
      kind: 'state',
    },
    reverse_flow: {
      table: 'holding',
      register: 0x0006,
      dataType: 'bool',
      order: 'ABCD',
      bit: 1,
      kind: 'state',
    },
    tamper: { table: 'holding', register: 0x0006, dataType: 'bool', order: 'ABCD', bit: 2, kind: 'state' },
  },
};
