import type { SiteConfig } from '../../core/config/site-schema.js';
import {
  type Driver,
  type DriverContext,
  DriverError,
  type DriverFactory,
  type LinkPlan,
  type PushSink,
  type SubscribeResult,
} from '../../core/devices/driver.js';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { stateTopic } from '../../core/sparkplug/sparkplug-topic.js';
import { BrokerAuth } from './broker-auth.js';
import { buildDeviceAcls } from './device-acl.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { ExternalClient } from './external-client.js';
import { buildGateChannels, type ChannelRoute, type GateChannels } from './gate-channels.js';
import {
  commandTopicOf,
  defaultTopic,
  type MqttDevice,
  MqttDeviceSchema,
  type MqttPointSource,
  mqttPointShape,
} from './mqtt-schema.js';
import type { OversizePacket } from './packet-guard.js';
import { decodePayload } from './payload-decoder.js';
import type { SparkplugIn } from './sparkplug-in.js';
import {
  buildSparkplugNodes,
  hubSubscribeFilters,
  isSparkplugPoint,
  type SparkplugNodes,
  statePayload,
} from './sparkplug-nodes.js';
import { buildTopicRoutes, type TopicRoute } from './topic-routes.js';

const SAMPLE_BYTES = 120;

/**
 * One MQTT link for the whole site: the embedded broker (default) or a client of an external one.
 * Each message is routed by its exact topic to a device and its points, or to a gate's channel (scan, door,
 * passage, sync), which goes to the hub as a device message rather than readings. Sparkplug B edge nodes (devices
 * with `sparkplug:`) are read by `sparkplug-in.ts`, loaded with the Sparkplug codec only when the site has one.
 */
export class MqttDriver implements Driver {
  private readonly routes: Map<string, TopicRoute>;
  private readonly channels: GateChannels;
  private readonly deviceByClientId = new Map<string, string>();
  private readonly auth: BrokerAuth;
  private embedded?: EmbeddedBroker;
  private stopWatchingCredentials?: () => void;
  private external?: ExternalClient;
  private messages = 0;
  private unmapped = 0;
  private malformed = 0;
  private brokerDroppedAtConnect?: number;
  private brokerDropped = 0;
  /** Where values go; set by the framework's subscribe() right after each connect. */
  private sink?: PushSink;
  private readonly sparkplugNodes: SparkplugNodes;
  private sparkplug?: SparkplugIn;

  constructor(
    private readonly site: SiteModel,
    private readonly ctx: DriverContext,
  ) {
    this.routes = buildTopicRoutes(site);
    this.channels = buildGateChannels(site);
    this.sparkplugNodes = buildSparkplugNodes(site);
    for (const d of site.devicesOf('mqtt') as MqttDevice[])
      if (d.clientId) this.deviceByClientId.set(d.clientId, d.id);
    this.auth = new BrokerAuth({
      anonymous: site.mqtt.anonymous,
      acls: buildDeviceAcls(site),
      clientIdOwner: this.deviceByClientId,
      credentials: ctx.credentials,
      denied: (deviceId, kind, detail) => {
        this.denied[kind]++;
        ctx.devices.denied(deviceId, kind, detail);
      },
    });
  }

  private readonly denied = { login: 0, publish: 0, subscribe: 0 };

  /** The embedded broker's ports once listening (tests and the bench bind port 0). */
  get ports(): { plaintext?: number; tls?: number } {
    return this.embedded?.boundPorts ?? {};
  }

