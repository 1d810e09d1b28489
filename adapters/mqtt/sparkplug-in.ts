import { type DeviceReporter, DriverError, type PushSink } from '../../core/devices/driver.js';
import type { Logger } from '../../core/logger.js';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { PointDef } from '../../core/model/site-model.js';
import {
  decodePayload,
  encodePayload,
  metricTypeOf,
  NODE_CONTROL,
  nextSeq,
  pointValueOf,
  QUALITY_PROPERTY,
  qualityOf,
  type SparkplugMetric,
  type SparkplugPayload,
  type SparkplugType,
  UNIT_PROPERTY,
} from '../../core/sparkplug/sparkplug-codec.js';
import { formatTopic, parseTopic, type SparkplugTopic } from '../../core/sparkplug/sparkplug-topic.js';
import type { MqttPointSource } from './mqtt-schema.js';
import { metricKey, nodeKey, type SparkplugNode, type SparkplugNodes } from './sparkplug-nodes.js';

/** A device clock more than this far ahead of the hub is not believed: the arrival time is used. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;
const SAMPLE_BYTES = 48;

/** What the MQTT driver lends the Sparkplug reader. */
export interface SparkplugHost {
  now(): number;
  /** The current subscription's sink (undefined before the first subscribe). */
  sink(): PushSink | undefined;
  /** Publish as the hub (QoS 1). */
  publish(topic: string, payload: Buffer): Promise<void>;
  devices: DeviceReporter;
  log: Logger;
}

/** A metric as its birth defined it. */
interface Metric {
  sparkplugDevice?: string;
  name: string;
  alias?: number;
  type: SparkplugType;
  unit?: string;
  value?: unknown;
  ts?: number;
}

/** One edge node's session as the hub follows it. */
interface NodeSession {
  cfg: SparkplugNode;
  born: boolean;
  bdSeq?: number;
  /** seq of the last message. */
  seq?: number;
  bornAt?: number;
  /** The MQTT client that published the NBIRTH (embedded broker). */
  clientId?: string;
  lastMessageAt?: number;
  /** alias → metric (aliases are unique across the node, its devices included). */
  aliases: Map<number, Metric>;
  /** metricKey → metric. */
  metrics: Map<string, Metric>;
  /** Sparkplug devices born in this session. */
  devices: Set<string>;
  lastRebirthAt?: number;
  rebirths: number;
}

/**
 * Sparkplug B in: third-party edge nodes (PLCs, gateways) as devices of the site. Births define the metrics
 * (name, alias, type); data messages are resolved by alias or name to the points that name the metric; NDEATH
 * (with the session's bdSeq) and a closed MQTT session make the node offline and its points bad, DDEATH its
 * device's points. Data before a birth, a seq gap or an unknown alias asks the node for a rebirth (NCMD
 * `Node Control/Rebirth`, at most once per `rebirthHoldoffMs`). Writes go out as NCMD/DCMD by metric name.
 *
 * Loaded only when a site has Sparkplug devices (the MQTT driver imports it on its first connect).
 */
export class SparkplugIn {
  private readonly sessions = new Map<string, NodeSession>();
  private readonly counters = {
    sparkplugMessages: 0,
    rebirthsRequested: 0,
    seqGaps: 0,
    unknownAliases: 0,
    staleDeaths: 0,
    historicalSkipped: 0,
  };

  constructor(
    private readonly nodes: SparkplugNodes,
    private readonly host: SparkplugHost,
  ) {
    for (const cfg of nodes.byDevice.values())
      this.sessions.set(cfg.deviceId, {
        cfg,
        born: false,
        aliases: new Map(),
        metrics: new Map(),
        devices: new Set(),
        rebirths: 0,
      });
  }

