import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { MODBUS_TABLES, MODBUS_TYPES, type ModbusProfile, WORD_ORDERS } from '../modbus-schema.js';
import { chintDtsu666 } from './dtsu666.js';
import { eastronSdm630 } from './sdm630.js';
import { pumpVfd } from './vfd.js';
import { pulseWaterMeter } from './water-meter.js';

/** Profiles that ship with the hub, by the name a device gives in `profile:`. */
export const builtinProfiles: ReadonlyMap<string, ModbusProfile> = new Map(
  [eastronSdm630, chintDtsu666, pulseWaterMeter, pumpVfd].map((p) => [p.name, p]),
);

const ProfilePointSchema = z.strictObject({
  table: z.enum(MODBUS_TABLES),
  register: z.int().min(0).max(65535),
  dataType: z.enum(MODBUS_TYPES),
  order: z.enum(WORD_ORDERS).default('ABCD'),
  bit: z.int().min(0).max(15).optional(),
  length: z.int().min(1).max(125).optional(),
  unit: z.string().optional(),
  scale: z.number().optional(),
  kind: z.enum(['measurement', 'counter', 'state', 'command']).optional(),
});

/** The format of a profile file (YAML or JSON), the same as the built-in ones. */
export const ProfileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  points: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), ProfilePointSchema),
});

/**
 * A device's `profile:` is a built-in name, or the path of a YAML/JSON file in the same format (for a
 * user's own meter). Returns the profile or a message for the site file's error list.
 */
export function loadProfile(ref: string): ModbusProfile | string {
  const builtin = builtinProfiles.get(ref);
  if (builtin) return builtin;
  if (!/\.(ya?ml|json)$/.test(ref))
    return `no built-in profile "${ref}" (built in: ${[...builtinProfiles.keys()].join(', ')}); or give a .yaml file`;
  let raw: unknown;
  try {
    raw = parse(readFileSync(ref, 'utf8'));
  } catch (err) {
    return `cannot read profile file ${ref}: ${(err as Error).message.split('\n')[0]}`;
  }
  const parsed = ProfileSchema.safeParse(raw);
  if (!parsed.success)
    return `profile file ${ref}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  return parsed.data as ModbusProfile;
}
