import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { AlertService } from '../alerts/alert-service.js';
import { type AlertInstance, alertKey, DEFAULT_PRIORITY } from '../alerts/alert-types.js';
import type { VisitorsConfig } from './visitor-schema.js';

/** The gates' alerts, as the hub's own rules (names for tickets and notifications). */
export const GATE_RULE_NAMES: Record<string, string> = {
  'system:gate-door-forced': 'gate door forced open',
  'system:gate-held-open': 'gate door held open',
  'system:gate-denial-burst': 'many refusals at a gate',
};

const CHATTER = { transitions: 10, withinMs: 10 * 60_000 };

/**
 * Door forced (critical), door held open longer than `doorHeldOpenSeconds` (high; from the gate's own
 * `held-open` event or the hub's timer after `opened`), and a burst of `denialBurst.count` refusals within
 * its window (medium). Each is an alert of the gate asset, cleared when the door closes or the burst ends;
 * a gate going offline is the hub's existing device-offline alert. Alerts at or above the maintenance
 * policy's severity open tickets like any other.
 */
export function wireGateAlerts(opts: {
  bus: EventBus;
  clock: Clock;
  alerts: AlertService;
  config: VisitorsConfig;
}): () => void {
  const { bus, clock, alerts, config } = opts;
  const inst = (ruleId: string, gateId: string, severity: AlertInstance['severity']): AlertInstance => ({
    key: alertKey(ruleId, gateId),
    ruleId,
    assetId: gateId,
    severity,
    priority: DEFAULT_PRIORITY[severity],
    chatter: CHATTER,
  });
  const set = (i: AlertInstance, active: boolean, message: string) =>
    alerts.conditionChanged(i, { active, message }, clock.now());
  const heldTimers = new Map<string, unknown>();
  const denials = new Map<string, number[]>();
  const burstTimers = new Map<string, unknown>();
  const windowMs = config.denialBurst.withinSeconds * 1000;

  const offs = [
    bus.on('gate.door', (e) => {
      const forced = inst('system:gate-door-forced', e.gateId, 'critical');
      const held = inst('system:gate-held-open', e.gateId, 'high');
      clock.clearTimeout(heldTimers.get(e.gateId));
      heldTimers.delete(e.gateId);
      if (e.event === 'forced') set(forced, true, `door of ${e.gateId} forced open`);
      else if (e.event === 'held-open') set(held, true, `door of ${e.gateId} held open`);
      else if (e.event === 'opened' && !e.offline)
        heldTimers.set(
          e.gateId,
          clock.setTimeout(() => {
            heldTimers.delete(e.gateId);
            set(held, true, `door of ${e.gateId} open for more than ${config.doorHeldOpenSeconds} s`);
          }, config.doorHeldOpenSeconds * 1000),
        );
      else if (e.event === 'closed') {
        set(forced, false, 'door closed');
        set(held, false, 'door closed');
      }
    }),
    bus.on('gate.scanned', (e) => {
      if (e.decision !== 'deny' || e.offline) return;
      const now = clock.now();
      const list = (denials.get(e.gateId) ?? []).filter((t) => t > now - windowMs);
      list.push(now);
      denials.set(e.gateId, list);
      if (list.length < config.denialBurst.count) return;
      const burst = inst('system:gate-denial-burst', e.gateId, 'medium');
      set(burst, true, `${list.length} refusals at ${e.gateId} within ${config.denialBurst.withinSeconds} s`);
      // clear once a whole window passes with fewer refusals
      clock.clearTimeout(burstTimers.get(e.gateId));
      burstTimers.set(
        e.gateId,
        clock.setTimeout(() => {
          burstTimers.delete(e.gateId);
          set(burst, false, 'refusals back to normal');
        }, windowMs),
      );
    }),
  ];
  return () => {
    for (const off of offs) off();
    for (const t of [...heldTimers.values(), ...burstTimers.values()]) clock.clearTimeout(t);
  };
}