  async connect(): Promise<void> {
    const s = this.site.mqtt;
    if (this.sparkplugNodes.byDevice.size && !this.sparkplug) {
      const { SparkplugIn } = await import('./sparkplug-in.js');
      this.sparkplug ??= new SparkplugIn(this.sparkplugNodes, {
        now: () => this.ctx.clock.now(),
        sink: () => this.sink,
        publish: (topic, payload) => this.publish(topic, payload),
        devices: this.ctx.devices,
        log: this.ctx.log,
      });
    }
    try {
      if (s.mode === 'embedded') {
        this.embedded = new EmbeddedBroker(s, this.auth, {
          message: (topic, payload, clientId) => this.onMessage(topic, payload, clientId),
          clientDisconnected: (clientId, deviceId) => {
            const id = deviceId ?? this.deviceByClientId.get(clientId);
            if (!id) return;
            if (this.sparkplug?.has(id)) this.sparkplug.sessionEnded(id, clientId);
            else this.ctx.devices.lost(id, 'MQTT client disconnected');
          },
          oversize: (deviceId, packet, remote) => this.onOversize(deviceId, packet, remote),
          failed: (err) => this.ctx.linkLost(DriverError.from(err)),
        });
        await this.embedded.start();
        this.stopWatchingCredentials ??= this.ctx.credentials.onChange((deviceId) =>
          this.auth.kick(deviceId),
        );
        if (s.anonymous)
          this.ctx.log.warn(
            'embedded MQTT broker accepts anonymous clients without topic ACLs (mqtt.anonymous)',
          );
        this.ctx.log.info({ ...this.embedded.boundPorts }, 'embedded MQTT broker listening');
        this.sparkplug?.connected(false); // a new broker: every node connects and births afresh
        await this.publishHostState(this.ctx.clock.now());
      } else {
        this.brokerDroppedAtConnect = undefined;
        const hostId = this.sparkplugNodes.primaryHostId;
        const stateAt = this.ctx.clock.now();
        this.external = new ExternalClient(
          {
            url: s.url!,
            clientId: s.clientId ?? `facility-hub-${this.site.site.id}`,
            username: s.username,
            password: s.password,
            qos: s.qos,
            topics: [
              ...this.routes.keys(),
              ...this.channels.inbound.keys(),
              ...[...this.sparkplugNodes.byDevice.values()].flatMap((n) =>
                hubSubscribeFilters(n.group, n.node),
              ),
            ],
            // the nodes' primary host: offline when the hub's session ends uncleanly
            will: hostId
              ? { topic: stateTopic(hostId), payload: statePayload(false, stateAt), qos: 1, retain: true }
              : undefined,
          },
          {
            message: (topic, payload) => this.onMessage(topic, payload),
            closed: (reason) => this.ctx.linkLost(new DriverError('closed', reason)),
            brokerDropped: (total) => this.onBrokerDropped(total),
          },
        );
        await this.external.start();
        await this.publishHostState(stateAt);
        // nodes already up have born before we listened: ask them again
        this.sparkplug?.connected(true);
      }
    } catch (err) {
      throw DriverError.from(err, 'refused');
    }
  }

  /** A packet the size guard kept from the broker: counted like an oversize payload, never parsed. */
  private onOversize(clientDevice: string | undefined, packet: OversizePacket, remote: string) {
    const route =
      packet.topic === undefined
        ? undefined
        : (this.routes.get(packet.topic) ?? this.channels.inbound.get(packet.topic));
    this.malformed++;
    if (route) this.messages++;
    const what =
      packet.type === 3 ? 'oversize' : `oversize packet of type ${packet.type}, connection closed:`;
    this.ctx.devices.malformed(
      clientDevice ?? route?.deviceId,
      packet.topic ?? '(connection)',
      `${what} ${packet.bytes} bytes > ${this.site.mqtt.maxPayloadBytes} (from ${remote})`,
      '',
    );
  }

  private onMessage(topic: string, payload: Buffer, clientId?: string): void {
    const route = this.routes.get(topic);
    if (!route) {
      if (this.sparkplug && topic.startsWith('spBv1.0/')) {
        const node = this.sparkplug.route(topic);
        if (node) {
          this.messages++;
          if (!this.oversize(node.deviceId, topic, payload))
            this.sparkplug.onMessage(topic, node.topic, node.deviceId, payload, clientId);
          return;
        }
      }
      const channel = this.channels.inbound.get(topic);
      if (channel) this.onChannel(channel, payload);
      else this.unmapped++;
      return;
    }
    this.messages++;
    const { ctx } = this;
    if (this.oversize(route.deviceId, topic, payload)) return;
    const out: RawReading[] = [];
    const problem = decodePayload(route, payload, ctx.clock.now(), out);
    if (out.length) this.sink?.values(route.deviceId, out);
    if (problem) {
      this.malformed++;
      ctx.devices.malformed(route.deviceId, topic, problem, sample(payload));
    }
  }

