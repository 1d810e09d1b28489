import { fromWallTime, wallTime } from '../../../core/time/zoned-time.js';
import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';
import { fmt, numericReading, pointLabel, withUnit } from './common.js';

export interface NightFlowOptions {
  pointId: string;
  /** The night window, local 'HH:MM'; may cross midnight (23:00–04:00). */
  from: string;
  to: string;
  /** A flow below this (in the point's unit) counts as zero; default 0.001. */
  zeroBelow?: number;
  unit?: string;
  /** The site's zone; default UTC. */
  timeZone?: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(text: string, what: string): number {
  const m = HHMM.exec(text);
  if (!m) throw new Error(`${what}: expected HH:MM, got ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Leak detection by the minimum night flow: water that never stops during the night window (local time) is a
 * leak. Each night is judged at the window's end (nextCheckAt): active when the window had readings and the
 * flow never fell below zeroBelow (the value held from before the window counts as its flow at the start;
 * value = the night's minimum). A night without readings does not fire and does not clear ("no data").
 * Once active it stays active through the day and clears at the first reading below zeroBelow inside a later
 * night window (a zero settles that night at once), so a daytime stop does not flap it. Bad readings are
 * ignored; times are the `now` of the calls.
 */
export function createNightFlow(opts: NightFlowOptions): ConditionEvaluator {
  const { pointId, unit } = opts;
  const zeroBelow = opts.zeroBelow ?? 0.001;
  const tz = opts.timeZone ?? 'UTC';
  const where = `night-flow on ${pointId}`;
  const fromMin = minutesOf(opts.from, where);
  const toMin = minutesOf(opts.to, where);
  if (fromMin === toMin) throw new Error(`${where}: from and to must differ`);
  if (!(zeroBelow > 0)) throw new Error(`${where}: zeroBelow must be > 0`);
  const label = pointLabel(pointId);
  const span = `${opts.from}–${opts.to}`;

  /** The night window whose end is the first after t (the one t is in, or the next). */
  function windowAfter(t: number): { start: number; end: number } {
    const w = wallTime(t, tz);
    let best: { start: number; end: number } | undefined;
    for (const d of [-1, 0, 1]) {
      const at = (day: number, min: number) =>
        fromWallTime({ year: w.year, month: w.month, day, hour: Math.floor(min / 60), minute: min % 60 }, tz);
      const start = at(w.day + d, fromMin);
      const end = at(w.day + d + (toMin < fromMin ? 1 : 0), toMin);
      if (end > t && (!best || end < best.end)) best = { start, end };
    }
    return best!;
  }

  let win: { start: number; end: number } | undefined;
  /** The current window's findings (reset when it is entered). */
  let entered = false;
  let readings = 0;
  let min: number | undefined;
  let held: number | undefined;
  /** Whether a night has been judged yet (before that, the message shows the latest value). */
  let judged = false;
  let verdict: ConditionVerdict = { active: false, message: `${label} no data yet` };

  const sawZero = () => min !== undefined && min < zeroBelow;

  function enter(t: number): void {
    if (!win || entered || t < win.start) return;
    entered = true;
    readings = 0;
    min = held;
  }

  function judge(): void {
    judged = true;
    if (readings === 0) {
      verdict = verdict.active
        ? {
            ...verdict,
            message: `${verdict.message.replace(/ \(no data .*\)$/, '')} (no data ${span} last night)`,
          }
        : { active: false, message: `${label} no data in the ${span} night window` };
    } else if (sawZero()) {
      verdict = {
        active: false,
        value: min!,
        message: `${label} night flow reached ${withUnit(min!, unit)} (${span})`,
      };
    } else {
      verdict = {
        active: true,
        value: min!,
        message: `${label} flow never below ${fmt(zeroBelow)} between ${opts.from} and ${opts.to} (min ${withUnit(min!, unit)}): possible leak`,
      };
    }
  }

  /** Judge the windows that ended by t and move on to the next. */
  function roll(t: number): void {
    if (!win) win = windowAfter(t);
    while (t >= win.end) {
      enter(win.start);
      judge();
      win = windowAfter(win.end);
      entered = false;
    }
    enter(t);
  }

  return {
    pointIds: [pointId],
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      const r = numericReading(input, pointId);
      if (!r) return undefined;
      roll(now);
      if (entered) {
        readings++;
        min = min === undefined ? r.value : Math.min(min, r.value);
        if (verdict.active && r.value < zeroBelow)
          verdict = {
            active: false,
            value: r.value,
            message: `${label} night flow reached ${withUnit(r.value, unit)} (${span})`,
          };
      }
      held = r.value;
      if (!judged && !verdict.active)
        verdict = {
          active: false,
          value: r.value,
          message: `${label} ${withUnit(r.value, unit)}, the ${span} night judged at ${opts.to}`,
        };
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      const was = verdict.active;
      roll(now);
      return was !== verdict.active ? verdict : undefined;
    },
    nextCheckAt(now: number): number | undefined {
      const end = (win ?? windowAfter(now)).end;
      return Math.max(end, now);
    },
    current: () => verdict,
  };
}
