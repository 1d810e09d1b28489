import type { ActingPerson } from '../core/actor.js';
import type { ManualClock } from '../core/clock.js';
import type { PointValue, Reading } from '../core/model/reading.js';
import type { PointDef, SiteModel } from '../core/model/site-model.js';
import { plannedSchedule, type Want, wantAt } from '../domains/control/schedule-plan.js';
import { CalendarSchema, compileCalendar, ScheduleConfigSchema } from '../domains/control/schedule-schema.js';
import { resolveTargets, type Targets } from '../domains/control/targets.js';
import { type ActivityInterval, type Measure, measureOf } from '../domains/energy/savings-activity.js';
import type { Role } from '../platform/security/roles.js';
import { permissionsOf } from '../platform/security/roles.js';
import type { CounterSnapshot } from '../simulators/counters.js';
import { siteWall } from '../simulators/curves.js';
import { seededRandom } from '../simulators/meter-models.js';
import { SiteReplay } from '../simulators/site-replay.js';
import type { Hub } from './app.js';

/**
 * The demo's history: weeks of readings, automation activity, tickets and passes, generated at the first start
 * (an empty data dir) so every view has content in its first minute. The readings come from the simulators' own
 * models and physics (SiteReplay) stepped a minute at a time through simulated time and go into storage the
 * normal way (StorageService: the outbox for InfluxDB, or the embedded store), every 15 minutes; tickets and
 * passes go through the maintenance and visitor services with a manual clock. The first weeks run the
 * building as nobody automated it (AHUs on a fixed 06:00-22:00 time program every day, lights on 07:00-22:00
 * with half the circuits left on all night, the fresh-air dampers fixed at 70 %); the last `automatedWeeks`
 * run the site file's `control:` section (schedules with their holiday calendar, DCV, demand limiting), and
 * record when each measure acted, so the energy savings per measure have a baseline and something to show.
 */

/** The parts of the `control:` section the history acts out (a loose view: the schema owns the shapes). */
export interface HistoryControl {
  /** As the site file has them: checked with the schedules' own schemas (schedule-schema.ts). */
  calendars?: unknown[];
  schedules?: unknown[];
  occupancy?: {
    zone: string;
    co2?: string[];
    dcv?: { targets: Targets; co2Low: number; co2High: number; min: number; max: number };
  }[];
  demandLimit?: {
    id: string;
    meter: string;
    limitKw: number;
    shedAtPercent?: number;
    restoreAtPercent?: number;
    stepSeconds?: number;
    restoreStaggerSeconds?: number;
    loads: {
      name: string;
      targets: Targets;
      raiseBy?: number;
      steps?: number;
      max?: number;
      value?: PointValue;
    }[];
  }[];
}

export interface DemoHistoryResult {
  /** The counters where the history ends: the live simulators carry on from them. */
  counters: CounterSnapshot;
  from: number;
  to: number;
  automatedFrom: number;
  readings: number;
  activity: number;
  tickets: number;
  passes: number;
  ms: number;
}

const MINUTE = 60_000;
const SLOT = 15 * MINUTE;
const DAY = 86_400_000;
/** Writers' levels, as the priority arrays arbitrate them. */
const LEVEL = { 'demand-limit': 10, occupancy: 12 } as const;

const targetsOf = (t: Partial<Targets>): Targets => ({ points: t.points ?? [], groups: t.groups ?? [] });

/**
 * Generate the history from the hub's clock now (a ManualClock the generator advances; start it at
 * historyStart(to, weeks)) to `to`.
 */