  /** The node a topic belongs to, or undefined when it is no Sparkplug topic of a node of this site. */
  route(topic: string): { topic: SparkplugTopic; deviceId: string } | undefined {
    const t = parseTopic(topic);
    if (!t) return undefined;
    const cfg = this.nodes.byTopicKey.get(nodeKey(t.group, t.node));
    return cfg ? { topic: t, deviceId: cfg.deviceId } : undefined;
  }

  /** A message on one of the nodes' topics (see route). */
  onMessage(
    topic: string,
    t: SparkplugTopic,
    deviceId: string,
    payload: Buffer,
    clientId: string | undefined,
  ): void {
    const s = this.sessions.get(deviceId)!;
    if (t.type === 'NCMD' || t.type === 'DCMD') return; // commands to the node (ours or another host's)
    this.counters.sparkplugMessages++;
    let p: SparkplugPayload;
    try {
      p = decodePayload(payload);
    } catch (err) {
      this.host.devices.malformed(deviceId, topic, (err as Error).message, hexSample(payload));
      return;
    }
    const now = this.host.now();
    s.lastMessageAt = now;
    if (t.type === 'NBIRTH') {
      s.clientId = clientId;
      this.nodeBirth(s, topic, p, now);
    } else if (t.type === 'NDEATH') this.nodeDeath(s, p);
    else if (!s.born) this.rebirth(s, `${t.type} before NBIRTH`);
    else {
      this.checkSeq(s, p);
      const device = t.device;
      if (t.type === 'NDATA') this.data(s, undefined, topic, p, now);
      else if (device === undefined) return;
      else if (t.type === 'DBIRTH') this.deviceBirth(s, device, topic, p, now);
      else if (t.type === 'DDEATH') this.deviceDeath(s, device);
      else if (!s.devices.has(device)) this.rebirth(s, `DDATA of ${device} before its DBIRTH`);
      else this.data(s, device, topic, p, now);
    }
  }

  /** The hub's link to the broker is (again) up: what we knew of each session may be stale. */
  connected(askForBirths: boolean): void {
    for (const s of this.sessions.values()) {
      s.born = false;
      s.devices.clear();
      s.lastRebirthAt = undefined;
      if (askForBirths) this.rebirth(s, 'the hub (re)connected to the broker');
    }
  }

  /** Whether the device is a Sparkplug edge node of this site. */
  has(deviceId: string): boolean {
    return this.sessions.has(deviceId);
  }

  /**
   * An MQTT session of the device ended (embedded broker): the one that gave the birth is as good as dead; another
   * (a second connection with the device's login) says nothing about the node.
   */
  sessionEnded(deviceId: string, clientId: string): void {
    const s = this.sessions.get(deviceId);
    if (!s?.born || s.clientId !== clientId) return;
    this.dead(s, 'MQTT session ended');
  }

  private nodeBirth(s: NodeSession, topic: string, p: SparkplugPayload, now: number) {
    s.born = true;
    s.bornAt = now;
    s.seq = p.seq;
    s.aliases.clear();
    s.metrics.clear();
    s.devices.clear();
    const bdSeq = p.metrics.find((m) => m.name === NODE_CONTROL.bdSeq);
    s.bdSeq = typeof bdSeq?.value === 'number' ? bdSeq.value : undefined;
    this.define(s, undefined, p.metrics);
    this.host.log.info(
      {
        device: s.cfg.deviceId,
        node: nodeKey(s.cfg.group, s.cfg.node),
        bdSeq: s.bdSeq,
        metrics: p.metrics.length,
      },
      'Sparkplug NBIRTH',
    );
    this.host.devices.seen(s.cfg.deviceId);
    this.data(s, undefined, topic, p, now);
  }

  private nodeDeath(s: NodeSession, p: SparkplugPayload) {
    const bdSeq = p.metrics.find((m) => m.name === NODE_CONTROL.bdSeq)?.value;
    // a death certificate of an older session (a will delivered late) says nothing about the current one
    if (s.bdSeq !== undefined && typeof bdSeq === 'number' && bdSeq !== s.bdSeq) {
      this.counters.staleDeaths++;
      return;
    }
    if (!s.born) return;
    this.dead(s, 'Sparkplug NDEATH');
  }

