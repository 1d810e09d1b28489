/**
 * The pure parts of occupancy-driven control: the DCV curve, the deadband, and a zone's occupied/empty timeline.
 */

export interface DcvCurve {
  co2Low: number;
  co2High: number;
  min: number;
  max: number;
}

/** Outdoor air for a CO₂ level: min at co2Low and below, max at co2High and above, proportional between. */
export function dcvValue(co2: number, c: DcvCurve): number {
  if (co2 <= c.co2Low) return c.min;
  if (co2 >= c.co2High) return c.max;
  const v = c.min + ((co2 - c.co2Low) / (c.co2High - c.co2Low)) * (c.max - c.min);
  return Math.round(v * 10) / 10;
}

/** Command the new value only when nothing was commanded yet or it moved more than the deadband. */
export function beyondDeadband(last: number | undefined, next: number, deadband: number): boolean {
  return last === undefined || Math.abs(next - last) > deadband;
}

/** What tells whether a zone is occupied now. */
export interface OccupancySignals {
  /** People on site (the gates), when the zone counts them. */
  people?: number;
  /** Motion points' latest values (true, or a count > 0, is motion). */
  motion: (boolean | number | string | null | undefined)[];
  /** The zone's schedule is on. */
  scheduled?: boolean;
}

export function isOccupied(s: OccupancySignals): boolean {
  if ((s.people ?? 0) > 0) return true;
  if (s.scheduled) return true;
  return s.motion.some((v) => v === true || (typeof v === 'number' && v > 0));
}

/**
 * A zone's occupied/empty timeline: when it became occupied or empty, and whether it has been empty at least
 * `ms` by `now`.
 */
export class OccupancyTimeline {
  occupied: boolean | undefined;
  /** When the current state began (ms UTC). */
  since: number | undefined;

  /** Feed the state at now; true when it changed. */
  update(occupied: boolean, now: number): boolean {
    if (this.occupied === occupied) return false;
    this.occupied = occupied;
    this.since = now;
    return true;
  }

  emptyFor(now: number): number {
    return this.occupied === false && this.since !== undefined ? now - this.since : 0;
  }
}
