import { fromWallTime, wallTime } from '../../core/time/zoned-time.js';
import { type RotaConfig, WEEKDAYS } from './oncall-schema.js';

/**
 * Who is on call, as a pure function of the rota, the overrides and the time: weekly turns handing over at a
 * wall-clock time in the site's time zone (so a DST change moves the instant, not the hour people know), and
 * overrides (someone covering from–to) on top, the newest one winning where they overlap.
 */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Someone covering a team's on-call from `from` until `to` (ms). */
export interface Override {
  id: number;
  team: string;
  username: string;
  from: number;
  to: number;
  note?: string | null;
  createdBy?: string;
  createdAt?: number;
}

export interface OnCall {
  team: string;
  /** Who is on call now (an override's person, else the rota's). */
  username: string;
  /** The rota member whose week it is (the same as username unless overridden). */
  scheduled: string;
  /** The rota member after `scheduled`: the "next" of an escalation. */
  next: string;
  supervisor: string;
  /** The override in force, if any. */
  override?: Override;
  /** The current week's handover and the next one. */
  since: number;
  until: number;
}

const mod = (a: number, b: number) => ((a % b) + b) % b;

/** The k-th handover (k = 0: the first on or after `start`); k may be negative. */
export function handoverAt(rota: RotaConfig, tz: string, k: number): number {
  const [y, mo, d] = rota.start.split('-').map(Number) as [number, number, number];
  const startDay = new Date(Date.UTC(y, mo - 1, d));
  // Monday = 0 … Sunday = 6, as WEEKDAYS
  const startWeekday = mod(startDay.getUTCDay() - 1, 7);
  const offset = mod(WEEKDAYS.indexOf(rota.handover.day) - startWeekday, 7);
  const [hh, mm] = rota.handover.time.split(':').map(Number) as [number, number];
  // Date.UTC normalises day overflow, so day + 7k walks the calendar; the wall time is then placed in the zone
  const day = new Date(Date.UTC(y, mo - 1, d + offset + 7 * k));
  return fromWallTime(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: hh, minute: mm },
    tz,
  );
}

/** The index k of the week that contains t: handoverAt(k) ≤ t < handoverAt(k + 1). */
export function weekIndex(rota: RotaConfig, tz: string, t: number): number {
  let k = Math.floor((t - handoverAt(rota, tz, 0)) / WEEK_MS);
  // a DST change shifts instants by an hour at most: one step either way settles it
  while (handoverAt(rota, tz, k) > t) k--;
  while (handoverAt(rota, tz, k + 1) <= t) k++;
  return k;
}

/** The rota member of week k. */
export const memberOfWeek = (rota: RotaConfig, k: number): string =>
  rota.members[mod(k, rota.members.length)]!;

/** The override in force for the team at t: the newest (highest id) whose [from, to) holds t. */
export function overrideAt(overrides: readonly Override[], team: string, t: number): Override | undefined {
  let best: Override | undefined;
  for (const o of overrides)
    if (o.team === team && o.from <= t && t < o.to && (!best || o.id > best.id)) best = o;
  return best;
}

/** Who is on call for the rota's team at t. */
export function onCallAt(rota: RotaConfig, overrides: readonly Override[], tz: string, t: number): OnCall {
  const k = weekIndex(rota, tz, t);
  const scheduled = memberOfWeek(rota, k);
  const override = overrideAt(overrides, rota.team, t);
  const username = override?.username ?? scheduled;
  // the next in rota order after this week's member who is not the one on call; none (a rota of one): supervisor
  let next = rota.supervisor;
  for (let j = 1; j < rota.members.length; j++) {
    const m = memberOfWeek(rota, k + j);
    if (m !== username) {
      next = m;
      break;
    }
  }
  return {
    team: rota.team,
    username,
    scheduled,
    next,
    supervisor: rota.supervisor,
    override,
    since: handoverAt(rota, tz, k),
    until: handoverAt(rota, tz, k + 1),
  };
}

/** The weeks of a rota overlapping [from, to): who and when, for the dashboard's week view. */
export function weeksBetween(
  rota: RotaConfig,
  tz: string,
  from: number,
  to: number,
): { username: string; from: number; to: number }[] {
  const out: { username: string; from: number; to: number }[] = [];
  for (let k = weekIndex(rota, tz, from); handoverAt(rota, tz, k) < to && out.length < 60; k++)
    out.push({
      username: memberOfWeek(rota, k),
      from: handoverAt(rota, tz, k),
      to: handoverAt(rota, tz, k + 1),
    });
  return out;
}

/** The local date and time of an instant, `YYYY-MM-DD HH:MM`, for messages. */
export function localText(t: number, tz: string): string {
  const w = wallTime(t, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}
