/**
 * Sparkplug B topics (Eclipse Sparkplug 3.0, chapter 4): `spBv1.0/<group>/<type>/<edge node>[/<device>]`, and the
 * host application's `spBv1.0/STATE/<host id>`.
 */
export const NAMESPACE = 'spBv1.0';

export const NODE_TYPES = ['NBIRTH', 'NDATA', 'NDEATH', 'NCMD'] as const;
export const DEVICE_TYPES = ['DBIRTH', 'DDATA', 'DDEATH', 'DCMD'] as const;
export type NodeMessageType = (typeof NODE_TYPES)[number];
export type DeviceMessageType = (typeof DEVICE_TYPES)[number];
export type MessageType = NodeMessageType | DeviceMessageType;

export interface SparkplugTopic {
  group: string;
  type: MessageType;
  node: string;
  /** Device messages only. */
  device?: string;
}

/** A group, edge node or device id: no `/`, `+` or `#` (they are topic levels and wildcards). */
export const SPARKPLUG_ID = /^[^/+#]+$/;

export function formatTopic(t: SparkplugTopic): string {
  const base = `${NAMESPACE}/${t.group}/${t.type}/${t.node}`;
  return t.device === undefined ? base : `${base}/${t.device}`;
}

/** The host application's state topic (retained `{"online":bool,"timestamp":ms}`). */
export function stateTopic(hostId: string): string {
  return `${NAMESPACE}/STATE/${hostId}`;
}

/** A Sparkplug B topic, or undefined for anything else (STATE included: see parseStateTopic). */
export function parseTopic(topic: string): SparkplugTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== NAMESPACE || parts.length < 4 || parts.length > 5) return undefined;
  const [, group, type, node, device] = parts as [string, string, string, string, string | undefined];
  if (!group || !node) return undefined;
  if ((NODE_TYPES as readonly string[]).includes(type)) {
    return device === undefined ? { group, type: type as NodeMessageType, node } : undefined;
  }
  if ((DEVICE_TYPES as readonly string[]).includes(type)) {
    return device ? { group, type: type as DeviceMessageType, node, device } : undefined;
  }
  return undefined;
}

/** The host id of a STATE topic, or undefined. */
export function parseStateTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts.length === 3 && parts[0] === NAMESPACE && parts[1] === 'STATE' && parts[2]
    ? parts[2]
    : undefined;
}
