import type { Permission } from '../../core/actor.js';
import type { CommandRequester } from '../../core/devices/command-service.js';
import type { PointValue } from '../../core/model/reading.js';

/**
 * The command priority array every command point has (BACnet's model, for every protocol): sixteen levels, 1
 * highest. Each writer commands at its own level or relinquishes it; the effective value is the highest-priority
 * non-null one. BACnet points get each level written to the device's own array; Modbus, OPC UA and MQTT points
 * get the hub's effective value.
 */
export const LEVELS = {
  'life-safety': 1,
  'manual-operator': 8,
  'demand-limit': 10,
  automation: 12,
  schedule: 14,
  default: 16,
} as const;
export type LevelName = keyof typeof LEVELS;

/** 'manual-operator' → 8; a number 1–16 as it is. */
export function levelOf(level: LevelName | number): number {
  return typeof level === 'number' ? level : LEVELS[level];
}

/** 8 → 'manual-operator'; an unnamed level → its number as text. */
export function levelName(level: number): string {
  for (const [name, n] of Object.entries(LEVELS)) if (n === level) return name;
  return String(level);
}

/** Who holds a level: the kind of writer and its id (`schedule:office-ahu`, `operator:alice`, `scene:evacuation`). */
export type SourceKind =
  | 'operator'
  | 'schedule'
  | 'scene'
  | 'rule'
  | 'occupancy'
  | 'demand-limit'
  | 'site-file';

/** One non-null level of a point's array. */
export interface Slot {
  level: number;
  value: PointValue;
  /** `<kind>:<id>`, e.g. `schedule:office-ahu`, `operator:alice`, `demand-limit:b1`. */
  source: string;
  /** The person or service that commanded it (the audit log's actor). */
  actor: string;
  reason?: string;
  since: number;
  /** An operator override relinquishes itself at this time (ms UTC). */
  expiresAt?: number;
}

/** A command point as the array sees it. */
export interface PointControlState {
  pointId: string;
  /** Non-null levels, highest priority (lowest number) first. */
  slots: Slot[];
  /** The value that rules (null: every level relinquished) and who holds it. */
  effective: { value: PointValue | null; level: number | null; source: string | null };
  /** What the device last took from the hub, ok or not. */
  lastWrite?: { value: PointValue | null; level: number | null; ts: number; ok: boolean; error?: string };
  /** The effective value has not reached the device yet (offline, or the write failed): it is retried on return. */
  pending: boolean;
}

/** One change to one level of one point. */
export interface LevelCommand {
  pointId: string;
  level: number;
  /** null relinquishes the level. */
  value: PointValue | null;
  by: CommandRequester;
  source: string;
  reason?: string;
  expiresAt?: number;
}

/**
 * The priority arrays of every command point: the one way automation and people command equipment. Each
 * command is checked (the requester's permission for the point, the value against the point's bounds),
 * stored in SQLite, audited, and the effective value written through the command service. A device that is
 * offline gets it when it comes back (the point shows pending until then); after a restart the hub re-asserts
 * every effective value once.
 */
export interface PointControl {
  /** Set or clear one level; resolves once the device took the write, or the point is marked pending. */
  command(cmd: LevelCommand): Promise<PointControlState>;
  /** Many at once (a scene, a schedule edge): arbitrated and written in parallel, bounded. */
  commandMany(cmds: readonly LevelCommand[]): Promise<PointControlState[]>;
  state(pointId: string): PointControlState | undefined;
  /** Every command point of the site, in the site file's order. */
  list(): PointControlState[];
}

/** Setpoints and equipment need setpoint:write, gates gate:command; schedules, scenes and plans control:manage. */
export const CONTROL_MANAGE: Permission = 'control:manage';