  private dead(s: NodeSession, reason: string) {
    s.born = false;
    s.devices.clear();
    if (s.cfg.pointIds.length) this.host.sink()?.bad(s.cfg.pointIds, reason);
    this.host.devices.lost(s.cfg.deviceId, reason);
  }

  private deviceBirth(s: NodeSession, device: string, topic: string, p: SparkplugPayload, now: number) {
    for (const [key, m] of s.metrics)
      if (m.sparkplugDevice === device) {
        s.metrics.delete(key);
        if (m.alias !== undefined) s.aliases.delete(m.alias);
      }
    s.devices.add(device);
    this.define(s, device, p.metrics);
    this.data(s, device, topic, p, now);
  }

  private deviceDeath(s: NodeSession, device: string) {
    s.devices.delete(device);
    const ids = s.cfg.pointsByDevice.get(device);
    if (ids?.length) this.host.sink()?.bad(ids, `Sparkplug DDEATH of ${device}`);
  }

  /** A birth's metrics: name, alias and type. */
  private define(s: NodeSession, device: string | undefined, metrics: SparkplugMetric[]) {
    for (const m of metrics) {
      if (m.name === undefined) continue;
      const unit = m.properties?.[UNIT_PROPERTY]?.value;
      const metric: Metric = { sparkplugDevice: device, name: m.name, alias: m.alias, type: m.type };
      if (typeof unit === 'string') metric.unit = unit;
      s.metrics.set(metricKey(device, m.name), metric);
      if (m.alias !== undefined) s.aliases.set(m.alias, metric);
    }
  }

  private checkSeq(s: NodeSession, p: SparkplugPayload) {
    if (p.seq === undefined) return;
    const expected = s.seq === undefined ? p.seq : nextSeq(s.seq);
    s.seq = p.seq;
    if (p.seq !== expected) {
      this.counters.seqGaps++;
      this.rebirth(s, `seq ${p.seq} where ${expected} was due`);
    }
  }

  /** The metrics of a birth or data message, resolved and handed to the points that name them. */
  private data(s: NodeSession, device: string | undefined, topic: string, p: SparkplugPayload, now: number) {
    const out: RawReading[] = [];
    const nulls: string[] = [];
    let unknown: string | undefined;
    for (const m of p.metrics) {
      const metric =
        m.name !== undefined
          ? s.metrics.get(metricKey(device, m.name))
          : m.alias !== undefined
            ? s.aliases.get(m.alias)
            : undefined;
      if (!metric || metric.sparkplugDevice !== device) {
        this.counters.unknownAliases++;
        unknown ??= m.name !== undefined ? `metric "${m.name}"` : `alias ${m.alias}`;
        continue;
      }
      if (m.isHistorical) {
        this.counters.historicalSkipped++;
        continue;
      }
      let ts = m.timestamp ?? p.timestamp ?? now;
      if (ts > now + MAX_FUTURE_SKEW_MS) ts = now;
      metric.value = m.isNull ? null : m.value;
      metric.ts = ts;
      const points = s.cfg.points.get(metricKey(device, metric.name));
      if (!points) continue;
      if (m.isNull) {
        for (const point of points) nulls.push(point.id);
        continue;
      }
      const value = pointValueOf(m);
      if (value === undefined) {
        this.host.devices.malformed(
          s.cfg.deviceId,
          topic,
          `metric "${metric.name}" is a ${m.type}: not a number, boolean or string`,
          '',
        );
        continue;
      }
      const quality = qualityOf(m);
      for (const point of points) {
        const r: RawReading = { pointId: point.id, value, quality, ts };
        if (quality !== 'good')
          r.reason = `Sparkplug ${QUALITY_PROPERTY} ${m.properties?.[QUALITY_PROPERTY]?.value}`;
        out.push(r);
      }
    }
    const sink = this.host.sink();
    if (out.length) sink?.values(s.cfg.deviceId, out);
    if (nulls.length) sink?.bad(nulls, 'Sparkplug metric is null');
    if (unknown) this.rebirth(s, `unknown ${unknown}`);
  }

