import type { AuditTrail } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { CommandRequester } from '../../core/devices/command-service.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { Logger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { DemandForecast, meterFactor } from '../energy/demand-forecast.js';
import { LEVELS, type LevelCommand, type PointControl } from './control-types.js';
import { type DemandMeter, type DemandPlanConfig, demandMeterOf } from './demand-schema.js';
import {
  applyShed,
  decideShed,
  emptyShedState,
  raisedValue,
  type ShedDecision,
  type ShedPlan,
  type ShedState,
  shedStage,
} from './demand-shedder.js';
import type { DemandStore } from './demand-store.js';
import { OnePassAtATime } from './one-pass-at-a-time.js';
import { resolveTargets } from './targets.js';

/** Demand limiting writes as itself, with the one permission it needs (never gates). */
export const DEMAND_REQUESTER: CommandRequester = {
  actor: 'demand-limit',
  via: 'system',
  permissions: new Set(['setpoint:write'] as const),
};
const DEMAND_ACTOR = { actor: 'demand-limit', via: 'system' as const };

const WINDOW_MS = 15 * 60_000;
/** How often each plan looks at its forecast between readings. */
const TICK_MS = 1_000;

interface PlanState {
  cfg: DemandPlanConfig;
  source: string;
  meter: DemandMeter;
  forecast: DemandForecast;
  shed: ShedPlan;
  points: string[][];
  state: ShedState;
  lastForecast?: number;
}

/**
 * Demand limiting (`control.demandLimit`): each plan forecasts its meter's 15-minute demand with the energy
 * domain's forecast (the one the demand rule uses). At or above shedAtPercent of limitKw it sheds the next
 * step of its loads, in order, at `demand-limit` (10) with source `demand-limit:<plan>`, at most one step per
 * stepSeconds: a setpoint raised by raiseBy from its effective value before the shed (never beyond max nor the
 * point's own maximum), or a fixed value. Below restoreAtPercent it relinquishes the last shed load, one load
 * per restoreStaggerSeconds; between the two thresholds nothing changes. The sheds are kept in SQLite and
 * re-asserted after a restart.
 */
export class DemandService {
  private readonly plans: PlanState[];
  private readonly byPoint = new Map<string, PlanState[]>();
  private readonly unsubscribe: (() => void)[] = [];
  private timer: unknown;
  private readonly passes = new OnePassAtATime<PlanState>(
    (p) => this.step(p),
    (p, err) => this.d.log.warn({ plan: p.cfg.id, err: err.message }, 'demand limiting failed'),
  );

  constructor(
    private readonly d: {
      site: SiteModel;
      control: PointControl;
      bus: EventBus;
      clock: Clock;
      latest: LatestValues;
      store: DemandStore;
      audit: AuditTrail;
      log: Logger;
      plans?: readonly DemandPlanConfig[];
    },
  ) {
    const { site } = d;
    this.plans = [];
    for (const cfg of d.plans ?? site.config.control.demandLimit) {
      const meter = demandMeterOf(cfg.meter, site.config, site);
      if (typeof meter === 'string') {
        d.log.error({ plan: cfg.id, err: meter }, 'demand-limit plan left out');
        continue;
      }
      const unit = site.pointById.get(meter.pointId)!.unit;
      const p: PlanState = {
        cfg,
        source: `demand-limit:${cfg.id}`,
        meter,
        forecast: new DemandForecast(
          meter.source,
          meterFactor(meter.source, unit, meter.pointId),
          WINDOW_MS,
          site.site.timezone,
        ),
        shed: { ...cfg, loads: cfg.loads.map((l) => ({ steps: l.value !== undefined ? 1 : l.steps })) },
        points: cfg.loads.map((l) => resolveTargets(l.targets, site)),
        state: d.store.get(cfg.id) ?? emptyShedState(),
      };
      this.plans.push(p);
      this.byPoint.set(meter.pointId, [...(this.byPoint.get(meter.pointId) ?? []), p]);
    }
  }

