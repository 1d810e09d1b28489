import { GATE_INBOUND, GATE_OUTBOUND, gateDevices } from '../../core/model/asset-channels.js';
import type { SiteModel } from '../../core/model/site-model.js';

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
  /** gate asset → the MQTT device that serves it (gateDevices). */
  deviceOf: Map<string, string>;
}

export function channelTopic(siteId: string, assetId: string, channel: string): string {
  return `site/${siteId}/${assetId}/${channel}`;
}

/** Compile every MQTT gate's channel topics, once at start. */
export function buildGateChannels(site: SiteModel): GateChannels {
  const inbound = new Map<string, ChannelRoute>();
  const outbound = new Map<string, Map<string, string>>();
  const siteId = site.site.id;
  const deviceOf = gateDevices(site);
  for (const [assetId, deviceId] of deviceOf) {
    for (const channel of GATE_INBOUND) {
      const topic = channelTopic(siteId, assetId, channel);
      inbound.set(topic, { topic, deviceId, assetId, channel });
    }
    outbound.set(assetId, new Map(GATE_OUTBOUND.map((c) => [c, channelTopic(siteId, assetId, c)])));
  }
  return { inbound, outbound, deviceOf };
}
