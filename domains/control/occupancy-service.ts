import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { CommandRequester } from '../../core/devices/command-service.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { Logger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { LEVELS, type LevelCommand, type PointControl } from './control-types.js';
import { beyondDeadband, dcvValue, isOccupied, OccupancyTimeline } from './occupancy-logic.js';
import { lightsOff, type OccupancyConfig } from './occupancy-schema.js';
import { OnePassAtATime } from './one-pass-at-a-time.js';
import { resolveTargets } from './targets.js';

/** Occupancy control writes as itself, with the one permission it needs (never gates). */
export const OCCUPANCY_REQUESTER: CommandRequester = {
  actor: 'occupancy',
  via: 'system',
  permissions: new Set(['setpoint:write'] as const),
};

const MIN = 60_000;
/** How often the zones are looked at between readings (timers, schedules). */
const TICK_MS = 5_000;

interface ZoneState {
  cfg: OccupancyConfig;
  source: string;
  timeline: OccupancyTimeline;
  people?: number;
  co2?: number;
  dcv: { points: string[]; last?: number; at?: number };
  lighting: { points: string[]; off: boolean; since?: number };
  setback: { points: string[]; on: boolean; since?: number };
  /** Points whose readings concern this zone (motion, CO₂). */
  inputs: Set<string>;
}

/**
 * Occupancy-driven control per zone (`control.occupancy`): a zone is occupied while people are on site (the
 * gates, when it counts them), a motion point sees someone, or its schedule is on. Demand-controlled
 * ventilation sets the outdoor-air damper (or fan) between min at co2Low and max at co2High, commanded only
 * when it moves by more than the deadband; lighting goes off once the zone has been unoccupied for
 * offAfterMinutes and is relinquished when someone is back; the setback value is commanded once the zone has
 * been empty for afterMinutes, relinquished when people return. All at `automation` (12), source
 * `occupancy:<zone>`.
 */
export class OccupancyService {
  private readonly zones: ZoneState[];
  private readonly byInput = new Map<string, ZoneState[]>();
  private readonly unsubscribe: (() => void)[] = [];
  private timer: unknown;
  /** Evaluates a zone; one pass at a time per zone, a request meanwhile runs once more after it. */
  private readonly passes = new OnePassAtATime<ZoneState>(
    (z) => this.evaluate(z),
    (z, err) => this.d.log.warn({ zone: z.cfg.zone, err: err.message }, 'occupancy control failed'),
  );

  constructor(
    private readonly d: {
      site: SiteModel;
      control: PointControl;
      bus: EventBus;
      clock: Clock;
      latest: LatestValues;
      log: Logger;
      /** People on site now (the visitors domain's count from the gates). */
      peopleOnSite?: () => number;
      zones?: readonly OccupancyConfig[];
    },
  ) {
    const { site } = d;
    this.zones = (d.zones ?? site.config.control.occupancy).map((cfg) => {
      const z: ZoneState = {
        cfg,
        source: `occupancy:${cfg.zone}`,
        timeline: new OccupancyTimeline(),
        dcv: { points: cfg.dcv ? resolveTargets(cfg.dcv.targets, site) : [] },
        lighting: { points: cfg.lighting ? resolveTargets(cfg.lighting.targets, site) : [], off: false },
        setback: { points: cfg.setback ? resolveTargets(cfg.setback.targets, site) : [], on: false },
        inputs: new Set([...cfg.people.motion, ...cfg.co2]),
      };
      for (const id of z.inputs) this.byInput.set(id, [...(this.byInput.get(id) ?? []), z]);
      return z;
    });
  }

  start(): void {
    if (!this.zones.length) return;
    const now = this.d.clock.now();
    // what this service held before a restart is still in the arrays: pick it up from there
    for (const z of this.zones) {
      const holds = (id: string) => this.slot(id, z.source);
      const dcv = z.dcv.points.map(holds).find((s) => s !== undefined);
      if (typeof dcv?.value === 'number') z.dcv.last = dcv.value;
      if (z.lighting.points.some((id) => holds(id))) z.lighting = { ...z.lighting, off: true, since: now };
      if (z.setback.points.some((id) => holds(id))) z.setback = { ...z.setback, on: true, since: now };
    }
    this.unsubscribe.push(
      this.d.bus.on('readings.accepted', (batch) => {
        const touched = new Set<ZoneState>();
        for (const r of batch) for (const z of this.byInput.get(r.pointId) ?? []) touched.add(z);
        for (const z of touched) this.kick(z);
      }),
      this.d.bus.on('gate.passed', () => {
        for (const z of this.zones) if (z.cfg.people.gates) this.kick(z);
      }),
    );
    this.timer = this.d.clock.setInterval(() => {
      for (const z of this.zones) this.kick(z);
    }, TICK_MS);
    for (const z of this.zones) this.kick(z);
  }