  start(): void {
    if (!this.plans.length) return;
    this.unsubscribe.push(
      this.d.bus.on('readings.accepted', (batch) => {
        const now = this.d.clock.now();
        const touched = new Set<PlanState>();
        for (const r of batch) {
          const plans = this.byPoint.get(r.pointId);
          if (!plans || typeof r.value !== 'number' || r.quality === 'bad') continue;
          for (const p of plans) {
            p.forecast.take(now, r.value); // before rolling: the step up to a boundary belongs to the old window
            touched.add(p);
          }
        }
        for (const p of touched) this.kick(p);
      }),
    );
    // the sheds a restart found are put back (the same value at the same level writes nothing)
    for (const p of this.plans) if (p.state.shed.length) this.kick(p, true);
    this.timer = this.d.clock.setInterval(() => {
      for (const p of this.plans) this.kick(p);
    }, TICK_MS);
  }

  stop(): void {
    this.d.clock.clearInterval(this.timer);
    for (const u of this.unsubscribe.splice(0)) u();
  }

  async settled(): Promise<void> {
    await this.passes.settled();
  }

  /** A step of plan p; a restart's re-assertion instead when reassert (a step asked meanwhile follows it). */
  private kick(p: PlanState, reassert = false): void {
    if (reassert) this.passes.kick(p, (q) => this.reassert(q));
    else this.passes.kick(p);
  }

  /** The forecast of the window now (kW), undefined without data. */
  private forecastNow(p: PlanState, now: number): number | undefined {
    p.forecast.roll(now);
    const w = p.forecast.win;
    const f = w && p.forecast.forecastAt(w, now);
    return f ? Math.round(f.forecast * 1000) / 1000 : undefined;
  }

  private async step(p: PlanState): Promise<void> {
    const now = this.d.clock.now();
    const kw = this.forecastNow(p, now);
    p.lastForecast = kw;
    const d = decideShed(p.shed, p.state, kw, now);
    if (!d) return;
    await this.carryOut(p, d, kw!, now);
  }

  /** The value a point had before this plan shed it: its effective value, or the next level below ours. */
  private baseOf(pointId: string, source: string): number | undefined {
    const st = this.d.control.state(pointId);
    const below = st?.slots.find((s) => !(s.level === LEVELS['demand-limit'] && s.source === source));
    const v =
      st && !(st.effective.level === LEVELS['demand-limit'] && st.effective.source === source)
        ? st.effective.value
        : below?.value;
    if (typeof v === 'number') return v;
    const latest = this.d.latest.get(pointId)?.value;
    return typeof latest === 'number' ? latest : undefined;
  }

  private commandsFor(
    p: PlanState,
    load: number,
    step: number,
    base: Record<string, number>,
  ): LevelCommand[] {
    const cfg = p.cfg.loads[load]!;
    const cmds: LevelCommand[] = [];
    for (const pointId of p.points[load]!) {
      let value: PointValue;
      if (cfg.value !== undefined) value = cfg.value;
      else {
        const b = base[pointId];
        if (b === undefined) continue;
        const pointMax = this.d.site.pointById.get(pointId)?.max ?? Number.POSITIVE_INFINITY;
        value = raisedValue(b, cfg.raiseBy!, step, Math.min(cfg.max!, pointMax));
      }
      cmds.push({
        pointId,
        level: LEVELS['demand-limit'],
        value,
        by: DEMAND_REQUESTER,
        source: p.source,
        reason: `demand limit ${p.cfg.id}: shed ${cfg.name}${cfg.raiseBy !== undefined ? ` (step ${step})` : ''}`,
      });
    }
    return cmds;
  }

