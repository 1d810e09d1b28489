import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Reading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { Schedule } from '../../core/time/schedule.js';
import type { AlertService } from '../alerts/alert-service.js';
import { type AlertInstance, DEFAULT_PRIORITY } from '../alerts/alert-types.js';
import type { BaselineSource } from '../energy/baseline-source.js';
import { evaluatorForInstance } from './instance-evaluator.js';
import type { RuleConfig } from './rule-schema.js';
import { type RuleInstance, resolveTargets } from './targets.js';
import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from './types.js';

/** Time-based conditions (delays, stuck values, schedules) are looked at this often at the latest. */
const TICK_MS = 250;

interface Running {
  instance: RuleInstance;
  evaluator: ConditionEvaluator;
  /** The verdict the alert service last heard. */
  active: boolean;
  nextAt?: number;
  info: AlertInstance;
}

export interface RuleEngineCounters {
  /** Readings that reached at least one rule instance. */
  evaluated: number;
  /** Verdict flips handed to the alert service. */
  flips: number;
  /** Instances that threw (logged once each, then left as they were). */
  errors: number;
}

/**
 * Rules over the bus: each enabled rule is resolved to its instances (rule × asset) at start, and each
 * instance's evaluator is indexed by the points and device it reads, so a reading costs one map lookup
 * whatever the number of rules. Verdict flips go to the alert service, which owns the alert's lifecycle.
 * Time-based conditions are checked on a short tick from the injected clock.
 */
