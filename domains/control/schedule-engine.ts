import type { Clock } from '../../core/clock.js';
import type { CommandRequester } from '../../core/devices/command-service.js';
import type { Logger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { LevelCommand, PointControl } from './control-types.js';
import {
  arbitrate,
  type LeadOf,
  localTime,
  type PlannedSchedule,
  plannedSchedule,
  type Want,
  wantAt,
} from './schedule-plan.js';
import { type CalendarConfig, compileCalendar, type ScheduleConfig } from './schedule-schema.js';
import { resolveTargets } from './targets.js';

/** Schedules write as themselves, with the one permission they need. */
export const SCHEDULES_REQUESTER: CommandRequester = {
  actor: 'schedules',
  via: 'system',
  permissions: new Set(['setpoint:write'] as const),
};

/** Where a schedule came from. */
export type ScheduleOrigin = 'site-file' | 'api';

/**
 * Optimum start as the engine sees it: the lead of a schedule's first period on a date, and when it wants to
 * decide the next one (the engine wakes then, and the plan of that schedule changes).
 */
export interface StartAdvisor {
  leadOf: LeadOf;
  /**
   * When it next decides a lead for this schedule (at or before `now`: due and not decided yet), if ever. Once
   * decide() ran for a morning, this gives the next one.
   */
  nextDecision(s: PlannedSchedule, now: number): number | undefined;
  /** Decide the lead that is due at `now` (always marks it decided); true when the plan changed. */
  decide(s: PlannedSchedule, now: number): boolean;
  /** The schedules the engine now runs. */
  setSchedules?(list: readonly PlannedSchedule[]): void;
  /** A schedule's state changed at an edge (the first period started: a morning to watch). */
  edge?(s: PlannedSchedule, want: Want, now: number): void;
}

/** The longest single wait; the engine re-plans at least this often (a timer far in the future is not trusted). */
const MAX_WAIT_MS = 6 * 3_600_000;

interface Target {
  pointId: string;
  level: number;
  schedules: PlannedSchedule[];
}

/** What the engine last commanded at a point's level, and why. */
export interface Ruling {
  value: PointValue | null;
  scheduleId: string | null;
  want?: Want;
}

/**
 * Runs the schedules: at start it commands each target's current value (the priority array writes nothing when
 * the level already holds it, so a restart mid-schedule writes nothing twice), then sleeps on one clock timer
 * until the next edge of any schedule, commands every target of every schedule with an edge at that instant in
 * one commandMany, and plans again. Between edges it does nothing.
 */
export class ScheduleEngine {
  private schedules: PlannedSchedule[] = [];
  private origins = new Map<string, ScheduleOrigin>();
  private targetsOf = new Map<string, string[]>();
  private targets = new Map<string, Target>();
  private wants = new Map<string, Want>();
  private rulings = new Map<string, Ruling>();
  private timer: unknown;
  private running = false;
  private nextWake = Number.POSITIVE_INFINITY;
  /** Serialises edges and reloads: one commandMany at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  readonly counters = { edges: 0, wakes: 0, commands: 0, failures: 0 };

  constructor(
    private readonly d: {
      site: SiteModel;
      control: PointControl;
      clock: Clock;
      log: Logger;
      advisor?: StartAdvisor;
    },
  ) {}

  get timeZone(): string {
    return this.d.site.site.timezone;
  }

  /** Replace the schedules and calendars (site file first, then the API's); applied at once when running. */
  setSchedules(
    calendars: readonly CalendarConfig[],
    schedules: readonly { config: ScheduleConfig; origin: ScheduleOrigin }[],
  ): Promise<void> {
    const cals = new Map(calendars.map((c) => [c.id, compileCalendar(c)]));
    this.schedules = schedules.map((s, i) =>
      plannedSchedule(s.config, s.config.calendar ? cals.get(s.config.calendar) : undefined, i),
    );
    this.origins = new Map(schedules.map((s) => [s.config.id, s.origin]));
    this.d.advisor?.setSchedules?.(this.schedules);
    this.targetsOf = new Map(
      this.schedules.map((s) => [s.config.id, resolveTargets(s.config.targets, this.d.site)]),
    );
    const targets = new Map<string, Target>();
    for (const s of this.schedules)
      for (const pointId of this.targetsOf.get(s.config.id)!) {
        const key = `${pointId}@${s.level}`;
        const t = targets.get(key) ?? { pointId, level: s.level, schedules: [] };
        t.schedules.push(s);
        targets.set(key, t);
      }
    // levels no schedule holds any more are relinquished
    const dropped = [...this.targets.keys()].filter((k) => !targets.has(k));
    this.targets = targets;
    this.wants.clear();
    if (!this.running) return Promise.resolve();
    return this.enqueue(async () => {
      const now = this.d.clock.now();
      const cmds = this.plan(now, [...targets.keys()]);
      for (const key of dropped) {
        const r = this.rulings.get(key);
        this.rulings.delete(key);
        if (!r || r.value === null) continue;
        const [pointId, level] = splitKey(key);
        cmds.push(this.command(pointId, level, null, r.scheduleId ?? 'removed', 'schedule removed'));
      }
      await this.send(cmds);
      this.arm();
    });
  }

  /** Command every target's current value, then sleep until the first edge. */
  start(): Promise<void> {
    this.running = true;
    return this.enqueue(async () => {
      const now = this.d.clock.now();
      await this.send(this.plan(now, [...this.targets.keys()], true));
      this.arm();
    });
  }

  stop(): void {
    this.running = false;
    this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves once the edges and reloads queued so far are done (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** The next instant the engine wakes (an edge or an optimum-start decision). */
  get nextEdge(): number {
    return this.nextWake;
  }

  list(): readonly PlannedSchedule[] {
    return this.schedules;
  }

  origin(id: string): ScheduleOrigin | undefined {
    return this.origins.get(id);
  }

  pointsOf(id: string): readonly string[] {
    return this.targetsOf.get(id) ?? [];
  }

  /** A schedule's state now (computed when not cached). */
  want(id: string, now = this.d.clock.now()): Want | undefined {
    const s = this.schedules.find((x) => x.config.id === id);
    if (!s) return undefined;
    const cached = this.wants.get(id);
    if (cached && cached.since <= now && now < cached.until) return cached;
    return wantAt(s, now, this.timeZone, this.d.advisor?.leadOf);
  }

  /** Which schedule rules a point's level (as last commanded). */
  ruling(pointId: string, level: number): Ruling | undefined {
    return this.rulings.get(`${pointId}@${level}`);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn).catch((err) => this.d.log.error({ err }, 'schedule engine step failed'));
    this.queue = next;
    return next;
  }

  /**
   * The commands for the given targets: each target's ruling schedule now; `all` commands even those whose
   * ruling did not change (start: the array takes care that an unchanged level writes nothing).
   */
  private plan(now: number, keys: readonly string[], all = false): LevelCommand[] {
    const cmds: LevelCommand[] = [];
    for (const key of keys) {
      const t = this.targets.get(key);
      if (!t) continue;
      const winner = arbitrate(t.schedules.map((s) => ({ ...this.wantOf(s, now), order: s.order })));
      const ruling: Ruling = winner
        ? { value: winner.value, scheduleId: winner.scheduleId, want: winner }
        : { value: null, scheduleId: null };
      const before = this.rulings.get(key);
      this.rulings.set(key, ruling);
      if (!all && before && before.value === ruling.value && before.scheduleId === ruling.scheduleId)
        continue;
      if (ruling.value === null && (!before || before.value === null) && !all) continue;
      const source = ruling.scheduleId ?? before?.scheduleId ?? t.schedules[0]!.config.id;
      cmds.push(
        this.command(
          t.pointId,
          t.level,
          ruling.value,
          source,
          this.reasonOf(winner && (this.wants.get(winner.scheduleId) ?? winner)),
        ),
      );
    }
    return cmds;
  }

  /** The audit reason of a want, worked out once per want (a group of 500 points shares it). */
  private readonly reasons = new WeakMap<Want, string>();
  private reasonOf(w: Want | undefined): string {
    if (!w) return describeWant(undefined, this.timeZone);
    let r = this.reasons.get(w);
    if (r === undefined) {
      r = describeWant(w, this.timeZone);
      this.reasons.set(w, r);
    }
    return r;
  }

  private command(
    pointId: string,
    level: number,
    value: PointValue | null,
    scheduleId: string,
    reason: string,
  ): LevelCommand {
    return { pointId, level, value, by: SCHEDULES_REQUESTER, source: `schedule:${scheduleId}`, reason };
  }

  private wantOf(s: PlannedSchedule, now: number): Want {
    const cached = this.wants.get(s.config.id);
    if (cached && cached.since <= now && now < cached.until) return cached;
    const w = wantAt(s, now, this.timeZone, this.d.advisor?.leadOf);
    this.wants.set(s.config.id, w);
    return w;
  }

  private async send(cmds: LevelCommand[]): Promise<void> {
    if (!cmds.length) return;
    this.counters.commands += cmds.length;
    try {
      const states = await this.d.control.commandMany(cmds);
      this.counters.failures += states.filter((s) => s.pending).length;
    } catch (err) {
      this.counters.failures += cmds.length;
      this.d.log.warn({ err: (err as Error).message, count: cmds.length }, 'schedule commands failed');
    }
  }

  /** One timer to the next edge or decision. */
  private arm(): void {
    this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) return;
    const now = this.d.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.schedules) {
      next = Math.min(next, this.wantOf(s, now).until);
      const decision = this.d.advisor?.nextDecision(s, now);
      if (decision !== undefined) next = Math.min(next, decision);
    }
    this.nextWake = next;
    if (!Number.isFinite(next) && !this.schedules.length) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, next - now));
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      void this.enqueue(() => this.wake());
    }, wait);
  }

  /** An edge (or a decision, or the longest wait) is due: command what changed. */
  private async wake(): Promise<void> {
    if (!this.running) return;
    this.counters.wakes++;
    const now = this.d.clock.now();
    const changed = new Set<string>();
    const advisor = this.d.advisor;
    for (const s of this.schedules) {
      const id = s.config.id;
      const due = advisor?.nextDecision(s, now);
      if (due !== undefined && due <= now && advisor!.decide(s, now)) this.wants.delete(id);
      const cached = this.wants.get(id);
      if (cached && cached.since <= now && now < cached.until) continue;
      const w = wantAt(s, now, this.timeZone, advisor?.leadOf);
      this.wants.set(id, w);
      if (!cached || cached.value !== w.value || cached.kind !== w.kind || cached.since !== w.since) {
        changed.add(id);
        advisor?.edge?.(s, w, now);
      }
    }
    if (changed.size) {
      this.counters.edges++;
      const keys = [...this.targets.entries()]
        .filter(([, t]) => t.schedules.some((s) => changed.has(s.config.id)))
        .map(([k]) => k);
      await this.send(this.plan(now, keys));
    }
    this.arm();
  }
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf('@');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

/** 'schedule office-ahus: period 07:30–12:00 (weekday mon)', for the audit log. */
export function describeWant(w: Want | undefined, tz: string): string {
  if (!w) return 'no schedule wants this level now: relinquished';
  const range = `${Number.isFinite(w.since) ? localTime(w.since, tz) : '…'}–${Number.isFinite(w.until) ? localTime(w.until, tz) : '…'}`;
  const what = w.kind === 'event' ? `event${w.eventName ? ` "${w.eventName}"` : ''}` : w.kind;
  const day =
    w.dayType === 'weekday' ? w.weekday : w.dayType === 'workday' ? `make-up day as ${w.weekday}` : 'holiday';
  return `schedule ${w.scheduleId}: ${what} ${range} (${day})${w.leadMinutes ? `, optimum start ${w.leadMinutes} min early` : ''}`;
}