  private async carryOut(p: PlanState, d: NonNullable<ShedDecision>, kw: number, now: number): Promise<void> {
    const load = p.cfg.loads[d.load]!;
    const limit = `${kw} kW forecast against ${p.cfg.limitKw} kW`;
    if (d.kind === 'shed') {
      let base = p.state.shed.find((s) => s.load === d.load)?.base;
      if (!base && load.raiseBy !== undefined) {
        base = {};
        for (const id of p.points[d.load]!) {
          const b = this.baseOf(id, p.source);
          if (b !== undefined) base[id] = b;
        }
      }
      // the state first: a write that fails (a device offline: pending) still counts as shed, and is restored
      p.state = applyShed(p.state, d, now, base);
      this.d.store.put(p.cfg.id, p.state, now);
      const cmds = this.commandsFor(p, d.load, d.step, base ?? {});
      this.d.audit.record(DEMAND_ACTOR, {
        action: 'demand.shed',
        target: `demand-limit:${p.cfg.id}`,
        after: {
          load: load.name,
          step: d.step,
          points: cmds.map((c) => ({ point: c.pointId, value: c.value })),
        },
        detail: limit,
      });
      this.d.log.info({ plan: p.cfg.id, load: load.name, step: d.step, kw }, 'demand limit: shed');
      if (cmds.length) await this.d.control.commandMany(cmds);
      return;
    }
    p.state = applyShed(p.state, d, now);
    this.d.store.put(p.cfg.id, p.state, now);
    const held = p.points[d.load]!.filter((id) =>
      this.d.control
        .state(id)
        ?.slots.some((s) => s.level === LEVELS['demand-limit'] && s.source === p.source),
    );
    this.d.audit.record(DEMAND_ACTOR, {
      action: 'demand.restored',
      target: `demand-limit:${p.cfg.id}`,
      after: { load: load.name, points: held },
      detail: limit,
    });
    this.d.log.info({ plan: p.cfg.id, load: load.name, kw }, 'demand limit: restored');
    if (held.length)
      await this.d.control.commandMany(
        held.map((pointId) => ({
          pointId,
          level: LEVELS['demand-limit'],
          value: null,
          by: DEMAND_REQUESTER,
          source: p.source,
          reason: `demand limit ${p.cfg.id}: restore ${load.name}`,
        })),
      );
  }

  /** After a restart: the loads shed are commanded again as they were (idempotent). */
  private async reassert(p: PlanState): Promise<void> {
    const cmds = p.state.shed.flatMap((s) => this.commandsFor(p, s.load, s.steps, s.base ?? {}));
    if (cmds.length) await this.d.control.commandMany(cmds);
  }

  /** Per plan: forecast, limit, thresholds, stage, which loads are shed since when. */
  describe() {
    const now = this.d.clock.now();
    return this.plans.map((p) => {
      const kw = this.forecastNow(p, now);
      const { cfg } = p;
      return {
        id: cfg.id,
        name: cfg.name ?? cfg.id,
        meter: cfg.meter,
        point: p.meter.pointId,
        limitKw: cfg.limitKw,
        shedAtKw: (cfg.limitKw * cfg.shedAtPercent) / 100,
        restoreAtKw: (cfg.limitKw * cfg.restoreAtPercent) / 100,
        forecastKw: kw ?? null,
        window: p.forecast.win ?? null,
        stage: shedStage(p.shed, p.state, kw),
        lastShedAt: p.state.lastShedAt ?? null,
        lastRestoreAt: p.state.lastRestoreAt ?? null,
        loads: cfg.loads.map((l, i) => {
          const s = p.state.shed.find((x) => x.load === i);
          return {
            name: l.name,
            points: p.points[i]!,
            shed: !!s,
            steps: s?.steps ?? 0,
            maxSteps: p.shed.loads[i]!.steps,
            since: s?.since ?? null,
            values: p.points[i]!.map((id) => ({
              point: id,
              value:
                this.d.control
                  .state(id)
                  ?.slots.find((x) => x.level === LEVELS['demand-limit'] && x.source === p.source)?.value ??
                null,
            })),
          };
        }),
      };
    });
  }
}