  /** A payload past mqtt.maxPayloadBytes (the embedded broker's guard stops most before): counted, not read. */
  private oversize(deviceId: string, topic: string, payload: Buffer): boolean {
    if (payload.length <= this.site.mqtt.maxPayloadBytes) return false;
    this.malformed++;
    this.ctx.devices.malformed(
      deviceId,
      topic,
      `oversize: ${payload.length} bytes > ${this.site.mqtt.maxPayloadBytes}`,
      sample(payload),
    );
    return true;
  }

  /** A gate's scan, door, passage or sync: handed over whole; its domain (domains/visitors) decodes it. */
  private onChannel(route: ChannelRoute, payload: Buffer): void {
    this.messages++;
    const { ctx } = this;
    if (this.oversize(route.deviceId, route.topic, payload)) return;
    ctx.devices.seen(route.deviceId); // no readings, but the device is alive
    ctx.message({
      deviceId: route.deviceId,
      assetId: route.assetId,
      channel: route.channel,
      payload,
      ts: ctx.clock.now(),
    });
  }

  /** mosquitto counts what it dropped for slow subscribers; any rise while we are connected is our loss. */
  private onBrokerDropped(total: number) {
    this.brokerDroppedAtConnect ??= total;
    const lost = total - this.brokerDroppedAtConnect;
    if (lost > this.brokerDropped)
      this.ctx.log.warn(
        { droppedSinceConnect: lost },
        'the broker is dropping messages: the subscription lags (raise max_queued_messages, see README)',
      );
    this.brokerDropped = lost;
  }

  /** Every point's values come as the devices publish them: the sink gets them from now on. */
  async subscribe(_points: unknown, sink: PushSink): Promise<SubscribeResult> {
    this.sink = sink;
    return {};
  }

  /**
   * A command: `{"point", "value", "ts"}` on the point's command topic, the raw value (its transform inverted); for a
   * Sparkplug metric an NCMD/DCMD.
   */
  async write(point: PointDef, raw: PointValue | null): Promise<undefined> {
    if (point.kind !== 'command') throw new DriverError('bad-config', `${point.id} is not a command point`);
    if (raw === null)
      throw new DriverError('bad-config', `${point.id}: an MQTT device has no priority array to relinquish`);
    if (isSparkplugPoint(point)) {
      if (!this.sparkplug) throw new DriverError('closed', 'MQTT link is not connected');
      await this.sparkplug.write(point, raw);
      return undefined;
    }
    const topic = commandTopicOf(this.site.site.id, point.assetId, point.config as MqttPointSource);
    const payload = JSON.stringify({ point: point.name, value: raw, ts: this.ctx.clock.now() });
    try {
      if (this.embedded) await this.embedded.publish(topic, payload);
      else if (this.external) await this.external.publish(topic, payload);
      else throw new Error('not connected');
    } catch (err) {
      throw DriverError.from(err, 'closed');
    }
    return undefined;
  }

  /**
   * The nodes' primary host (Sparkplug 3.0 STATE, retained): online with this connection's timestamp; offline by the
   * will (external broker) or at an orderly close.
   */
  private async publishHostState(timestamp: number, online = true): Promise<void> {
    const hostId = this.sparkplugNodes.primaryHostId;
    if (!hostId) return;
    const payload = statePayload(online, timestamp);
    if (this.embedded) await this.embedded.publish(stateTopic(hostId), payload, { retain: true });
    else await this.external?.publish(stateTopic(hostId), payload, { retain: true });
  }

