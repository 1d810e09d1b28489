import { type ActingPerson, personActor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { Fail } from '../../core/config/validate-site.js';
import { formatIssues, formatPath } from '../../core/config/zod-helpers.js';
import { conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { OptimumStart } from './optimum-start.js';
import type { ScheduleEngine, ScheduleOrigin } from './schedule-engine.js';
import {
  addDays,
  localDate,
  localTime,
  type PlannedSchedule,
  plannedSchedule,
  type Want,
} from './schedule-plan.js';
import { previewDay } from './schedule-preview.js';
import {
  type CalendarConfig,
  CalendarSchema,
  checkCalendars,
  checkOneSchedule,
  compileCalendar,
  isDate,
  type ScheduleConfig,
  ScheduleConfigSchema,
} from './schedule-schema.js';
import type { ControlItemStore } from './schedule-store.js';
import { resolveTargets } from './targets.js';

type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** A schedule given through the API, checked exactly as the site file's (schema, targets, values, calendar). */
export function checkScheduleBody(
  raw: unknown,
  site: SiteModel,
  calendars: ReadonlySet<string>,
): Checked<ScheduleConfig> {
  const parsed = ScheduleConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues, ['schedule']) };
  const errors: string[] = [];
  const fail: Fail = (path, message) => errors.push(`${formatPath(path)}: ${message}`);
  checkOneSchedule(parsed.data, site, calendars, ['schedule'], fail);
  return errors.length ? { ok: false, errors } : { ok: true, value: parsed.data };
}

export function checkCalendarBody(raw: unknown): Checked<CalendarConfig> {
  const parsed = CalendarSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues, ['calendar']) };
  const errors: string[] = [];
  checkCalendars([parsed.data], ['calendar'], (path, message) =>
    errors.push(`${formatPath(path).replace('calendar[0]', 'calendar')}: ${message}`),
  );
  return errors.length ? { ok: false, errors } : { ok: true, value: parsed.data };
}

const SITE_FILE = 'the site file (control.schedules)';

/**
 * Schedules and calendars as people manage them: the site file's (read only) and those made through the API
 * (stored, checked exactly like the site file's, running at once, audited), the dry run of a day, optimum start's
 * report. The engine only runs what this service gives it.
 */
export class ScheduleService {
  constructor(
    private readonly d: {
      site: SiteModel;
      schedules: ControlItemStore;
      calendars: ControlItemStore;
      engine: ScheduleEngine;
      audit: AuditLog;
      clock: Clock;
      log: Logger;
      optimum?: OptimumStart;
    },
  ) {}

  private get file() {
    return this.d.site.config.control;
  }

  private get tz(): string {
    return this.d.site.site.timezone;
  }

  /** Every calendar the schedules may name: the site file's, then the API's that are valid. */
  calendarConfigs(): { config: CalendarConfig; origin: ScheduleOrigin }[] {
    const fileIds = new Set(this.file.calendars.map((c) => c.id));
    const out: { config: CalendarConfig; origin: ScheduleOrigin }[] = this.file.calendars.map((config) => ({
      config,
      origin: 'site-file',
    }));
    for (const st of this.d.calendars.list()) {
      const c = checkCalendarBody(st.body);
      if (c.ok && !fileIds.has(st.id)) out.push({ config: c.value, origin: 'api' });
    }
    return out;
  }

  /** What the engine runs: the site file's schedules, then the API's that still fit the site (by id). */
  scheduleConfigs(log = false): { config: ScheduleConfig; origin: ScheduleOrigin }[] {
    const calendars = new Set(this.calendarConfigs().map((c) => c.config.id));
    const fileIds = new Set(this.file.schedules.map((s) => s.id));
    const out: { config: ScheduleConfig; origin: ScheduleOrigin }[] = this.file.schedules.map((config) => ({
      config,
      origin: 'site-file',
    }));
    for (const st of this.d.schedules.list()) {
      const c = checkScheduleBody(st.body, this.d.site, calendars);
      if (!c.ok || fileIds.has(st.id)) {
        if (log)
          this.d.log.error(
            { schedule: st.id, errors: c.ok ? ['the site file now has a schedule with this id'] : c.errors },
            'a schedule made through the API no longer fits the site; it is not running',
          );
        continue;
      }
      out.push({ config: c.value, origin: 'api' });
    }
    return out;
  }

  /** Give the engine the current set (at start, and after every change through the API). */
  apply(): Promise<void> {
    return this.d.engine.setSchedules(
      this.calendarConfigs().map((c) => c.config),
      this.scheduleConfigs(true),
    );
  }