export class RuleEngine {
  readonly counters: RuleEngineCounters = { evaluated: 0, flips: 0, errors: 0 };
  private readonly running: Running[] = [];
  private readonly byPoint = new Map<string, Running[]>();
  private readonly byDevice = new Map<string, Running[]>();
  private readonly timed = new Set<Running>();
  private readonly failed = new Set<string>();
  private timer: unknown;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly opts: {
      site: SiteModel;
      bus: EventBus;
      clock: Clock;
      log: Logger;
      alerts: AlertService;
      /** The rules to run (default: the site file's). */
      rules?: RuleConfig[];
      /** Learned baselines for the energy conditions that ask for them (domains/energy). */
      baselines?: BaselineSource;
    },
  ) {
    const { site } = opts;
    this.schedules = site.schedules;
    this.build(opts.rules ?? site.config.rules);
  }

  private readonly schedules: ReadonlyMap<string, Schedule>;
  private rules: RuleConfig[] = [];
  private previous: RuleConfig[] = [];
  private started = false;

  /** Rule instances for these rules; an instance whose rule did not change keeps its state. */
  private build(rules: RuleConfig[]) {
    const { site } = this.opts;
    const before = new Map(this.running.map((r) => [r.instance.key, r]));
    const same = (a: RuleConfig, b: RuleConfig) => JSON.stringify(a) === JSON.stringify(b);
    const next: Running[] = [];
    for (const rule of rules) {
      if (!rule.enabled) continue;
      for (const instance of resolveTargets(rule, site.config).instances) {
        const old = before.get(instance.key);
        if (old && same(old.instance.rule, rule)) {
          next.push(old);
          continue;
        }
        const evaluator = this.evaluatorFor(rule, instance);
        if (!evaluator) continue;
        // a changed rule keeps its alert: the new evaluator starts from what the alert says
        if (old?.active) evaluator.seed?.(true);
        next.push({ instance, evaluator, active: old?.active ?? false, info: infoOf(instance, rule) });
      }
    }
    const kept = new Set(next.map((r) => r.instance.key));
    // the rules just replaced stay known until their alerts are cleared (their actions need them)
    this.previous = this.rules;
    this.rules = rules;
    this.running.splice(0, this.running.length, ...next);
    this.byPoint.clear();
    this.byDevice.clear();
    this.timed.clear();
    const now = this.opts.clock.now();
    for (const r of next) {
      for (const id of r.evaluator.pointIds) push(this.byPoint, id, r);
      if (r.evaluator.deviceId) push(this.byDevice, r.evaluator.deviceId, r);
      if (this.started) this.schedule(r, now);
    }
    return [...before.values()].filter((r) => !kept.has(r.instance.key));
  }

  /**
   * Replace the rules (the API changed one): unchanged instances go on as they were; the alerts of instances
   * that are gone are cleared, saying why.
   */
  setRules(rules: RuleConfig[]): void {
    const now = this.opts.clock.now();
    for (const gone of this.build(rules))
      if (gone.active)
        this.opts.alerts.conditionChanged(
          gone.info,
          { active: false, message: 'rule removed or changed' },
          now,
        );
    this.previous = [];
  }

  /** The rule with this id, as running now (or as it was just before an edit removed it). */
  ruleById(id: string): RuleConfig | undefined {
    return this.rules.find((r) => r.id === id) ?? this.previous.find((r) => r.id === id);
  }

  /** A rule instance that cannot be built (the site changed under a stored rule) is logged and left out. */
  private evaluatorFor(rule: RuleConfig, instance: RuleInstance): ConditionEvaluator | undefined {
    try {
      return evaluatorForInstance(this.opts.site, rule, instance, {
        ...(this.opts.baselines ? { baselines: this.opts.baselines } : {}),
      });
    } catch (err) {
      this.counters.errors++;
      this.opts.log.error(
        { rule: rule.id, asset: instance.assetId, err: (err as Error).message },
        'rule instance not running: it cannot be built',
      );
      return undefined;
    }
  }

  /** Rule instances running (for health). */
  get instances(): number {
    return this.running.length;
  }

  /** Each rule with its instances and which of them hold now (for the API). */
  describe() {
    const byRule = new Map<string, Running[]>();
    for (const r of this.running) push(byRule, r.instance.rule.id, r);
    return this.rules.map((rule) => ({
      ...rule,
      instances: (byRule.get(rule.id) ?? []).map((r) => ({
        key: r.instance.key,
        assetId: r.instance.assetId,
        pointId: r.instance.pointId,
        active: r.active,
        verdict: r.evaluator.current().message,
      })),
    }));
  }

  start(): void {
    const { bus, clock, alerts } = this.opts;
    // alerts active before a restart: their instances start active, so a normal verdict clears them
    const active = new Set(alerts.activeKeys());
    const now = clock.now();
    this.started = true;
    for (const r of this.running) {
      r.active = active.has(r.instance.key);
      if (r.active) r.evaluator.seed?.(true);
      this.schedule(r, now);
    }
    // alerts of rules that are gone (removed from the site file while the hub was down) are cleared
    alerts.retireGoneRules(new Set(this.running.map((r) => r.instance.key)), now);
    this.offs.push(
      bus.on('readings.accepted', this.onReadings),
      bus.on('point.quality-changed', (q) =>
        this.feed(this.byPoint.get(q.pointId), {
          quality: { pointId: q.pointId, quality: q.quality, reason: q.reason },
        }),
      ),
      bus.on('device.link-changed', (d) =>
        this.feed(this.byDevice.get(d.deviceId), {
          device: { deviceId: d.deviceId, online: d.state === 'online' },
        }),
      ),
    );
    this.timer = clock.setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.timer !== undefined) this.opts.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.started = false;
  }

  private readonly onReadings = (batch: Reading[]): void => {
    let first = 0;
    while (first < batch.length && !this.byPoint.has(batch[first]!.pointId)) first++;
    if (first === batch.length) return; // no rule reads these points: no transaction to open
    // the alert writes one batch causes go to SQLite in one transaction (a storm of alerts costs one commit)
    this.opts.alerts.batch(() => {
      for (let i = first; i < batch.length; i++) {
        const list = this.byPoint.get(batch[i]!.pointId);
        if (list) this.feed(list, { reading: batch[i]! });
      }
    });
  };

  private feed(list: Running[] | undefined, input: ConditionInput) {
    if (!list) return;
    const now = this.opts.clock.now();
    if (input.reading) this.counters.evaluated++;
    for (const r of list) {
      try {
        const verdict = r.evaluator.update(input, now);
        if (verdict) this.apply(r, verdict, now);
        this.schedule(r, now);
      } catch (err) {
        this.fail(r, err);
      }
    }
  }

  /** Delays, stuck values and schedules whose time has come. */
  tick(): void {
    const now = this.opts.clock.now();
    for (const r of this.timed) {
      if (r.nextAt === undefined || r.nextAt > now) continue;
      try {
        const verdict = r.evaluator.check(now);
        if (verdict) this.apply(r, verdict, now);
        this.schedule(r, now);
      } catch (err) {
        this.fail(r, err);
      }
    }
  }

  private apply(r: Running, verdict: ConditionVerdict, now: number) {
    if (verdict.active === r.active) return;
    r.active = verdict.active;
    this.counters.flips++;
    const message = r.instance.rule.message ? this.fill(r, verdict) : verdict.message;
    this.opts.alerts.conditionChanged(r.info, { ...verdict, message }, now);
  }

  private schedule(r: Running, now: number) {
    r.nextAt = r.evaluator.nextCheckAt(now);
    if (r.nextAt === undefined) this.timed.delete(r);
    else this.timed.add(r);
  }

  private fill(r: Running, v: ConditionVerdict): string {
    const { site } = this.opts;
    const point = r.instance.pointId ? site.pointById.get(r.instance.pointId) : undefined;
    return r.instance.rule.message!.replace(/\{(asset|point|value|unit)\}/g, (_, k: string) =>
      k === 'asset'
        ? (site.assetById.get(r.instance.assetId)?.name ?? r.instance.assetId)
        : k === 'point'
          ? (point?.label ?? point?.name ?? '')
          : k === 'unit'
            ? (point?.unit ?? '')
            : String(v.value ?? ''),
    );
  }

  private fail(r: Running, err: unknown) {
    this.counters.errors++;
    if (this.failed.has(r.instance.key)) return;
    this.failed.add(r.instance.key);
    this.opts.log.error(
      { err, rule: r.instance.rule.id, asset: r.instance.assetId },
      'rule evaluation failed',
    );
  }
}

function infoOf(instance: RuleInstance, rule: RuleConfig): Running['info'] {
  return {
    key: instance.key,
    ruleId: rule.id,
    assetId: instance.assetId,
    pointId: instance.pointId,
    severity: rule.severity,
    priority: rule.priority ?? DEFAULT_PRIORITY[rule.severity],
    chatter: rule.chatter,
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
