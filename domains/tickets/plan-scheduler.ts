import { createTask, type ScheduledTask } from 'node-cron';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Reading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';
import type { PlanConfig } from './maintenance-schema.js';
import { HUB, type TicketService } from './ticket-service.js';
import { FINISHED_STATES } from './ticket-types.js';

const MINUTE_MS = 60_000;
/** The progress key of an inspection round (all its assets in one work order). */
export const ROUND = '*';
/** Missed cron times older than this (the hub was off) are not looked for; one work order covers them. */
const CATCH_UP_MS = 31 * 86_400_000;

/** The assets a plan covers: its ids, or every asset of its kinds (within its zone and sub-zones). */
export function planAssets(plan: PlanConfig, site: SiteModel): string[] {
  if (plan.assets) return plan.assets.filter((id) => site.assetById.has(id));
  const zones = plan.zone ? zoneSubtree(site.zones, plan.zone) : undefined;
  return site.assets
    .filter((a) => plan.kinds?.includes(a.kind) && (!zones || zones.has(a.zone)))
    .map((a) => a.id);
}

/**
 * Preventive maintenance and inspection rounds: each plan generates work orders through the tickets'
 * lifecycle, by calendar (a node-cron expression in the site's time zone, checked minute by minute on the
 * hub's clock) or by a counter point (every 2,000 run hours, every 500 m³). Progress is kept per plan and
 * asset in `plan_progress`, so a restart neither repeats nor loses a due work order: a cron time that passed
 * while the hub was off generates one work order at start. While a plan's last work order for an asset is
 * unfinished, a new due date adds a note to it instead of a second work order.
 */
export class PlanScheduler {
  private readonly cron = new Map<string, ScheduledTask>();
  /** point id → the counter plans that watch it, with their asset. */
  private readonly byPoint = new Map<string, { plan: PlanConfig; assetId: string; every: number }[]>();
  private off?: () => void;
  /** Counter plans: `<plan>|<asset>` → the reading that makes the next work order due (loaded once). */
  private readonly nextDue = new Map<string, number | null>();

  constructor(
    private readonly tickets: TicketService,
    private readonly deps: {
      plans: readonly PlanConfig[];
      site: SiteModel;
      bus: EventBus;
      clock: Clock;
      log: Logger;
    },
  ) {
    const tz = deps.site.site.timezone;
    for (const plan of deps.plans) {
      const t = plan.trigger;
      if ('cron' in t) {
        // a task that is never started: node-cron parses the expression and matches instants; the hub's
        // clock decides when to ask, so tests drive it and a restart catches up
        this.cron.set(
          plan.id,
          createTask(t.cron, () => {}, { timezone: tz, name: `plan:${plan.id}` }),
        );
        continue;
      }
      for (const assetId of planAssets(plan, deps.site)) {
        const pointId = `${assetId}/${t.point}`;
        const list = this.byPoint.get(pointId) ?? [];
        list.push({ plan, assetId, every: t.every });
        this.byPoint.set(pointId, list);
      }
    }
  }

  start(): void {
    if (this.byPoint.size) this.off = this.deps.bus.on('readings.accepted', (batch) => this.readings(batch));
    this.tick(this.deps.clock.now());
  }

  stop(): void {
    this.off?.();
    for (const task of this.cron.values()) void task.destroy();
    this.cron.clear();
  }

  /** Calendar plans: generate what fell due since each plan and asset was last checked. */
  tick(now: number): void {
    for (const plan of this.deps.plans) {
      const task = this.cron.get(plan.id);
      if (!task) continue;
      for (const assetId of this.workOrderUnits(plan)) {
        const progress = this.tickets.store.progress(plan.id, assetId);
        const since = progress?.checked_at ?? now; // a new plan starts from now, it does not backfill
        if (progress && Math.floor(since / MINUTE_MS) === Math.floor(now / MINUTE_MS)) continue; // same minute
        const due = lastMatch(task, Math.max(since, now - CATCH_UP_MS), now);
        if (due !== undefined) this.generate(plan, assetId, `due ${new Date(due).toISOString()}`);
        this.tickets.store.setProgress(plan.id, assetId, 'checked_at', now);
      }
    }
  }

