import type { Actor } from '../../core/actor.js';
import type { CommandRequester } from '../../core/devices/command-service.js';
import type { Logger } from '../../core/logger.js';
import type { AlertView } from '../alerts/alert-types.js';
import { LEVELS, type PointControl } from '../control/control-types.js';
import type { ActionConfig } from './rule-schema.js';

type CommandAction = Extract<ActionConfig, { type: 'command' }>;

/** Rules write as themselves, with the one permission automation needs (never gates). */
export const RULES_ACTOR: Actor = { actor: 'rules', via: 'system' };
export const RULES_REQUESTER: CommandRequester = {
  ...RULES_ACTOR,
  permissions: new Set(['setpoint:write'] as const),
};

/**
 * Automation through the priority array, at level 12 (`automation`) as `rule:<ruleId>`. Raised: the rule holds
 * `onRaised` at 12. Cleared: the rule lets go of 12, and the next level rules (a schedule at 14, a default at 16).
 * With `onCleared`, that value becomes the point's level-16 fallback (held as `rule:<ruleId>`, unless the site
 * file's default holds 16), so the point returns to it when nothing else commands it.
 *
 * An operator's override (level 8) outranks the rule: the rule's value waits underneath and applies once the
 * override is relinquished or expires. (This replaces the old manualHoldMs interlock, which is accepted in the
 * site file and has no effect.)
 */
export class CommandActions {
  readonly counters = { written: 0, held: 0, failed: 0 };

  constructor(private readonly opts: { control: PointControl; log: Logger }) {}

  /** The point an action writes for an alert of this asset. */
  pointOf(action: CommandAction, assetId: string): string {
    return action.point.includes('/') ? action.point : `${assetId}/${action.point}`;
  }

  async run(action: CommandAction, event: 'raised' | 'cleared', alert: AlertView): Promise<void> {
    const { control, log } = this.opts;
    const pointId = this.pointOf(action, alert.assetId);
    const source = `rule:${alert.ruleId}`;
    const reason = `rule ${alert.ruleId} ${event}: ${alert.message}`;
    const at = (level: number, value: CommandAction['onRaised'] | null) =>
      control.command({ pointId, level, value, by: RULES_REQUESTER, source, reason });
    try {
      if (event === 'raised') {
        const state = await at(LEVELS.automation, action.onRaised);
        if (state.effective.level !== null && state.effective.level < LEVELS.automation) {
          this.counters.held++;
          log.info(
            { pointId, rule: alert.ruleId, heldBy: state.effective.source },
            "rule command waits: a higher level holds the point (the rule's value applies when it lets go)",
          );
        } else if (state.pending) this.counters.failed++;
        else this.counters.written++;
        return;
      }
      const slots = control.state(pointId)?.slots ?? [];
      if (action.onCleared !== undefined) {
        const fallback = slots.find((s) => s.level === LEVELS.default);
        if (!fallback || fallback.source === source) await at(LEVELS.default, action.onCleared);
      }
      if (slots.find((s) => s.level === LEVELS.automation)?.source === source) {
        const state = await at(LEVELS.automation, null);
        if (state.pending) this.counters.failed++;
        else this.counters.written++;
      }
    } catch (err) {
      // the array and the command service audited and logged it
      this.counters.failed++;
      log.warn({ pointId, rule: alert.ruleId, err: (err as Error).message }, 'rule command failed');
    }
  }
}