export async function generateDemoHistory(o: {
  hub: Hub;
  clock: ManualClock;
  site: SiteModel;
  to: number;
  automatedWeeks: number;
  control?: HistoryControl;
  /** Every this many ms a reading of each point (default 15 min). */
  sampleMs?: number;
}): Promise<DemoHistoryResult> {
  const started = performance.now();
  const { hub, clock, site } = o;
  const tz = site.site.timezone;
  const end = o.to;
  const from = clock.now();
  const automatedFrom = end - o.automatedWeeks * 7 * DAY;
  const control: HistoryControl =
    o.control ?? ((site.config as unknown as { control?: HistoryControl }).control as HistoryControl) ?? {};
  // the schedules as the schedule engine evaluates them (schedule-plan.ts), with their calendars
  const calendars = new Map(
    (control.calendars ?? []).map((c) => {
      const cal = compileCalendar(CalendarSchema.parse(c));
      return [cal.id, cal];
    }),
  );
  const holidays = new Set([...calendars.values()].flatMap((c) => [...c.holidays]));
  const replay = new SiteReplay(site, from, holidays);

  // ── what the automation commands ─────────────────────────────────────────────────────────────────
  const schedules = (control.schedules ?? []).map((raw, i) => {
    const config = ScheduleConfigSchema.parse(raw);
    return {
      planned: plannedSchedule(config, config.calendar ? calendars.get(config.calendar) : undefined, i),
      points: resolveTargets(config.targets, site),
      want: undefined as Want | undefined,
    };
  });
  const dcv = (control.occupancy ?? []).flatMap((z) =>
    z.dcv
      ? [
          {
            zone: z.zone,
            co2: z.co2 ?? [],
            dcv: z.dcv,
            points: resolveTargets(targetsOf(z.dcv.targets), site),
          },
        ]
      : [],
  );
  const plans = (control.demandLimit ?? []).map((p) => ({
    p,
    powerPoint: powerPointOf(site, p.meter),
    loads: p.loads.map((l) => ({ l, points: resolveTargets(targetsOf(l.targets), site) })),
    /** Shed steps taken, in load order (a raiseBy load takes up to `steps`). */
    shed: [] as number[],
    lastChange: Number.NEGATIVE_INFINITY,
    window: { start: 0, kwMinutes: 0, minutes: 0 },
  }));

  // the building as nobody automated it: the same points, on fixed time programs
  const scheduled = new Set(schedules.flatMap((x) => x.points));
  const lighting = [...scheduled].filter(
    (id) => site.assetById.get(site.pointById.get(id)!.assetId)?.kind === 'lighting',
  );
  const manualValue = (id: string, w: { hour: number }): PointValue | undefined => {
    const p = site.pointById.get(id)!;
    if (p.type !== 'boolean') return undefined;
    if (lighting.includes(id)) return (w.hour >= 7 && w.hour < 22) || lighting.indexOf(id) % 2 === 1;
    return w.hour >= 6 && w.hour < 22;
  };
  const dcvPoints = new Set(dcv.flatMap((d) => d.points));

  // ── activity: who acts on which point, as the hub's recorder would see it ─────────────────────────
  const activity: ActivityInterval[] = [];
  const open = new Map<string, ActivityInterval>();
  const acting = (pointId: string, now: number, who?: { measure: Measure; source: string }) => {
    const cur = open.get(pointId);
    if (cur && who && cur.measure === who.measure && cur.source === who.source) return;
    if (cur) {
      cur.to = now;
      activity.push(cur);
      open.delete(pointId);
    }
    if (who) open.set(pointId, { ...who, pointId, from: now, to: null });
  };

  const written = new Map<string, PointValue>();
  const write = (id: string, v: PointValue) => {
    if (written.get(id) === v) return;
    written.set(id, v);
    replay.write(id, v);
  };
  const points = site.points.filter((p) => p.protocol !== 'mqtt' || p.kind !== 'command');
  let readings = 0;
  let batch: Reading[] = [];
  const sampleMs = o.sampleMs ?? SLOT;

  replay.run(end, MINUTE, (now) => {
    const w = siteWall(now, tz);
    const automated = now >= automatedFrom;
    // per point: the writers holding it now (level → source, value)
    const holders = new Map<string, { level: number; source: string; value: PointValue }[]>();
    const hold = (id: string, level: number, source: string, value: PointValue) => {
      const list = holders.get(id) ?? [];
      list.push({ level, source, value });
      holders.set(id, list);
    };
    if (!automated) {
      for (const id of scheduled) {
        const v = manualValue(id, w);
        if (v !== undefined) write(id, v);
      }
      for (const id of dcvPoints) write(id, 70);
    } else {
      for (const x of schedules) {
        if (!x.want || now >= x.want.until) x.want = wantAt(x.planned, now, tz);
        const v = x.want.value;
        if (v !== null)
          for (const id of x.points) hold(id, x.planned.level, `schedule:${x.planned.config.id}`, v);
      }
      for (const d of dcv) {
        const co2s = d.co2.map((id) => replay.read(id)).filter((v): v is number => typeof v === 'number');
        if (!co2s.length) continue;
        const co2 = Math.max(...co2s);
        const f = Math.min(1, Math.max(0, (co2 - d.dcv.co2Low) / (d.dcv.co2High - d.dcv.co2Low)));
        const value = Math.round(d.dcv.min + (d.dcv.max - d.dcv.min) * f);
        const running = d.points.some(
          (id) => replay.read(`${site.pointById.get(id)!.assetId}/running`) !== false,
        );
        for (const id of d.points)
          hold(id, LEVEL.occupancy, `occupancy:${d.zone}`, running ? value : d.dcv.min);
      }
      for (const plan of plans) demandStep(plan, now, replay, hold);
      for (const [id, list] of holders) {
        list.sort((a, b) => a.level - b.level);
        const top = list[0]!;
        write(id, top.value);
        const measure = measureOf(top.source, top.value);
        acting(id, now, measure ? { measure, source: top.source } : undefined);
      }
    }
    for (const id of open.keys()) if (!holders.has(id)) acting(id, now);
    // in the last minute of each slot (the ledger takes a slot's last reading: the live ones follow on)
    if (now % sampleMs === sampleMs - MINUTE) {
      for (const r of replay.readings(points)) batch.push(r);
      if (batch.length >= 5_000) {
        hub.storage.importReadings(batch);
        readings += batch.length;
        batch = [];
      }
    }
  });
  // a last reading at the end: the live readings' first counter step starts there, not up to 15 min before
  if (end % sampleMs !== 0) for (const r of replay.readings(points)) batch.push(r);
  hub.storage.importReadings(batch);
  readings += batch.length;
  hub.storage.settleImport();
  for (const iv of open.values()) activity.push({ ...iv, to: end });
  hub.energy.activity.addAll(activity);

  const work = await people(o, from, end);
  return {
    counters: replay.counters(),
    from,
    to: end,
    automatedFrom,
    readings,
    activity: activity.length,
    ...work,
    ms: Math.round(performance.now() - started),
  };
}

