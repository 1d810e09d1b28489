import type { SiteModel } from '../../core/model/site-model.js';
import { buildGateChannels } from './gate-channels.js';
import { commandTopicOf, defaultTopic, type MqttPointSource, statusTopic } from './mqtt-schema.js';

/** Exact topics one device may use. No wildcards: a device publishes only what the site file says it does. */
export interface DeviceAcl {
  publish: Set<string>;
  subscribe: Set<string>;
}

/**
 * Per MQTT device: publish the topics of its points and a status topic (`site/<site>/<asset>/status`, for
 * its last will) per asset it serves; subscribe only to the command topics of its command points. A gate
 * controller also publishes its gates' inbound channels (scan, door, passage, sync) and subscribes to their
 * outbound ones (decision, allowlist). The embedded broker enforces this, and `npm run admin --
 * mosquitto-acl` writes the same rules for mosquitto.
 */
export function buildDeviceAcls(site: SiteModel): Map<string, DeviceAcl> {
  const acls = new Map<string, DeviceAcl>();
  for (const d of site.devicesOf('mqtt')) acls.set(d.id, { publish: new Set(), subscribe: new Set() });
  const siteId = site.site.id;
  for (const point of site.points) {
    const acl = point.deviceId ? acls.get(point.deviceId) : undefined;
    if (!acl) continue;
    const src = point.config as MqttPointSource;
    if (point.kind === 'command') acl.subscribe.add(commandTopicOf(siteId, point.assetId, src));
    else acl.publish.add(src.topic ?? defaultTopic(siteId, point.assetId));
    acl.publish.add(statusTopic(siteId, point.assetId));
  }
  const gates = buildGateChannels(site);
  for (const route of gates.inbound.values()) {
    const acl = acls.get(route.deviceId)!;
    acl.publish.add(route.topic);
    acl.publish.add(statusTopic(siteId, route.assetId));
  }
  for (const [assetId, topics] of gates.outbound) {
    const acl = acls.get(gates.deviceOf.get(assetId)!)!;
    for (const topic of topics.values()) acl.subscribe.add(topic);
  }
  return acls;
}