  /** Publish as the hub, QoS 1. */
  private async publish(topic: string, payload: Buffer): Promise<void> {
    const { embedded, external } = this;
    if (!embedded && !external) throw new DriverError('closed', 'MQTT link is not connected');
    try {
      if (embedded) await embedded.publish(topic, payload);
      else await external!.publish(topic, payload);
    } catch (err) {
      throw DriverError.from(err, 'closed');
    }
  }

  /** Diagnostics of a Sparkplug edge node: its session, every metric its births defined, a snippet for the unmapped. */
  async browse(deviceId: string): Promise<unknown> {
    if (!this.sparkplugNodes.byDevice.has(deviceId) || !this.sparkplug)
      throw new DriverError(
        'bad-config',
        `device ${deviceId} is not a Sparkplug B edge node: no diagnostics`,
      );
    return this.sparkplug.browse(deviceId);
  }

  /** Publish on a gate's outbound channel (decision, allowlist): QoS 1, retained when asked. */
  async send(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void> {
    const topic = this.channels.outbound.get(assetId)?.get(channel);
    if (!topic)
      throw new DriverError(
        'bad-config',
        this.channels.outbound.has(assetId)
          ? `"${channel}" is not an outbound gate channel`
          : `asset ${assetId} is not a gate served by an MQTT device`,
      );
    const { embedded, external } = this;
    if (!embedded && !external) throw new DriverError('closed', 'MQTT link is not connected');
    try {
      if (embedded) await embedded.publish(topic, payload, opts);
      else await external!.publish(topic, payload, opts);
    } catch (err) {
      throw DriverError.from(err, 'closed');
    }
  }

  async close(): Promise<void> {
    if (this.sparkplugNodes.primaryHostId && this.ctx.signal.aborted)
      await this.publishHostState(this.ctx.clock.now(), false).catch(() => undefined);
    const { embedded, external } = this;
    if (this.ctx.signal.aborted) {
      this.stopWatchingCredentials?.();
      this.stopWatchingCredentials = undefined;
    }
    this.embedded = undefined;
    this.external = undefined;
    await embedded?.stop();
    await external?.stop();
  }

  stats() {
    return {
      mode: this.site.mqtt.mode,
      topics: this.routes.size + this.channels.inbound.size,
      messages: this.messages,
      unmapped: this.unmapped,
      malformed: this.malformed,
      ...this.sparkplug?.stats(),
      ...(this.embedded
        ? {
            clients: this.embedded.clients,
            loginsRefused: this.denied.login,
            publishesRefused: this.denied.publish,
            subscriptionsRefused: this.denied.subscribe,
          }
        : {}),
      ...(this.site.mqtt.mode === 'external'
        ? { brokerDropped: this.brokerDropped, lagging: this.brokerDropped > 0 }
        : {}),
    };
  }
}

function sample(payload: Buffer): string {
  const text = payload.subarray(0, SAMPLE_BYTES).toString('utf8');
  return payload.length > SAMPLE_BYTES ? `${text}…` : text;
}

export const mqttDriverFactory: DriverFactory = {
  protocol: 'mqtt',
  deviceSchema: MqttDeviceSchema,
  pointShape: mqttPointShape,
  checkSite(site: SiteConfig, model: SiteModel) {
    const issues: { path: PropertyKey[]; message: string }[] = [];
    const usesMqtt = site.devices.some((d) => d.protocol === 'mqtt');
    if (usesMqtt && site.mqtt.mode === 'off')
      issues.push({ path: ['mqtt', 'mode'], message: 'MQTT devices are declared but mqtt.mode is off' });
    if (site.mqtt.mode === 'external' && !site.mqtt.url)
      issues.push({
        path: ['mqtt', 'url'],
        message: 'required when mqtt.mode is external (or set HUB_MQTT_URL)',
      });
    // One topic, one publisher: two devices on a topic would make health and offline alerts lie.
    const owner = new Map<string, string>();
    // A gate's channel topics carry its protocol, never readings or commands.
    const channels = buildGateChannels(model);
    const channelTopics = new Set([
      ...channels.inbound.keys(),
      ...[...channels.outbound.values()].flatMap((topics) => [...topics.values()]),
    ]);
    // Sparkplug B edge nodes: one device per group/node; their points name metrics, never topics
    const nodes = new Map<string, string>();
    let hostId: string | undefined;
    site.devices.forEach((d, i) => {
      const sp = d.protocol === 'mqtt' ? (d as MqttDevice).sparkplug : undefined;
      if (!sp) return;
      if (sp.primaryHostId && hostId && sp.primaryHostId !== hostId)
        issues.push({
          path: ['devices', i, 'sparkplug', 'primaryHostId'],
          message: `the hub is one host: "${hostId}" is already the primary host id of another node`,
        });
      hostId ??= sp.primaryHostId;
      const key = `${sp.groupId}/${sp.edgeNodeId}`;
      const first = nodes.get(key);
      if (first)
        issues.push({
          path: ['devices', i, 'sparkplug', 'edgeNodeId'],
          message: `Sparkplug edge node ${key} is already device "${first}"`,
        });
      else nodes.set(key, d.id);
    });
    site.assets.forEach((asset, a) => {
      asset.points.forEach((p, i) => {
        const deviceId = p.device ?? asset.device;
        // device ids are unique here (checkSite runs on a file without errors)
        if (!deviceId || model.deviceById.get(deviceId)?.protocol !== 'mqtt') return;
        const sp = (model.deviceById.get(deviceId) as MqttDevice).sparkplug;
        const src = p as MqttPointSource;
        if (sp) {
          if (!src.metric)
            issues.push({
              path: ['assets', a, 'points', i, 'metric'],
              message: `device "${deviceId}" is a Sparkplug B edge node: name the point's metric (e.g. metric: Inputs/Temperature)`,
            });
          for (const field of ['topic', 'path', 'commandTopic'] as const)
            if (src[field] !== undefined)
              issues.push({
                path: ['assets', a, 'points', i, field],
                message: `device "${deviceId}" is a Sparkplug B edge node: its points name a metric, not a ${field}`,
              });
          return;
        }
        for (const field of ['metric', 'sparkplugDevice'] as const)
          if (src[field] !== undefined)
            issues.push({
              path: ['assets', a, 'points', i, field],
              message: `device "${deviceId}" has no sparkplug: block; ${field} is for Sparkplug B edge nodes`,
            });
        if (p.kind === 'command') {
          const topic = commandTopicOf(site.site.id, asset.id, p as MqttPointSource);
          if (channelTopics.has(topic))
            issues.push({
              path: ['assets', a, 'points', i, 'commandTopic'],
              message: `topic ${topic} is a gate channel; choose another`,
            });
          return;
        }
        const topic = (p as MqttPointSource).topic ?? defaultTopic(site.site.id, asset.id);
        if (channelTopics.has(topic))
          issues.push({
            path: ['assets', a, 'points', i, 'topic'],
            message: `topic ${topic} is a gate channel; choose another`,
          });
        const first = owner.get(topic);
        if (first && first !== deviceId)
          issues.push({
            path: ['assets', a, 'points', i, 'topic'],
            message: `topic ${topic} is already published by device "${first}"; one topic, one device`,
          });
        else owner.set(topic, deviceId);
      });
    });
    return issues;
  },
  links(site: SiteModel): LinkPlan[] {
    if (site.mqtt.mode === 'off') return [];
    return [{ linkId: 'mqtt', protocol: 'mqtt', devices: site.devicesOf('mqtt') }];
  },
  pushed: () => true,
  // Sparkplug metrics are reported by exception: a steady value is passed on once per interval while the node lives
  changesOnly: isSparkplugPoint,
  create(_link, site, ctx) {
    return new MqttDriver(site, ctx);
  },
};