/** One minute of a demand-limit plan: the 15-minute demand forecast against the limit, shed or restore. */
function demandStep(
  plan: {
    p: NonNullable<HistoryControl['demandLimit']>[number];
    powerPoint?: string;
    loads: { l: NonNullable<HistoryControl['demandLimit']>[number]['loads'][number]; points: string[] }[];
    shed: number[];
    lastChange: number;
    window: { start: number; kwMinutes: number; minutes: number };
  },
  now: number,
  replay: SiteReplay,
  hold: (id: string, level: number, source: string, value: PointValue) => void,
) {
  const { p } = plan;
  const kw = plan.powerPoint ? replay.read(plan.powerPoint) : undefined;
  if (typeof kw !== 'number') return;
  const start = Math.floor(now / SLOT) * SLOT;
  if (plan.window.start !== start) plan.window = { start, kwMinutes: 0, minutes: 0 };
  plan.window.kwMinutes += kw;
  plan.window.minutes++;
  // the window's energy so far plus the present power for the rest of it
  const forecast = (plan.window.kwMinutes + kw * (15 - plan.window.minutes)) / 15;
  const shedAt = (p.limitKw * (p.shedAtPercent ?? 95)) / 100;
  const restoreAt = (p.limitKw * (p.restoreAtPercent ?? 85)) / 100;
  const taken = plan.shed.reduce((a, b) => a + b, 0);
  if (forecast > shedAt && now - plan.lastChange >= (p.stepSeconds ?? 60) * 1000) {
    // the next step: the first load with steps left
    for (let i = 0; i < plan.loads.length; i++) {
      const max = plan.loads[i]!.l.raiseBy !== undefined ? (plan.loads[i]!.l.steps ?? 1) : 1;
      if ((plan.shed[i] ?? 0) < max) {
        plan.shed[i] = (plan.shed[i] ?? 0) + 1;
        plan.lastChange = now;
        break;
      }
    }
  } else if (
    taken > 0 &&
    forecast < restoreAt &&
    now - plan.lastChange >= (p.restoreStaggerSeconds ?? 60) * 1000
  ) {
    // restore in reverse order, one step at a time
    for (let i = plan.loads.length - 1; i >= 0; i--)
      if ((plan.shed[i] ?? 0) > 0) {
        plan.shed[i]!--;
        plan.lastChange = now;
        break;
      }
  }
  plan.loads.forEach(({ l, points }, i) => {
    const steps = plan.shed[i] ?? 0;
    if (!steps) return;
    for (const id of points) {
      let value: PointValue | undefined = l.value;
      if (l.raiseBy !== undefined) {
        const base = Number(replay.read(id) ?? 0);
        const nominal = Number.isFinite(base) ? base : 0;
        // the shed raises from the value the point held before the limiter took it (its nominal)
        const from = nominals.get(id) ?? nominal;
        nominals.set(id, from);
        value = Math.min(l.max ?? Number.POSITIVE_INFINITY, from + steps * l.raiseBy);
      }
      if (value !== undefined) hold(id, LEVEL['demand-limit'], `demand-limit:${p.id}`, value);
    }
  });
}
const nominals = new Map<string, number>();