  /**
   * A calendar inspection plan over several assets is one round (one work order, a checklist per asset,
   * progress kept under ROUND); everything else makes a work order per asset.
   */
  private workOrderUnits(plan: PlanConfig): string[] {
    const assets = planAssets(plan, this.deps.site);
    return plan.type === 'inspection' && assets.length > 1 ? [ROUND] : assets;
  }

  private readings(batch: Reading[]): void {
    for (const r of batch) {
      const watchers = this.byPoint.get(r.pointId);
      if (!watchers || typeof r.value !== 'number' || r.quality === 'bad') continue;
      for (const w of watchers) this.counter(w.plan, w.assetId, w.every, r.value);
    }
  }

  private counter(plan: PlanConfig, assetId: string, every: number, value: number): void {
    const key = `${plan.id}|${assetId}`;
    if (!this.nextDue.has(key))
      this.nextDue.set(key, this.tickets.store.progress(plan.id, assetId)?.next_due_value ?? null);
    const known = this.nextDue.get(key)!;
    const next = (Math.floor(value / every) + 1) * every;
    let due = known;
    // first sight, or the counter went back (a replaced meter, a reset hour counter): count from here
    if (due === null || value < due - every) due = next;
    else if (value >= due) {
      this.generate(plan, assetId, `${'point' in plan.trigger ? plan.trigger.point : ''} reached ${due}`);
      due = next;
    }
    if (due === known) return; // the usual case: one map lookup per reading, no query
    this.nextDue.set(key, due);
    this.tickets.store.setProgress(plan.id, assetId, 'next_due_value', due);
  }

  private generate(plan: PlanConfig, assetId: string, why: string): void {
    const progress = this.tickets.store.progress(plan.id, assetId);
    const previous = progress?.last_ticket_id ? this.tickets.get(progress.last_ticket_id) : undefined;
    if (previous && !FINISHED_STATES.includes(previous.state)) {
      this.tickets.note(
        previous.id,
        HUB,
        `due again (${why}) while this work order is still open`,
        'plan-due',
      );
      return;
    }
    const { site } = this.deps;
    const items = plan.checklist.map((c) => (typeof c === 'string' ? { item: c } : c));
    const round = assetId === ROUND ? planAssets(plan, site).map((id) => site.assetById.get(id)!) : undefined;
    const asset = site.assetById.get(assetId);
    const ticket = this.tickets.create(
      {
        kind: plan.type,
        source: 'plan',
        title: round ? `${plan.name} (${round.length} assets)` : `${plan.name}: ${asset?.name ?? assetId}`,
        description: plan.description ?? `${plan.name} (${why})`,
        assetId: round ? undefined : assetId,
        location: round
          ? (plan.zone && site.zoneById.get(plan.zone)?.name) || round.map((a) => a.name).join(', ')
          : undefined,
        priority: plan.priority,
        planId: plan.id,
        // a round checks every item on every asset, in route order
        checklist: round
          ? round.flatMap((a) => items.map((c) => ({ ...c, item: `${a.name}: ${c.item}` })))
          : items,
        preApproved: true,
        team: plan.team,
      },
      HUB,
    );
    this.tickets.store.setProgress(plan.id, assetId, 'last_ticket_id', ticket.id);
    this.deps.log.info({ plan: plan.id, asset: assetId, ticket: ticket.id, why }, 'work order generated');
  }
}

/** The latest minute in (from, to] that the cron task matches, if any. */
function lastMatch(task: ScheduledTask, from: number, to: number): number | undefined {
  for (let m = Math.floor(to / MINUTE_MS) * MINUTE_MS; m > from; m -= MINUTE_MS)
    if (task.match(new Date(m))) return m;
  return undefined;
}
