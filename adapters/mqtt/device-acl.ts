import type { SiteModel } from '../../core/model/site-model.js';
import { buildGateChannels } from './gate-channels.js';
import { commandTopicOf, defaultTopic, type MqttPointSource, statusTopic } from './mqtt-schema.js';
import { buildSparkplugNodes, nodePublishFilters, nodeSubscribeFilters } from './sparkplug-nodes.js';

/** Exact topics one device may use. No wildcards: a device publishes only what the site file says it does. */
export interface DeviceAcl {
  publish: Set<string>;
  subscribe: Set<string>;
  /** Topic filters (`+`, `#`) a Sparkplug edge node publishes within: its own node and devices only. */
  publishFilters: string[];
  /** Filters a Sparkplug edge node may subscribe to (or narrower ones): its NCMD/DCMD and STATE. */
  subscribeFilters: string[];
}

/**
 * Per MQTT device: publish the topics of its points and a status topic (`site/<site>/<asset>/status`, for
 * its last will) per asset it serves; subscribe only to the command topics of its command points. A gate
 * controller also publishes its gates' inbound channels (scan, door, passage, sync) and subscribes to their
 * outbound ones (decision, allowlist). The embedded broker enforces this, and `npm run admin --
 * mosquitto-acl` writes the same rules for mosquitto. A Sparkplug B edge node (a device with `sparkplug:`) publishes
 * `spBv1.0/<group>/N…/<node>` and `spBv1.0/<group>/D…/<node>/+` (its Sparkplug devices are its own business) and
 * subscribes to its NCMD/DCMD and the host applications' STATE.
 */
export function buildDeviceAcls(site: SiteModel): Map<string, DeviceAcl> {
  const acls = new Map<string, DeviceAcl>();
  for (const d of site.devicesOf('mqtt'))
    acls.set(d.id, { publish: new Set(), subscribe: new Set(), publishFilters: [], subscribeFilters: [] });
  const siteId = site.site.id;
  const sparkplug = buildSparkplugNodes(site);
  for (const n of sparkplug.byDevice.values()) {
    const acl = acls.get(n.deviceId)!;
    acl.publishFilters.push(...nodePublishFilters(n.group, n.node));
    acl.subscribeFilters.push(...nodeSubscribeFilters(n.group, n.node));
  }
  for (const point of site.points) {
    const acl = point.deviceId ? acls.get(point.deviceId) : undefined;
    if (!acl) continue;
    const src = point.config as MqttPointSource;
    if (src.metric) continue;
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
