import type { SiteModel } from './site-model.js';

/**
 * Messages that are not readings travel on an asset's channels, `site/<site>/<asset>/<channel>` over MQTT: today
 * the gate protocol (README, "Visitors and gates"). Inbound is device → hub (a DeviceMessage on the bus);
 * outbound is hub → device, sent through the command service. The visitors domain gives the payloads meaning.
 */
export const GATE_INBOUND = ['scan', 'door', 'passage', 'sync'] as const;
export const GATE_OUTBOUND = ['decision', 'allowlist'] as const;
export type GateInbound = (typeof GATE_INBOUND)[number];
export type GateOutbound = (typeof GATE_OUTBOUND)[number];

/** The protocol whose devices carry channels (gate controllers speak MQTT). */
export const CHANNEL_PROTOCOL = 'mqtt';

/**
 * Gate assets → the device that carries their channels: the asset's own device when it speaks MQTT, otherwise
 * the device of its first MQTT point. The MQTT driver, the visitors domain and the simulators use this list.
 */
export function gateDevices(site: SiteModel): Map<string, string> {
  const gates = new Map<string, string>();
  for (const asset of site.assets) {
    if (asset.kind !== 'gate') continue;
    const own =
      asset.device && site.deviceById.get(asset.device)?.protocol === CHANNEL_PROTOCOL
        ? asset.device
        : undefined;
    const deviceId =
      own ??
      site.pointsByAsset.get(asset.id)?.find((p) => p.protocol === CHANNEL_PROTOCOL && p.deviceId)?.deviceId;
    if (deviceId) gates.set(asset.id, deviceId);
  }
  return gates;
}
