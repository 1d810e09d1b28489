import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { formatTopic, NAMESPACE } from '../../core/sparkplug/sparkplug-topic.js';
import type { MqttDevice, MqttPointSource } from './mqtt-schema.js';

/**
 * The site's Sparkplug B edge nodes (MQTT devices with a `sparkplug:` block) compiled once at start: which hub
 * device each node is, which points name which metric, and the topic filters the node may use. No codec here:
 * this file is read by every MQTT site; the codec (`sparkplug-in.ts`) only when a site has Sparkplug devices.
 */

/** A metric's key within its node: the Sparkplug device id ('' for node-level metrics) and the metric name. */
export function metricKey(sparkplugDevice: string | undefined, metric: string): string {
  return `${sparkplugDevice ?? ''}\u0000${metric}`;
}

export interface SparkplugNode {
  /** The hub device. */
  deviceId: string;
  group: string;
  node: string;
  rebirthHoldoffMs: number;
  /** metricKey → the points that read it (a metric may feed more than one point). */
  points: Map<string, PointDef[]>;
  /** metricKey → every point that names it, command points included. */
  named: Map<string, string[]>;
  /** Every point of this node. */
  pointIds: string[];
  /** Sparkplug device → the point ids under it (DDEATH turns them bad). */
  pointsByDevice: Map<string, string[]>;
}

export interface SparkplugNodes {
  /** `group/node` → node. */
  byTopicKey: Map<string, SparkplugNode>;
  /** hub device id → node. */
  byDevice: Map<string, SparkplugNode>;
  /** The Primary Host ID the nodes wait for (one per site; checkSite sees to it), whose STATE the hub publishes. */
  primaryHostId?: string;
}

/** A host application's STATE (Sparkplug 3.0): retained JSON, the will carrying the birth's timestamp. */
export function statePayload(online: boolean, timestamp: number): string {
  return JSON.stringify({ online, timestamp });
}

export function nodeKey(group: string, node: string): string {
  return `${group}/${node}`;
}

export function buildSparkplugNodes(site: SiteModel): SparkplugNodes {
  const byTopicKey = new Map<string, SparkplugNode>();
  const byDevice = new Map<string, SparkplugNode>();
  let primaryHostId: string | undefined;
  for (const d of site.devicesOf('mqtt') as MqttDevice[]) {
    if (!d.sparkplug) continue;
    primaryHostId ??= d.sparkplug.primaryHostId;
    const n: SparkplugNode = {
      deviceId: d.id,
      group: d.sparkplug.groupId,
      node: d.sparkplug.edgeNodeId,
      rebirthHoldoffMs: d.sparkplug.rebirthHoldoffMs,
      points: new Map(),
      named: new Map(),
      pointIds: [],
      pointsByDevice: new Map(),
    };
    byTopicKey.set(nodeKey(n.group, n.node), n);
    byDevice.set(d.id, n);
  }
  for (const point of site.points) {
    const n = point.deviceId ? byDevice.get(point.deviceId) : undefined;
    const src = point.config as MqttPointSource;
    if (!n || !src.metric) continue;
    n.pointIds.push(point.id);
    const key = metricKey(src.sparkplugDevice, src.metric);
    n.named.set(key, [...(n.named.get(key) ?? []), point.id]);
    if (point.kind === 'command') continue;
    const list = n.points.get(key);
    if (list) list.push(point);
    else n.points.set(key, [point]);
    if (src.sparkplugDevice) {
      const ids = n.pointsByDevice.get(src.sparkplugDevice) ?? [];
      ids.push(point.id);
      n.pointsByDevice.set(src.sparkplugDevice, ids);
    }
  }
  return { byTopicKey, byDevice, primaryHostId };
}

/** Whether a point is read from a Sparkplug metric (its values come as changes only: report by exception). */
export function isSparkplugPoint(point: PointDef): boolean {
  return point.protocol === 'mqtt' && typeof (point.config as MqttPointSource).metric === 'string';
}

/** What a node's client may publish: its own births, data and deaths (node and devices). */
export function nodePublishFilters(group: string, node: string): string[] {
  return [
    ...(['NBIRTH', 'NDATA', 'NDEATH'] as const).map((type) => formatTopic({ group, type, node })),
    ...(['DBIRTH', 'DDATA', 'DDEATH'] as const).map((type) =>
      formatTopic({ group, type, node, device: '+' }),
    ),
  ];
}

/** What a node's client may subscribe to: its commands (node and devices) and the host applications' STATE. */
export function nodeSubscribeFilters(group: string, node: string): string[] {
  return [
    formatTopic({ group, type: 'NCMD', node }),
    `${formatTopic({ group, type: 'NCMD', node })}/#`,
    formatTopic({ group, type: 'DCMD', node, device: '+' }),
    `${formatTopic({ group, type: 'DCMD', node })}/#`,
    `${NAMESPACE}/STATE/+`,
  ];
}

/** What the hub subscribes to for a node (on an external broker): everything the node publishes. */
export function hubSubscribeFilters(group: string, node: string): string[] {
  return [`${NAMESPACE}/${group}/+/${node}`, `${NAMESPACE}/${group}/+/${node}/+`];
}

/** MQTT topic matching: does `topic` (no wildcards) match `filter`? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return i > 0 || t[0]?.charCodeAt(0) !== 36; // '#' never matches a $ topic at the root
    if (i >= t.length) return false;
    if (level === '+') {
      if (i === 0 && t[0]!.charCodeAt(0) === 36) return false;
      continue;
    }
    if (level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Does the subscription `requested` reach only topics that `allowed` matches? (A filter is allowed when it is
 * no wider than an allowed one: `+` only under `+` or `#`, `#` only under `#`.)
 */
export function filterWithin(requested: string, allowed: string): boolean {
  const r = requested.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < r.length; i++) {
    const al = a[i];
    if (al === '#') return true;
    if (al === undefined) return false;
    const rl = r[i]!;
    if (rl === '#') return false;
    if (al === '+') continue;
    if (rl === '+' || rl !== al) return false;
  }
  // `x/#` also matches `x` itself
  return r.length === a.length || (a.length === r.length + 1 && a[r.length] === '#');
}