  stop(): void {
    this.d.clock.clearInterval(this.timer);
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Resolves once every pass in flight is done (tests). */
  async settled(): Promise<void> {
    await this.passes.settled();
  }

  private slot(pointId: string, source: string) {
    return this.d.control
      .state(pointId)
      ?.slots.find((s) => s.level === LEVELS.automation && s.source === source);
  }

  private kick(z: ZoneState): void {
    this.passes.kick(z);
  }

  private value(id: string): PointValue | null | undefined {
    const v = this.d.latest.get(id);
    return v && v.quality !== 'bad' ? v.value : undefined;
  }

  private async evaluate(z: ZoneState): Promise<void> {
    const { cfg } = z;
    const now = this.d.clock.now();
    z.people = cfg.people.gates ? (this.d.peopleOnSite?.() ?? 0) : undefined;
    const motion = cfg.people.motion.map((id) => this.value(id));
    const schedule = cfg.people.schedule ? this.d.site.schedules.get(cfg.people.schedule) : undefined;
    const known = cfg.people.gates || !!schedule || motion.some((v) => v !== undefined && v !== null);
    const co2s = cfg.co2.map((id) => this.value(id)).filter((v): v is number => typeof v === 'number');
    z.co2 = co2s.length ? Math.max(...co2s) : undefined;
    const cmds: LevelCommand[] = [];
    const at = (points: string[], value: PointValue | null, reason: string) => {
      for (const pointId of points)
        if (value !== null || this.slot(pointId, z.source))
          cmds.push({
            pointId,
            level: LEVELS.automation,
            value,
            by: OCCUPANCY_REQUESTER,
            source: z.source,
            reason: `zone ${cfg.zone}: ${reason}`,
          });
    };

    if (known) {
      const occupied = isOccupied({ people: z.people, motion, scheduled: schedule?.isOn(now) });
      z.timeline.update(occupied, now);
      const empty = z.timeline.emptyFor(now);
      if (cfg.lighting) {
        if (!occupied && !z.lighting.off && empty >= cfg.lighting.offAfterMinutes * MIN) {
          for (const id of z.lighting.points)
            at(
              [id],
              lightsOff(this.d.site.pointById.get(id)!.type),
              `unoccupied ${cfg.lighting.offAfterMinutes} min`,
            );
          z.lighting = { ...z.lighting, off: true, since: now };
        } else if (occupied && z.lighting.off) {
          at(z.lighting.points, null, 'occupied again');
          z.lighting = { ...z.lighting, off: false, since: now };
        }
      }
      if (cfg.setback) {
        if (!occupied && !z.setback.on && empty >= cfg.setback.afterMinutes * MIN) {
          at(z.setback.points, cfg.setback.value, `empty ${cfg.setback.afterMinutes} min: setback`);
          z.setback = { ...z.setback, on: true, since: now };
        } else if (occupied && z.setback.on) {
          at(z.setback.points, null, 'people back: setback ends');
          z.setback = { ...z.setback, on: false, since: now };
        }
      }
    }
    if (cfg.dcv && z.co2 !== undefined) {
      const v = dcvValue(z.co2, cfg.dcv);
      if (beyondDeadband(z.dcv.last, v, cfg.dcv.deadband)) {
        at(z.dcv.points, v, `CO₂ ${Math.round(z.co2)} ppm → ${v}`);
        z.dcv = { ...z.dcv, last: v, at: now };
      }
    }
    if (cmds.length) await this.d.control.commandMany(cmds);
  }

  /** Per zone: people, CO₂, occupied or empty since when, and what it commands now. */
  describe() {
    const now = this.d.clock.now();
    return this.zones.map((z) => {
      const { cfg } = z;
      const held = [...z.dcv.points, ...z.lighting.points, ...z.setback.points]
        .map((id) => ({ point: id, slot: this.slot(id, z.source) }))
        .filter((h) => h.slot)
        .map((h) => ({ point: h.point, value: h.slot!.value, since: h.slot!.since }));
      return {
        zone: cfg.zone,
        name: this.d.site.zoneById.get(cfg.zone)?.name ?? cfg.zone,
        occupied: z.timeline.occupied ?? null,
        occupiedSince: z.timeline.occupied ? (z.timeline.since ?? null) : null,
        emptySince: z.timeline.occupied === false ? (z.timeline.since ?? null) : null,
        people: z.people ?? null,
        motion: cfg.people.motion.map((id) => ({ point: id, value: this.value(id) ?? null })),
        schedule: cfg.people.schedule
          ? {
              id: cfg.people.schedule,
              on: this.d.site.schedules.get(cfg.people.schedule)?.isOn(now) ?? false,
            }
          : null,
        co2: z.co2 ?? null,
        dcv: cfg.dcv
          ? {
              points: z.dcv.points,
              value: z.dcv.last ?? null,
              since: z.dcv.at ?? null,
              co2Low: cfg.dcv.co2Low,
              co2High: cfg.dcv.co2High,
              min: cfg.dcv.min,
              max: cfg.dcv.max,
            }
          : null,
        lighting: cfg.lighting
          ? {
              points: z.lighting.points,
              off: z.lighting.off,
              since: z.lighting.since ?? null,
              offAfterMinutes: cfg.lighting.offAfterMinutes,
            }
          : null,
        setback: cfg.setback
          ? {
              points: z.setback.points,
              on: z.setback.on,
              since: z.setback.since ?? null,
              value: cfg.setback.value,
              afterMinutes: cfg.setback.afterMinutes,
            }
          : null,
        commands: held,
      };
    });
  }
}
