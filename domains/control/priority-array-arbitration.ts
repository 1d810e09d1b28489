import type { PointValue } from '../../core/model/reading.js';
import type { PointControlState, Slot } from './control-types.js';

/**
 * The priority array's rules as pure functions: which value rules a point, what one command changes, what a
 * device must be sent. No I/O here (priority-array.ts does the storing, auditing and writing).
 */

/** The highest-priority (lowest-numbered) non-null level, or null when every level is relinquished. */
export function effectiveOf(slots: readonly Slot[]): PointControlState['effective'] {
  let best: Slot | undefined;
  for (const s of slots) if (!best || s.level < best.level) best = s;
  return best
    ? { value: best.value, level: best.level, source: best.source }
    : { value: null, level: null, source: null };
}

/** The slots with `slot` at its level (replacing what held it), highest priority first. */
export function withSlot(slots: readonly Slot[], slot: Slot): Slot[] {
  return [...slots.filter((s) => s.level !== slot.level), slot].sort((a, b) => a.level - b.level);
}

/** The slots without this level. */
export function withoutLevel(slots: readonly Slot[], level: number): Slot[] {
  return slots.filter((s) => s.level !== level);
}

/** Overrides whose expiry has come. */
export function expiredSlots(slots: readonly Slot[], now: number): Slot[] {
  return slots.filter((s) => s.expiresAt !== undefined && s.expiresAt <= now);
}

/** The earliest expiry among these slots. */
export function nextExpiry(slots: Iterable<Slot>): number | undefined {
  let next: number | undefined;
  for (const s of slots)
    if (s.expiresAt !== undefined && (next === undefined || s.expiresAt < next)) next = s.expiresAt;
  return next;
}

/** A command that leaves the level exactly as it is (same value, holder and expiry): nothing to store or write. */
export function unchanged(
  current: Slot | undefined,
  value: PointValue | null,
  source: string,
  expiresAt: number | undefined,
): boolean {
  if (value === null) return current === undefined;
  return (
    current !== undefined &&
    current.value === value &&
    current.source === source &&
    current.expiresAt === expiresAt
  );
}

/**
 * How a point's device follows its array. `levels`: a device with its own priority array (BACnet) gets each level
 * written (a value or a relinquish). `effective`: any other device (Modbus, OPC UA, MQTT) gets the effective value;
 * when every level is relinquished there is nothing to write and the device keeps what it last had.
 */
export type WriteMode = 'levels' | 'effective';

export function writeModeOf(protocol: string | undefined): WriteMode {
  return protocol === 'bacnet' ? 'levels' : 'effective';
}

/**
 * What one command leaves for the device. `levels`: the commanded level, unless its value did not change.
 * `effective`: whether the effective value must be (re)written: it changed to a non-null value, or the point
 * was already pending. Returns whether the point now needs a write (its `dirty` levels, for `levels`).
 */
export function afterCommand(
  mode: WriteMode,
  change: {
    level: number;
    /** The level's value before and after (null: not held). */
    levelBefore: PointValue | null;
    levelAfter: PointValue | null;
    effectiveBefore: PointValue | null;
    effectiveAfter: PointValue | null;
    pending: boolean;
    dirty: ReadonlySet<number>;
  },
): { pending: boolean; dirty: Set<number> } {
  const dirty = new Set(change.dirty);
  if (mode === 'levels') {
    if (change.levelBefore !== change.levelAfter) dirty.add(change.level);
    return { pending: dirty.size > 0, dirty };
  }
  if (change.effectiveAfter === null) return { pending: false, dirty };
  return { pending: change.pending || change.effectiveBefore !== change.effectiveAfter, dirty };
}