  private view(config: ScheduleConfig, origin: ScheduleOrigin) {
    const { engine } = this.d;
    const st = origin === 'api' ? this.d.schedules.get(config.id) : undefined;
    const points = engine.pointsOf(config.id);
    const want = engine.want(config.id);
    const rules = points.filter(
      (p) => engine.ruling(p, plannedSchedule(config, undefined, 0).level)?.scheduleId === config.id,
    );
    return {
      id: config.id,
      name: config.name,
      origin,
      level: plannedSchedule(config, undefined, 0).level,
      schedule: config,
      points,
      /** The points whose level this schedule holds now (others there are ruled by another schedule). */
      rulesPoints: rules,
      now: want ? this.wantView(want) : null,
      ...(st ? { updatedAt: st.updatedAt, updatedBy: st.updatedBy } : {}),
    };
  }

  private wantView(w: Want) {
    const tz = this.tz;
    return {
      value: w.value,
      kind: w.kind,
      dayType: w.dayType,
      weekday: w.weekday,
      date: w.date,
      eventName: w.eventName,
      leadMinutes: w.leadMinutes,
      since: Number.isFinite(w.since) ? w.since : null,
      sinceLocal: Number.isFinite(w.since) ? `${localDate(w.since, tz)} ${localTime(w.since, tz)}` : null,
      nextEdge: Number.isFinite(w.until) ? w.until : null,
      nextEdgeLocal: Number.isFinite(w.until) ? `${localDate(w.until, tz)} ${localTime(w.until, tz)}` : null,
    };
  }

  /** Every schedule with its points, what it wants now and its next edge; stored ones that no longer fit, with why. */
  list() {
    const running = this.scheduleConfigs();
    const calendars = new Set(this.calendarConfigs().map((c) => c.config.id));
    const broken = this.d.schedules
      .list()
      .filter((st) => !running.some((r) => r.config.id === st.id && r.origin === 'api'))
      .map((st) => {
        const c = checkScheduleBody(st.body, this.d.site, calendars);
        return {
          id: st.id,
          origin: 'api' as const,
          body: st.body,
          errors: c.ok ? ['an id the site file now uses'] : c.errors,
        };
      });
    return { timeZone: this.tz, schedules: running.map((s) => this.view(s.config, s.origin)), broken };
  }

  get(id: string) {
    const s = this.scheduleConfigs().find((x) => x.config.id === id);
    if (!s) throw notFound('schedule', id);
    return this.view(s.config, s.origin);
  }

  private fromFile(id: string): boolean {
    return this.file.schedules.some((s) => s.id === id);
  }

