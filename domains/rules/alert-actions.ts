import type { EventBus } from '../../core/bus.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { Notifier } from '../../platform/notify/notifier.js';
import type { AlertView } from '../alerts/alert-types.js';
import type { CommandActions } from './command-action.js';
import type { RuleConfig } from './rule-schema.js';

/**
 * A rule's actions, run on its alert's events: every action id goes to the notifier (it takes the webhook and
 * email ones, filtered by their events and minSeverity), commands run on raised/cleared.
 */
export function wireAlertActions(opts: {
  site: SiteModel;
  bus: EventBus;
  log: Logger;
  notifier: Notifier;
  commands: CommandActions;
  /** The rule as running now (site file or API). */
  ruleOf(id: string): RuleConfig | undefined;
}): () => void {
  const actions = new Map(opts.site.config.actions.map((a) => [a.id, a]));
  const run = (event: 'raised' | 'changed' | 'cleared', alert: AlertView) => {
    const ids = opts.ruleOf(alert.ruleId)?.actions ?? [];
    if (!ids.length) return;
    opts.notifier.notify({ topic: 'alert', event, subject: alert }, ids);
    if (event === 'changed') return;
    for (const id of ids) {
      const a = actions.get(id);
      if (a?.type === 'command') void opts.commands.run(a, event, alert);
    }
  };
  const offs = [
    opts.bus.on('alert.raised', (e) => run('raised', e.alert)),
    opts.bus.on('alert.changed', (e) => run('changed', e.alert)),
    opts.bus.on('alert.cleared', (e) => run('cleared', e.alert)),
  ];
  return () => {
    for (const off of offs) off();
  };
}
