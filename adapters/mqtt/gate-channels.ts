import type { SiteModel } from '../../core/model/site-model.js';
import { GATE_INBOUND, GATE_OUTBOUND } from '../../domains/visitors/gate-types.js';

/** An inbound channel topic (`site/<site>/<gate>/scan` …): who may publish it and what it is. */
export interface ChannelRoute {
  topic: string;
  deviceId: string;
  assetId: string;
  channel: string;
}

export interface GateChannels {
  /** topic → route, for the gate → hub channels. */
  inbound: Map<string, ChannelRoute>;
  /** gate asset → channel → topic, for the hub → gate channels. */
  outbound: Map<string, Map<string, string>>;
  /** gate asset → the MQTT device that serves it (mqttGates). */
  deviceOf: Map<string, string>;
}

export function channelTopic(siteId: string, assetId: string, channel: string): string {
  return `site/${siteId}/${assetId}/${channel}`;
}

/**
 * Gate assets fed by an MQTT device → that device: the asset's own device when it speaks MQTT, otherwise
 * the device of its first MQTT point. The simulators use the same list.
 */
export function mqttGates(site: SiteModel): Map<string, string> {
  const gates = new Map<string, string>();
  for (const asset of site.assets) {
    if (asset.kind !== 'gate') continue;
    const own =
      asset.device && site.deviceById.get(asset.device)?.protocol === 'mqtt' ? asset.device : undefined;
    const deviceId =
      own ?? site.pointsByAsset.get(asset.id)?.find((p) => p.protocol === 'mqtt' && p.deviceId)?.deviceId;
    if (deviceId) gates.set(asset.id, deviceId);
  }
  return gates;
}

/** Compile every MQTT gate's channel topics, once at start. */
export function buildGateChannels(site: SiteModel): GateChannels {
  const inbound = new Map<string, ChannelRoute>();
  const outbound = new Map<string, Map<string, string>>();
  const siteId = site.site.id;
  const deviceOf = mqttGates(site);
  for (const [assetId, deviceId] of deviceOf) {
    for (const channel of GATE_INBOUND) {
      const topic = channelTopic(siteId, assetId, channel);
      inbound.set(topic, { topic, deviceId, assetId, channel });
    }
    outbound.set(assetId, new Map(GATE_OUTBOUND.map((c) => [c, channelTopic(siteId, assetId, c)])));
  }
  return { inbound, outbound, deviceOf };
}
