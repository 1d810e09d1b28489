import { z } from 'zod';
import { idSchema, intIn, positiveMs } from '../../core/config/zod-helpers.js';

export const MODBUS_TABLES = ['coil', 'discrete', 'holding', 'input'] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];

export const MODBUS_TYPES = [
  'bool',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
  'string',
] as const;
export type ModbusType = (typeof MODBUS_TYPES)[number];

/**
 * Byte order of a multi-register value, naming the bytes of a 32-bit value A (most significant) to D:
 * ABCD big-endian (the Modbus default), CDAB word-swapped, BADC byte-swapped, DCBA little-endian. For
 * 64-bit values the same rule applies to 8 bytes (CDAB reverses the words, BADC swaps bytes in each word).
 */
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type WordOrder = (typeof WORD_ORDERS)[number];

/** Registers a value of this type takes (strings: their `length`). */
export function registersOf(type: ModbusType, length = 1): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return length;
  }
}

/** Where a point's value lives on its device. */
export const ModbusSourceShape = {
  table: z.enum(MODBUS_TABLES).optional(),
  /** 0-based address (the protocol's), not the 40001-style register number. */
  register: intIn(0, 65535).optional(),
  dataType: z.enum(MODBUS_TYPES).optional(),
  order: z.enum(WORD_ORDERS).optional(),
  /** bool from a bit of a holding or input register (0 = least significant). */
  bit: intIn(0, 15).optional(),
  /** string: registers (2 characters each). */
  length: intIn(1, 125).optional(),
  /** The profile entry this point reads, when its name differs (e.g. active_power_kw from total_active_power_w). */
  from: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected a profile point name' })
    .optional(),
};

export interface ModbusSource {
  table: ModbusTable;
  register: number;
  dataType: ModbusType;
  order: WordOrder;
  bit?: number;
  length?: number;
  /** From a profile: register value × scale = the profile's unit (e.g. 0.1 for a value in tenths of a volt). */
  scale?: number;
  /** From a profile: the unit of register value × scale. */
  unit?: string;
}

export const ModbusDeviceSchema = z
  .strictObject({
    id: idSchema,
    protocol: z.literal('modbus'),
    name: z.string().optional(),
    /** tcp: Modbus TCP; rtu: RTU on a serial line; rtu-over-tcp: RTU frames through a TCP serial gateway. */
    transport: z.enum(['tcp', 'rtu', 'rtu-over-tcp']).default('tcp'),
    host: z.string().min(1).optional(),
    port: intIn(1, 65535).default(502),
    /** rtu: the serial device. */
    path: z.string().min(1).optional(),
    baudRate: z.int().positive().default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    /** The Modbus unit (slave) id; devices behind one gateway or on one line differ by it. */
    unitId: intIn(0, 255).default(1),
    /** A register-map profile (built in, or from the site file's modbusProfiles) that fills in points' sources. */
    profile: z.string().min(1).optional(),
    /** Poll every this often. */
    intervalMs: positiveMs().default(1000),
    /** One request's answer time. */
    timeoutMs: positiveMs().default(1000),
    /** Tries after the first, per request, before the poll counts as failed. */
    retries: intIn(0, 10).default(1),
    /** Registers in between that may be read along to save a request. */
    maxGap: intIn(0, 125).default(10),
    /** Failed polls in a row that open the device's breaker (then it is probed on a backoff, not every cycle). */
    breakerFailures: intIn(1, 100).default(3),
    offlineAfterMs: positiveMs().optional(),
  })
  .superRefine((d, ctx) => {
    if (d.transport === 'rtu' && !d.path)
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: 'required for transport rtu (e.g. /dev/ttyUSB0)',
      });
    if (d.transport !== 'rtu' && !d.host)
      ctx.addIssue({ code: 'custom', path: ['host'], message: `required for transport ${d.transport}` });
  });

export type ModbusDevice = z.infer<typeof ModbusDeviceSchema>;

/** The point fields of a Modbus point in the site file (all optional: a profile may supply them). */
export const modbusPointShape = ModbusSourceShape;

/** A register-map profile: point name → where it lives. */
export interface ModbusProfile {
  name: string;
  description: string;
  /** Point name (snake_case with its unit, as the site file names points) → where and how it is read. */
  points: Record<string, ModbusSource & { kind?: 'measurement' | 'counter' | 'state' | 'command' }>;
}