  /** Ask the node to send its births again (held off per node). */
  private rebirth(s: NodeSession, reason: string) {
    const now = this.host.now();
    if (s.lastRebirthAt !== undefined && now - s.lastRebirthAt < s.cfg.rebirthHoldoffMs) return;
    s.lastRebirthAt = now;
    s.rebirths++;
    this.counters.rebirthsRequested++;
    this.host.log.info(
      { device: s.cfg.deviceId, node: nodeKey(s.cfg.group, s.cfg.node), reason },
      'Sparkplug rebirth requested',
    );
    const payload = encodePayload({
      timestamp: now,
      metrics: [{ name: NODE_CONTROL.rebirth, type: 'Boolean', value: true, timestamp: now }],
    });
    this.host
      .publish(formatTopic({ group: s.cfg.group, type: 'NCMD', node: s.cfg.node }), Buffer.from(payload))
      .catch((err) => this.host.log.warn({ err, device: s.cfg.deviceId }, 'rebirth request not sent'));
  }

  /** A write to a command point: NCMD (node metric) or DCMD (device metric) by name, in the birth's type. */
  async write(point: PointDef, raw: PointValue): Promise<void> {
    const s = this.sessions.get(point.deviceId!)!;
    const { group, node } = s.cfg;
    const src = point.config as MqttPointSource;
    const device = src.sparkplugDevice;
    if (!s.born)
      throw new DriverError('exception', `Sparkplug edge node ${group}/${node} is offline (no NBIRTH)`);
    if (device !== undefined && !s.devices.has(device))
      throw new DriverError(
        'exception',
        `Sparkplug device ${device} of ${group}/${node} is offline (no DBIRTH)`,
      );
    const type = s.metrics.get(metricKey(device, src.metric!))?.type ?? metricTypeOf(point.type);
    const value = coerce(raw, type);
    if (value === undefined)
      throw new DriverError(
        'bad-config',
        `${point.id}: a ${typeof raw} cannot be written to a ${type} metric`,
      );
    const now = this.host.now();
    const payload = encodePayload({
      timestamp: now,
      metrics: [{ name: src.metric!, type, value, timestamp: now }],
    });
    const topic =
      device === undefined
        ? formatTopic({ group, type: 'NCMD', node })
        : formatTopic({ group, type: 'DCMD', node, device });
    await this.host.publish(topic, Buffer.from(payload));
  }

  /** Diagnostics: the node's session and every metric its births defined, with a site-file snippet for the unmapped. */
  browse(deviceId: string): SparkplugBrowse {
    const s = this.sessions.get(deviceId)!;
    const metrics = [...s.metrics.values()].map((m) => ({
      ...(m.sparkplugDevice === undefined ? {} : { sparkplugDevice: m.sparkplugDevice }),
      name: m.name,
      ...(m.alias === undefined ? {} : { alias: m.alias }),
      type: m.type,
      ...(m.unit === undefined ? {} : { unit: m.unit }),
      value: (m.value ?? null) as PointValue | null,
      ...(m.ts === undefined ? {} : { ts: m.ts }),
      points: s.cfg.named.get(metricKey(m.sparkplugDevice, m.name)) ?? [],
    }));
    const unmapped = metrics.filter(
      (m) => m.points.length === 0 && m.name !== NODE_CONTROL.bdSeq && !m.name.startsWith('Node Control/'),
    );
    return {
      groupId: s.cfg.group,
      edgeNodeId: s.cfg.node,
      online: s.born,
      ...(s.bdSeq === undefined ? {} : { bdSeq: s.bdSeq }),
      ...(s.seq === undefined ? {} : { seq: s.seq }),
      ...(s.bornAt === undefined ? {} : { bornAt: s.bornAt }),
      ...(s.lastMessageAt === undefined ? {} : { lastMessageAt: s.lastMessageAt }),
      devices: [...s.devices].sort(),
      rebirthsRequested: s.rebirths,
      metrics,
      unmapped: unmapped.map((m) => ({ sparkplugDevice: m.sparkplugDevice, name: m.name })),
      snippet: snippet(unmapped),
    };
  }