// ── tickets and passes ───────────────────────────────────────────────────────────────────────────────
const person = (username: string, roles: Role[]): ActingPerson => ({
  username,
  permissions: permissionsOf(roles),
  via: 'session',
});

const FAULTS = [
  {
    kind: 'ahu',
    title: 'AHU noisy at start-up 空调箱启动异响',
    resolution: 'Belt tension adjusted 调整皮带张力',
  },
  {
    kind: 'chiller',
    title: 'Chiller high condenser pressure 冷凝压力偏高',
    resolution: 'Condenser tubes cleaned 清洗冷凝器',
  },
  {
    kind: 'pump',
    title: 'Pump seal dripping 水泵机封滴漏',
    resolution: 'Mechanical seal replaced 更换机械密封',
  },
  { kind: 'lighting', title: 'Flickering panels 灯具闪烁', resolution: 'Drivers replaced 更换驱动电源' },
  {
    kind: 'electricity-meter',
    title: 'Meter shows no current on L2 电表L2无电流',
    resolution: 'CT connection tightened 紧固互感器接线',
  },
  {
    kind: 'env-sensor',
    title: 'Room too warm in the afternoon 下午室温偏高',
    resolution: 'Setpoint schedule corrected 修正设定',
  },
];
const VISITORS = [
  '张伟',
  '王芳',
  '李娜',
  '刘洋',
  '陈静',
  '杨磊',
  '赵敏',
  '黄强',
  '周杰',
  '吴婷',
  'Anna Becker',
  'Tom Lee',
];

/**
 * Tickets and passes over [from, to), through the services, the hub's clock advanced to each moment: a few
 * faults a working day (submitted, approved, dispatched, accepted, started, resolved, rated) and visitors
 * (registered, approved by their host, in and out at the gates). The demo's people are created as accounts
 * without a password (an admin gives them one) where the site file names them.
 */
