import type { Actor } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { CommandService } from '../../core/devices/command-service.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { AlertView } from '../alerts/alert-types.js';
import type { ActionConfig } from './rule-schema.js';

type CommandAction = Extract<ActionConfig, { type: 'command' }>;

/** Rules write as themselves, with the one permission automation needs (never gates). */
export const RULES_ACTOR: Actor = { actor: 'rules', via: 'system' };
const RULES_REQUESTER = { ...RULES_ACTOR, permissions: new Set(['setpoint:write'] as const) };

/**
 * Automation through the command service. An operator's own write to a point holds it for the action's
 * manualHoldMs: a rule does not fight a manual override; it skips, and the audit log says why.
 */
export class CommandActions {
  /** Point id → when an operator last wrote it. */
  private readonly manualAt = new Map<string, number>();
  readonly counters = { written: 0, skipped: 0, failed: 0 };

  constructor(
    private readonly opts: {
      site: SiteModel;
      bus: EventBus;
      commands: CommandService;
      audit: AuditLog;
      clock: Clock;
      log: Logger;
      actions: ActionConfig[];
    },
  ) {
    opts.bus.on('command.completed', (c) => {
      if (c.ok && c.actor !== RULES_ACTOR.actor) this.manualAt.set(c.pointId, c.ts);
    });
    // an operator's hold survives a restart: the audit log has their recent writes
    const longest = Math.max(0, ...opts.actions.map((a) => (a.type === 'command' ? a.manualHoldMs : 0)));
    if (longest > 0)
      for (const e of opts.audit.query({
        action: 'setpoint.write',
        outcome: 'ok',
        from: opts.clock.now() - longest,
        limit: 10_000,
      }))
        if (e.actor !== RULES_ACTOR.actor && e.target && (this.manualAt.get(e.target) ?? 0) < e.ts)
          this.manualAt.set(e.target, e.ts);
  }

  /** The point an action writes for an alert of this asset. */
  pointOf(action: CommandAction, assetId: string): string {
    return action.point.includes('/') ? action.point : `${assetId}/${action.point}`;
  }

  async run(action: CommandAction, event: 'raised' | 'cleared', alert: AlertView): Promise<void> {
    const value = event === 'raised' ? action.onRaised : action.onCleared;
    if (value === undefined) return;
    const pointId = this.pointOf(action, alert.assetId);
    const now = this.opts.clock.now();
    const manual = this.manualAt.get(pointId);
    if (manual !== undefined && now - manual < action.manualHoldMs) {
      this.counters.skipped++;
      this.opts.audit.record(RULES_ACTOR, {
        action: 'setpoint.write',
        target: pointId,
        outcome: 'denied',
        after: { value },
        detail: `rule ${alert.ruleId} (${event}): skipped, an operator's manual value holds the point`,
      });
      this.opts.log.info(
        { pointId, rule: alert.ruleId },
        'rule command skipped: manual override holds the point',
      );
      return;
    }
    try {
      await this.opts.commands.write(
        RULES_REQUESTER,
        pointId,
        value,
        `rule ${alert.ruleId} ${event}: ${alert.message}`,
      );
      this.counters.written++;
    } catch (err) {
      // the command service audited and logged the failure
      this.counters.failed++;
      this.opts.log.warn({ pointId, rule: alert.ruleId, err: (err as Error).message }, 'rule command failed');
    }
  }
}