  /** Create a schedule through the API (409 when the id is taken, in the site file or the store). */
  create(body: unknown, by: ActingPerson) {
    const id = (body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string') throw invalid('schedule.id: required (an id)');
    if (this.fromFile(id)) throw conflict(`schedule "${id}" is defined in ${SITE_FILE}`, { siteFile: true });
    if (this.d.schedules.get(id))
      throw conflict(`schedule "${id}" exists: PUT /api/v1/control/schedules/${id} changes it`);
    return this.save(id, body, by);
  }

  /** Create or replace a schedule made through the API; it runs at once. */
  async save(id: string, body: unknown, by: ActingPerson) {
    const { schedules, audit, clock } = this.d;
    if (this.fromFile(id))
      throw conflict(`schedule "${id}" is defined in ${SITE_FILE}: change it there`, { siteFile: true });
    if (!body || typeof body !== 'object' || (body as { id?: unknown }).id !== id)
      throw invalid(`schedule.id: expected "${id}" (the id in the path)`);
    if (!by.permissions.has('setpoint:write'))
      throw forbidden('a schedule writes to equipment: it needs the permission setpoint:write too');
    this.check(body);
    const before = schedules.get(id);
    schedules.put(id, body, by.username, clock.now());
    await this.apply();
    audit.record(personActor(by), {
      action: before ? 'schedule.updated' : 'schedule.created',
      target: id,
      before: before?.body,
      after: body,
    });
    return { created: !before, schedule: this.get(id) };
  }

  async remove(id: string, by: ActingPerson): Promise<void> {
    const { schedules, audit } = this.d;
    if (this.fromFile(id))
      throw conflict(`schedule "${id}" is defined in ${SITE_FILE}: remove it there`, { siteFile: true });
    const before = schedules.get(id);
    if (!before || !schedules.delete(id)) throw notFound('schedule', id);
    await this.apply();
    audit.record(personActor(by), { action: 'schedule.deleted', target: id, before: before.body });
  }

  private check(raw: unknown): ScheduleConfig {
    const calendars = new Set(this.calendarConfigs().map((c) => c.config.id));
    const c = checkScheduleBody(raw, this.d.site, calendars);
    if (!c.ok) throw invalid(c.errors.join('; '), { errors: c.errors });
    return c.value;
  }

  listCalendars() {
    const used = (id: string) =>
      this.scheduleConfigs()
        .filter((s) => s.config.calendar === id)
        .map((s) => s.config.id);
    return this.calendarConfigs().map(({ config, origin }) => {
      const st = origin === 'api' ? this.d.calendars.get(config.id) : undefined;
      return {
        id: config.id,
        name: config.name,
        origin,
        calendar: config,
        /** Every holiday date, ranges expanded. */
        dates: [...compileCalendar(config).holidays].sort(),
        usedBy: used(config.id),
        ...(st ? { updatedAt: st.updatedAt, updatedBy: st.updatedBy } : {}),
      };
    });
  }

  getCalendar(id: string) {
    const c = this.listCalendars().find((x) => x.id === id);
    if (!c) throw notFound('calendar', id);
    return c;
  }

  async saveCalendar(id: string, body: unknown, by: ActingPerson) {
    const { calendars, audit, clock } = this.d;
    if (this.file.calendars.some((c) => c.id === id))
      throw conflict(`calendar "${id}" is defined in the site file (control.calendars): change it there`, {
        siteFile: true,
      });
    if (!body || typeof body !== 'object' || (body as { id?: unknown }).id !== id)
      throw invalid(`calendar.id: expected "${id}" (the id in the path)`);
    const c = checkCalendarBody(body);
    if (!c.ok) throw invalid(c.errors.join('; '), { errors: c.errors });
    const before = calendars.get(id);
    calendars.put(id, body, by.username, clock.now());
    await this.apply();
    audit.record(personActor(by), {
      action: before ? 'calendar.updated' : 'calendar.created',
      target: id,
      before: before?.body,
      after: body,
    });
    return { created: !before, calendar: this.getCalendar(id) };
  }

  async removeCalendar(id: string, by: ActingPerson): Promise<void> {
    const { calendars, audit } = this.d;
    if (this.file.calendars.some((c) => c.id === id))
      throw conflict(`calendar "${id}" is defined in the site file (control.calendars): remove it there`, {
        siteFile: true,
      });
    const before = calendars.get(id);
    if (!before) throw notFound('calendar', id);
    const users = this.scheduleConfigs().filter((s) => s.config.calendar === id);
    if (users.length)
      throw conflict(`calendar "${id}" is used by ${users.map((s) => s.config.id).join(', ')}`, {
        usedBy: users.map((s) => s.config.id),
      });
    calendars.delete(id);
    await this.apply();
    audit.record(personActor(by), { action: 'calendar.deleted', target: id, before: before.body });
  }

  /** The dry run of a running schedule for one local date (default: tomorrow). */
  preview(id: string, date?: string) {
    const { engine } = this.d;
    const subject = engine.list().find((s) => s.config.id === id);
    if (!subject) throw notFound('schedule', id);
    return this.previewOf(subject, engine.pointsOf(id), date);
  }

  /** The dry run of a schedule not saved (or an edit of a saved one): checked as a save would be. */
  previewBody(body: unknown, date?: string) {
    const config = this.check(body);
    const { engine } = this.d;
    const cals = new Map(this.calendarConfigs().map((c) => [c.config.id, compileCalendar(c.config)]));
    const existing = engine.list().find((s) => s.config.id === config.id);
    const subject = plannedSchedule(
      config,
      config.calendar ? cals.get(config.calendar) : undefined,
      existing?.order ?? engine.list().length,
    );
    return this.previewOf(subject, resolveTargets(config.targets, this.d.site), date);
  }

  private previewOf(subject: PlannedSchedule, points: readonly string[], date?: string) {
    const { engine, clock, optimum } = this.d;
    const day = date ?? addDays(localDate(clock.now(), this.tz), 1);
    if (!isDate(day)) throw invalid('date: expected YYYY-MM-DD');
    const others = engine
      .list()
      .map((schedule) => ({ schedule, points: engine.pointsOf(schedule.config.id) }));
    // the lead optimum start would use, for a date it has not decided yet: its prediction now
    const leadOf = (id: string, d: string) => {
      const decided = optimum?.leadOf(id, d);
      if (decided !== undefined) return decided;
      const cfg = id === subject.config.id ? subject.config.optimumStart : undefined;
      return cfg && optimum ? optimum.predict(id, cfg) : undefined;
    };
    return {
      schedule: subject.config.id,
      date: day,
      timeZone: this.tz,
      level: subject.level,
      points: previewDay(subject, points, others, day, this.tz, leadOf),
    };
  }

  /** Optimum start learns again from history (at start, then daily). */
  learn(): Promise<void> {
    return this.d.optimum?.learn(this.d.engine.list()) ?? Promise.resolve();
  }

  optimumStart() {
    return { timeZone: this.tz, schedules: this.d.optimum?.report() ?? [] };
  }
}