async function people(
  o: { hub: Hub; clock: ManualClock; site: SiteModel },
  from: number,
  to: number,
): Promise<{ tickets: number; passes: number }> {
  const { hub, clock, site } = o;
  const users = hub.auth.users;
  const ensure = (username: string, roles: Role[]) => {
    if (!users.findByName(username))
      users.create({ username, displayName: username, roles, passwordHash: '!', now: from });
    return person(username, roles);
  };
  const m = site.config.maintenance;
  const requester = ensure(m?.departments?.[0]?.members?.[0] ?? 'chen-office', ['requester']);
  const approver = ensure(m?.departments?.[0]?.approvers?.[0] ?? 'sun-office', ['approver', 'requester']);
  const dispatcher = ensure('desk', ['dispatcher']);
  const techs = new Map<string, ActingPerson>();
  for (const t of m?.teams ?? []) for (const u of t.members) techs.set(u, ensure(u, ['technician']));
  const rnd = seededRandom(`demo-people-${site.site.id}`);
  const tz = site.site.timezone;
  const at = (t: number) => {
    if (t > clock.now()) clock.advance(Math.round(t - clock.now()));
  };
  let tickets = 0;
  let passes = 0;
  const gates = [...hub.visitors.gates.gates.keys()];
  for (let day = from; day + DAY <= to; day += DAY) {
    const w = siteWall(day + 12 * 3600_000, tz);
    if (w.weekday === 0 || w.weekday === 6) continue;
    // the day's local midnight: noon of the day minus its local hour
    const midnight = day + 12 * 3600_000 - Math.round(w.hour * 3600_000);
    const nTickets = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < nTickets; i++) {
      const f = FAULTS[Math.floor(rnd() * FAULTS.length)]!;
      const ofKind = site.assets.filter((a) => a.kind === (f.kind as string));
      const asset = ofKind[Math.floor(rnd() * ofKind.length)];
      const team =
        (m?.teams ?? []).find((t) => (t.skills as string[] | undefined)?.includes(f.kind)) ?? m?.teams?.[0];
      if (!team) break;
      const tech = techs.get(team.members[Math.floor(rnd() * team.members.length)]!)!;
      const t0 = midnight + (8.5 + rnd() * 8) * 3600_000;
      if (t0 > to - 3600_000) continue;
      at(t0);
      try {
        const t = hub.maintenance.tickets.create(
          {
            kind: 'fault',
            source: 'person',
            title: f.title,
            description: `${f.title} (demo history)`,
            ...(asset ? { assetId: asset.id } : {}),
            priority: 2 + Math.floor(rnd() * 3),
          },
          requester,
        );
        tickets++;
        const tickets_ = hub.maintenance.tickets;
        if (t.state === 'submitted') {
          at(t0 + 20 * MINUTE * (0.5 + rnd()));
          tickets_.act(t.id, 'approve', approver);
        }
        if (t0 + 5 * 3600_000 > to) continue; // recent ones stay open
        at(clock.now() + 15 * MINUTE * (0.5 + rnd()));
        tickets_.act(t.id, 'dispatch', dispatcher, { team: team.id });
        at(clock.now() + 10 * MINUTE * (0.5 + rnd()));
        tickets_.act(t.id, 'accept', tech, { etaMinutes: 30 });
        at(clock.now() + 30 * MINUTE * (0.5 + rnd()));
        tickets_.act(t.id, 'start', tech);
        at(clock.now() + 90 * MINUTE * (0.5 + rnd()));
        tickets_.act(t.id, 'resolve', tech, { resolution: f.resolution });
        if (rnd() < 0.8) {
          at(clock.now() + 60 * MINUTE * (0.5 + rnd()));
          tickets_.act(t.id, 'rate', requester, { rating: rnd() < 0.7 ? 5 : 4 });
        }
      } catch {
        // a transition the policy refuses (a setting of the site's own): the ticket stays where it is
      }
    }
    // visitors: a few a day, host approves, in at a gate, out again
    const nVisitors = 2 + Math.floor(rnd() * 5);
    for (let i = 0; i < nVisitors && gates.length; i++) {
      const arrive = midnight + (9 + rnd() * 6) * 3600_000;
      if (arrive > to - 3600_000) continue;
      at(arrive - (1 + rnd() * 20) * 3600_000);
      try {
        const r = hub.visitors.passes.register(approver, {
          name: VISITORS[Math.floor(rnd() * VISITORS.length)]!,
          phone: `1380000${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}`,
          company: rnd() < 0.5 ? 'Demo Supplier Co. 演示供应商' : 'Partner Ltd. 合作方',
          host: approver.username,
          purpose: rnd() < 0.5 ? 'Meeting 会议' : 'Maintenance visit 维保',
          validFrom: arrive - 30 * MINUTE,
          validUntil: arrive + 8 * 3600_000,
        });
        passes++;
        if (r.pass.state === 'requested') hub.visitors.passes.approve(r.pass.id, approver);
        if (arrive + 3 * 3600_000 > to) continue;
        at(arrive);
        hub.visitors.passes.recordEntry(r.pass.id, 'in');
        at(arrive + (1 + rnd() * 3) * 3600_000);
        hub.visitors.passes.recordEntry(r.pass.id, 'out');
      } catch {
        // the site's visitor policy refused it: fewer visitors
      }
    }
  }
  at(to);
  return { tickets, passes };
}

/** A plan's meter (the meter asset, or an energy.meters id whose counter is on one): its power point. */
function powerPointOf(site: SiteModel, meter: string): string | undefined {
  const counter = site.config.energy?.meters?.find((m) => m.id === meter)?.point;
  const asset = counter ? counter.split('/')[0]! : meter;
  return site.points.find((x) => x.assetId === asset && x.unit === 'kW' && x.kind !== 'counter')?.id;
}

/** Where `weeks` of history ending at `to` start (a quarter hour). */
export function historyStart(to: number, weeks: number): number {
  return Math.floor((to - weeks * 7 * DAY) / SLOT) * SLOT;
}

/** The points the history reads (all but MQTT command points, which nothing reads back). */
export function historyPoints(site: SiteModel): PointDef[] {
  return site.points.filter((p) => p.protocol !== 'mqtt' || p.kind !== 'command');
}
