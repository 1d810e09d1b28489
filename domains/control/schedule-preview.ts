import type { PointValue } from '../../core/model/reading.js';
import {
  addDays,
  arbitrate,
  type DayType,
  instantOf,
  type LeadOf,
  localTime,
  type PieceKind,
  type PlannedSchedule,
  piecesOfDay,
  wantAt,
} from './schedule-plan.js';

/** One change of what a point's level holds during the day. */
export interface PreviewWrite {
  /** ms UTC */
  at: number;
  /** Local wall-clock time, 'HH:MM' ('02:30+' on the second pass of a repeated hour). */
  time: string;
  /** null: relinquished (no schedule wants the level). */
  value: PointValue | null;
  /** The schedule that rules from then on, and why. */
  scheduleId: string | null;
  kind?: PieceKind;
  dayType?: DayType;
  weekday?: string;
  eventName?: string;
  leadMinutes?: number;
  /** The first entry: what the level holds as the day begins (carried over, not a write when unchanged). */
  dayStart?: true;
}

export interface PreviewPoint {
  pointId: string;
  level: number;
  /** Every schedule at this level on this point (more than one: the rule decides, see `scheduleId`). */
  schedules: string[];
  writes: PreviewWrite[];
}

/**
 * The dry run: for each point the subject schedule targets, what its level holds at each change during one local
 * date, with every schedule on that point at that level taken into account (which one rules, by which day type).
 */
export function previewDay(
  subject: PlannedSchedule,
  subjectPoints: readonly string[],
  others: readonly { schedule: PlannedSchedule; points: readonly string[] }[],
  date: string,
  tz: string,
  leadOf?: LeadOf,
): PreviewPoint[] {
  const dayStart = instantOf(date, 0, tz);
  const dayEnd = instantOf(addDays(date, 1), 0, tz);
  const byKey = new Map<string, PreviewWrite[]>();
  return subjectPoints.map((pointId) => {
    const competing = [
      subject,
      ...others
        .filter((o) => o.schedule.config.id !== subject.config.id && o.schedule.level === subject.level)
        .filter((o) => o.points.includes(pointId))
        .map((o) => o.schedule),
    ];
    const key = competing.map((s) => s.config.id).join('\n');
    let writes = byKey.get(key);
    if (!writes) {
      writes = dayWrites(competing, dayStart, dayEnd, date, tz, leadOf);
      byKey.set(key, writes);
    }
    return { pointId, level: subject.level, schedules: competing.map((s) => s.config.id), writes };
  });
}

function dayWrites(
  competing: readonly PlannedSchedule[],
  dayStart: number,
  dayEnd: number,
  date: string,
  tz: string,
  leadOf?: LeadOf,
): PreviewWrite[] {
  const cuts = new Set([dayStart]);
  for (const s of competing)
    for (const p of piecesOfDay(s, date, tz, leadOf))
      if (p.start > dayStart && p.start < dayEnd) cuts.add(p.start);
  const out: PreviewWrite[] = [];
  for (const at of [...cuts].sort((a, b) => a - b)) {
    const w = arbitrate(competing.map((s) => ({ ...wantAt(s, at, tz, leadOf), order: s.order })));
    const last = out.at(-1);
    if (last && last.value === (w?.value ?? null) && last.scheduleId === (w?.scheduleId ?? null)) continue;
    out.push({
      at,
      time: localTime(at, tz),
      value: w?.value ?? null,
      scheduleId: w?.scheduleId ?? null,
      ...(w
        ? {
            kind: w.kind,
            dayType: w.dayType,
            weekday: w.weekday,
            ...(w.eventName !== undefined ? { eventName: w.eventName } : {}),
            ...(w.leadMinutes !== undefined ? { leadMinutes: w.leadMinutes } : {}),
          }
        : {}),
      ...(at === dayStart ? { dayStart: true as const } : {}),
    });
  }
  return out;
}
