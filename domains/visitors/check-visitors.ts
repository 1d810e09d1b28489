import type { SiteConfig } from '../../core/config/site-schema.js';
import { gateDevices } from '../../core/model/asset-channels.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { checkSelfService } from './check-self-service.js';

type Fail = (path: PropertyKey[], message: string) => void;

/** The visitors section's references, once the site is known: gates, zones, schedules, actions, badges. */
export function checkVisitors(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const v = config.visitors;
  const at = (...path: PropertyKey[]) => ['visitors', ...path];
  const mqtt = gateDevices(site);
  v.gates?.forEach((id, i) => {
    const a = site.assetById.get(id);
    if (!a) fail(at('gates', i), `no asset "${id}"`);
    else if (a.kind !== 'gate') fail(at('gates', i), `asset "${id}" is a ${a.kind}, not a gate`);
    else if (!mqtt.has(id))
      fail(at('gates', i), `gate "${id}" needs an MQTT device (gate controllers speak MQTT)`);
  });
  const notifiers = new Set(config.actions.filter((a) => a.type !== 'command').map((a) => a.id));
  v.notify.forEach((id, i) => {
    if (!notifiers.has(id)) fail(at('notify', i), `no webhook or email action "${id}" (actions:)`);
  });
  const seen = new Set<string>();
  v.staff.forEach((b, i) => {
    if (seen.has(b.badge)) fail(at('staff', i, 'badge'), 'duplicate badge');
    seen.add(b.badge);
    b.zones.forEach((z, k) => {
      if (!site.zoneById.has(z)) fail(at('staff', i, 'zones', k), `no zone "${z}"`);
    });
    if (b.schedule && !config.schedules.some((s) => s.id === b.schedule))
      fail(at('staff', i, 'schedule'), `no schedule "${b.schedule}" (schedules:)`);
  });
  checkSelfService(v, fail);
}