  stats(): Record<string, number> {
    let online = 0;
    for (const s of this.sessions.values()) if (s.born) online++;
    return { sparkplugNodes: this.sessions.size, sparkplugNodesOnline: online, ...this.counters };
  }
}

export interface SparkplugBrowse {
  groupId: string;
  edgeNodeId: string;
  online: boolean;
  bdSeq?: number;
  seq?: number;
  bornAt?: number;
  /** The MQTT client that published the NBIRTH (embedded broker). */
  clientId?: string;
  lastMessageAt?: number;
  devices: string[];
  rebirthsRequested: number;
  metrics: {
    sparkplugDevice?: string;
    name: string;
    alias?: number;
    type: SparkplugType;
    unit?: string;
    value: PointValue | null;
    ts?: number;
    points: string[];
  }[];
  unmapped: { sparkplugDevice?: string; name: string }[];
  /** Points for the unmapped metrics, to paste under an asset of the site file. */
  snippet: string;
}

const INTEGER_TYPES = new Set<SparkplugType>([
  'Int8',
  'Int16',
  'Int32',
  'Int64',
  'UInt8',
  'UInt16',
  'UInt32',
  'UInt64',
  'DateTime',
]);

function coerce(raw: PointValue, type: SparkplugType): number | boolean | string | undefined {
  const n = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
  if (INTEGER_TYPES.has(type)) return typeof n === 'number' ? Math.round(n) : undefined;
  if (type === 'Float' || type === 'Double') return typeof n === 'number' ? n : undefined;
  if (type === 'Boolean')
    return typeof raw === 'boolean' ? raw : typeof raw === 'number' ? raw !== 0 : undefined;
  if (type === 'String' || type === 'Text' || type === 'UUID') return String(raw);
  return undefined;
}

function pointTypeOf(type: SparkplugType): 'number' | 'boolean' | 'string' {
  if (type === 'Boolean') return 'boolean';
  if (type === 'String' || type === 'Text' || type === 'UUID') return 'string';
  return 'number';
}

function pointNameOf(metric: string): string {
  const name = metric
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (/^[a-z]/.test(name) ? name : `m_${name}`).slice(0, 64);
}

function snippet(
  metrics: { sparkplugDevice?: string; name: string; type: SparkplugType; unit?: string }[],
): string {
  const used = new Set<string>();
  return metrics
    .map((m) => {
      let name = pointNameOf(m.name);
      for (let i = 2; used.has(name); i++) name = `${pointNameOf(m.name).slice(0, 60)}_${i}`;
      used.add(name);
      const type = pointTypeOf(m.type);
      const fields = [
        `name: ${name}`,
        `metric: ${JSON.stringify(m.name)}`,
        ...(m.sparkplugDevice === undefined ? [] : [`sparkplugDevice: ${JSON.stringify(m.sparkplugDevice)}`]),
        ...(type === 'number' ? [] : [`type: ${type}`, 'kind: state']),
        ...(m.unit ? [`# unit: ${m.unit}`] : []),
      ];
      const comment = fields.at(-1)!.startsWith('#') ? ` ${fields.pop()}` : '';
      return `- { ${fields.join(', ')} }${comment}`;
    })
    .join('\n');
}

function hexSample(payload: Buffer): string {
  const hex = payload.subarray(0, SAMPLE_BYTES).toString('hex');
  return payload.length > SAMPLE_BYTES ? `${hex}…` : hex;
}
