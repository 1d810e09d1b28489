import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Severity } from '../../core/model/severity.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AlertService } from './alert-service.js';
import { type AlertInstance, alertKey, DEFAULT_PRIORITY } from './alert-types.js';

/** A device offline this long raises its alert (a restart or a short network blip does not). */
export const DEVICE_OFFLINE_ALERT_MS = 60_000;
const CHATTER = { transitions: 5, withinMs: 10 * 60_000 };

/** What the hub's own alerts are called (tickets and notifications name them). */
export const SYSTEM_RULE_NAMES: Record<string, string> = {
  'system:device-offline': 'device offline',
  'system:outbox-high': 'storage outbox filling up',
  'system:outbox-dropping': 'storage outbox dropping data',
  'system:counter-reset': 'meter counter reset',
};

/**
 * Alerts the hub raises about itself and its devices without any rule in the site file: a device offline
 * for a minute, the InfluxDB outbox filling up (high) or dropping lines (critical), and a counter that
 * jumped back (a meter reset or replaced: an event alert, raised and returned at once, to be acknowledged).
 * Their rule ids start with `system:`.
 */
export function wireSystemAlerts(opts: {
  site: SiteModel;
  bus: EventBus;
  clock: Clock;
  alerts: AlertService;
}): {
  stop(): void;
} {
  const { site, bus, clock, alerts } = opts;
  const instance = (
    ruleId: string,
    assetId: string,
    severity: Severity,
    pointId?: string,
  ): AlertInstance => ({
    key: alertKey(ruleId, assetId, pointId),
    ruleId,
    assetId,
    pointId,
    severity,
    priority: DEFAULT_PRIORITY[severity],
    chatter: CHATTER,
  });
  // a device's alert belongs to the first asset it serves (taking that asset out of service suppresses it)
  const assetOf = (deviceId: string) =>
    site.assets.find((a) => a.device === deviceId)?.id ??
    site.points.find((p) => p.deviceId === deviceId)?.assetId ??
    deviceId;
  const pending = new Map<string, unknown>();

  const offs = [
    bus.on('device.link-changed', (e) => {
      const inst = instance('system:device-offline', assetOf(e.deviceId), 'high');
      const timer = pending.get(e.deviceId);
      if (timer !== undefined) clock.clearTimeout(timer);
      pending.delete(e.deviceId);
      if (e.state === 'offline')
        pending.set(
          e.deviceId,
          clock.setTimeout(() => {
            pending.delete(e.deviceId);
            alerts.conditionChanged(
              inst,
              { active: true, message: `device ${e.deviceId} offline: ${e.reason ?? 'no reason given'}` },
              clock.now(),
            );
          }, DEVICE_OFFLINE_ALERT_MS),
        );
      else if (e.state === 'online')
        alerts.conditionChanged(inst, { active: false, message: `device ${e.deviceId} back online` }, e.ts);
    }),
    bus.on('storage.outbox-changed', (e) => {
      const pct = Math.round(e.fill * 100);
      const high = instance('system:outbox-high', 'hub', 'high');
      const dropping = instance('system:outbox-dropping', 'hub', 'critical');
      alerts.conditionChanged(
        high,
        {
          active: e.state !== 'ok',
          message: `history outbox ${pct} % full: InfluxDB is not taking writes`,
          value: pct,
        },
        e.ts,
      );
      alerts.conditionChanged(
        dropping,
        {
          active: e.state === 'dropping',
          message: `history outbox full: ${e.droppedLines} lines dropped (the oldest)`,
          value: e.droppedLines,
        },
        e.ts,
      );
    }),
    bus.on('counter.jumped', (e) => {
      if (e.kind !== 'reset') return;
      const point = site.pointById.get(e.pointId);
      const inst = instance('system:counter-reset', point?.assetId ?? e.pointId, 'medium', e.pointId);
      const message = `${e.pointId} went back from ${e.from} to ${e.to}: meter reset or replaced? (energy intervals count through it)`;
      alerts.conditionChanged(inst, { active: true, message, value: e.to }, e.ts);
      alerts.conditionChanged(inst, { active: false, message, value: e.to }, e.ts);
    }),
  ];
  return {
    stop() {
      for (const off of offs) off();
      for (const t of pending.values()) clock.clearTimeout(t);
      pending.clear();
    },
  };
}
