import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { chooseStep, type History } from '../../platform/storage/history.js';
import { evaluatorForInstance } from './instance-evaluator.js';
import type { RuleConfig } from './rule-schema.js';
import { resolveTargets } from './targets.js';

export interface BacktestEpisode {
  assetId: string;
  pointId?: string;
  firedAt: number;
  /** Absent while it would still be active at the end of the range. */
  clearedAt?: number;
  message: string;
  value?: PointValue;
}

export interface BacktestResult {
  ruleId: string;
  from: number;
  to: number;
  stepMs: number;
  instances: number;
  episodes: BacktestEpisode[];
  /** Instances that could not be replayed, with why (device link states are not kept in history). */
  skipped: { assetId: string; reason: string }[];
}

const MAX_STEPS = 50_000;

/**
 * Replay a rule over stored history: every instance's evaluator is fed the points it reads, in time order,
 * at the finest step history gives for the range (at most 50,000 steps), and asked at its own deadlines in
 * between, so delays and stuck-value timers behave as they would have live. Lists when it would have fired
 * and cleared. Nothing is raised.
 */
export async function backtest(
  rule: RuleConfig,
  site: SiteModel,
  history: History,
  range: { from: number; to: number; stepMs?: number },
): Promise<BacktestResult> {
  const stepMs = range.stepMs ?? chooseStep(range.from, range.to, MAX_STEPS);
  const { instances } = resolveTargets(rule, site.config);
  const result: BacktestResult = {
    ruleId: rule.id,
    from: range.from,
    to: range.to,
    stepMs,
    instances: instances.length,
    episodes: [],
    skipped: [],
  };
  for (const instance of instances) {
    // device link states are not in history: an offline part has nothing to replay
    let evaluator: ReturnType<typeof evaluatorForInstance>;
    try {
      evaluator = evaluatorForInstance(site, rule, instance, { withDevice: false });
    } catch (err) {
      result.skipped.push({ assetId: instance.assetId, reason: (err as Error).message });
      continue;
    }
    if (!evaluator.pointIds.length) {
      result.skipped.push({
        assetId: instance.assetId,
        reason: 'reads no point (device states are not in history)',
      });
      continue;
    }
    const numeric = evaluator.pointIds.filter((id) => site.pointById.get(id)?.type === 'number');
    const others = evaluator.pointIds.filter((id) => site.pointById.get(id)?.type !== 'number');
    const q = { from: range.from, to: range.to, stepMs };
    const [a, b] = await Promise.all([
      numeric.length ? history.series({ ...q, pointIds: numeric, agg: 'mean' }) : undefined,
      others.length ? history.series({ ...q, pointIds: others, agg: 'last' }) : undefined,
    ]);
    const events: { ts: number; pointId: string; value: PointValue }[] = [];
    for (const s of [...(a?.series ?? []), ...(b?.series ?? [])])
      for (const [ts, value] of s.values) if (value !== null) events.push({ ts, pointId: s.pointId, value });
    events.sort((x, y) => x.ts - y.ts);

    let open: BacktestEpisode | undefined;
    const apply = (v: ReturnType<typeof evaluator.check>, now: number) => {
      if (!v) return;
      if (v.active && !open) {
        open = {
          assetId: instance.assetId,
          pointId: instance.pointId,
          firedAt: now,
          message: v.message,
          value: v.value,
        };
        result.episodes.push(open);
      } else if (!v.active && open) {
        open.clearedAt = now;
        open = undefined;
      }
    };
    let last = range.from;
    // the evaluator's own deadlines (delays, stuck timers, schedule changes) up to `until`
    const runDeadlines = (until: number) => {
      for (let next = evaluator.nextCheckAt(last); next !== undefined && next <= until; ) {
        apply(evaluator.check(next), next);
        last = next;
        const after = evaluator.nextCheckAt(next);
        if (after === undefined || after <= next) break;
        next = after;
      }
    };
    for (const e of events) {
      runDeadlines(e.ts);
      last = e.ts;
      apply(
        evaluator.update(
          { reading: { pointId: e.pointId, value: e.value, quality: 'good', ts: e.ts } },
          e.ts,
        ),
        e.ts,
      );
    }
    runDeadlines(range.to);
  }
  result.episodes.sort((x, y) => x.firedAt - y.firedAt);
  return result;
}
