import mqtt, { type MqttClient } from 'mqtt';
import type { MqttDevice } from '../adapters/mqtt/mqtt-schema.js';
import { buildTopicRoutes } from '../adapters/mqtt/topic-routes.js';
import type { PointDef, SiteModel } from '../core/model/site-model.js';
import { type CurveState, curveValue, siteHour } from './curves.js';
import type { SitePhysics } from './site-physics.js';

export type GarbageKind = 'not-json' | 'wrong-type' | 'nan' | 'oversize' | 'no-fields';

export interface SimDeviceStatus {
  deviceId: string;
  clientId: string;
  running: boolean;
  frozen: boolean;
  connected: boolean;
  published: number;
  garbage: number;
}

/** Behaviour that rides on a device's own MQTT connection (a gate controller's protocol). */
export interface DeviceHooks {
  /** The last will, set on every connect (a gate's `{ online: false }` on its status topic). */
  readonly will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
  /** Every (re)connect, with the connected client. */
  connected(client: MqttClient): void;
  /** The connection closed (powered off, dropped, broker gone). */
  closed(): void;
  message(topic: string, payload: Buffer): void;
}

interface TopicGroup {
  topic: string;
  points: { def: PointDef; path: string[] }[];
}

/** One simulated MQTT device: its own client, publishing its topics at its points' interval. */
export class SimulatedMqttDevice {
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  private readonly groups: TopicGroup[];
  private readonly intervalMs: number;
  private readonly profile: 'office' | 'canteen' | 'dormitory';
  private frozenValues?: Map<string, number | boolean>;
  /** Values that something else decides (a gate controller's door), sent instead of the curve's. */
  private readonly overrides = new Map<string, number | boolean>();
  private readonly hooks: DeviceHooks[] = [];
  private readonly state: CurveState = { counters: new Map(), flags: new Map() };
  readonly status: SimDeviceStatus;

  constructor(
    private readonly site: SiteModel,
    readonly device: MqttDevice,
    private readonly brokerUrl: string,
    /** The MQTT password the hub issued to this device (username = device id). */
    private readonly password?: string,
    /** The site's physics: a floor's temperature and CO₂ sensors read its air (else the daily curves). */
    private readonly physics?: SitePhysics,
  ) {
    // The same topic routes the hub decodes with, so the simulator publishes exactly what the hub expects.
    this.groups = [...buildTopicRoutes(site).values()]
      .filter((route) => route.deviceId === device.id)
      .map((route) => ({
        topic: route.topic,
        points: route.fields.map((f) => ({ def: site.pointById.get(f.pointId)!, path: f.path })),
      }));
    const points = this.groups.flatMap((g) => g.points.map((p) => p.def));
    this.intervalMs = Math.max(200, Math.min(...points.map((p) => p.intervalMs), 60_000));
    const zone = site.assetById.get(points[0]?.assetId ?? '')?.zone ?? '';
    this.profile = /b2-f1|canteen/.test(zone) ? 'canteen' : /b2-f2|dorm/.test(zone) ? 'dormitory' : 'office';
    this.status = {
      deviceId: device.id,
      clientId: device.clientId ?? `sim-${device.id}`,
      running: false,
      frozen: false,
      connected: false,
      published: 0,
      garbage: 0,
    };
  }

  /** Add behaviour on this device's connection; before start(). */
  attach(hooks: DeviceHooks): void {
    this.hooks.push(hooks);
  }

  /** Send this value for the point (undefined: back to the simulated curve). */
  setValue(pointId: string, value: number | boolean | undefined): void {
    if (value === undefined) this.overrides.delete(pointId);
    else this.overrides.set(pointId, value);
  }

  start(): void {
    if (this.status.running) return;
    this.status.running = true;
    const client = mqtt.connect(this.brokerUrl, {
      clientId: this.status.clientId,
      username: this.password ? this.device.id : undefined,
      password: this.password,
      reconnectPeriod: 1_000,
      will: this.hooks.find((h) => h.will)?.will,
    });
    client.on('connect', () => {
      // a gate waits for its decision: no Nagle delay (~40 ms a round trip against delayed ACKs)
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.status.connected = true;
      for (const h of this.hooks) h.connected(client);
    });
    client.on('close', () => {
      this.status.connected = false;
      for (const h of this.hooks) h.closed();
    });
    client.on('message', (topic, payload) => {
      for (const h of this.hooks) h.message(topic, payload);
    });
    client.on('error', () => undefined);
    this.client = client;
    this.timer = setInterval(() => this.publishOnce(), this.intervalMs);
    setTimeout(() => this.publishOnce(), 200).unref();
  }

  /** Power the device off: its client disconnects and it stops publishing. */
  async stop(): Promise<void> {
    this.status.running = false;
    clearInterval(this.timer);
    const client = this.client;
    this.client = undefined;
    this.status.connected = false;
    await client?.endAsync(true);
  }

  /** Keep publishing the same values (a stuck sensor). */
  freeze(on: boolean): void {
    this.status.frozen = on;
    if (!on) this.frozenValues = undefined;
  }

  /** A floor's temperature or CO₂ from the site physics; undefined for any other point. */
  private fromPhysics(def: PointDef, now: number): number | undefined {
    const zone = this.site.assetById.get(def.assetId)?.zone;
    if (!this.physics || !zone || !this.physics.hasZone(zone)) return undefined;
    const noise = (a: number) => (Math.random() * 2 - 1) * a;
    if (def.name === 'temp_c')
      return Math.round((this.physics.temperature(zone, now) + noise(0.05)) * 100) / 100;
    if (def.name === 'co2_ppm') return Math.round(this.physics.co2(zone, now) + noise(5));
    return undefined;
  }

  publishOnce(): void {
    if (!this.client?.connected) return;
    const now = Date.now();
    const hour = siteHour(now, this.site.site.timezone);
    for (const group of this.groups) {
      const payload: Record<string, unknown> = { ts: now };
      let bare: unknown;
      if (this.status.frozen) this.frozenValues ??= new Map();
      for (const { def, path } of group.points) {
        let value = this.overrides.get(def.id) ?? this.frozenValues?.get(def.id);
        if (value === undefined) {
          value = this.fromPhysics(def, now) ?? curveValue(def, hour, this.profile, this.state);
          this.frozenValues?.set(def.id, value);
        }
        if (path.length === 0)
          bare = value; // a point whose path is $ takes the whole payload
        else setPath(payload, path, value);
      }
      this.client.publish(group.topic, JSON.stringify(bare !== undefined ? bare : payload));
      this.status.published++;
    }
  }

  /** Publish `count` bad messages of one kind on the device's first topic. */
  sendGarbage(kind: GarbageKind, count: number): number {
    const topic = this.groups[0]?.topic;
    if (!this.client?.connected || !topic) return 0;
    const first = this.groups[0]!.points[0]!;
    for (let i = 0; i < count; i++) {
      const payload =
        kind === 'not-json'
          ? '{"temp_c": 21.'
          : kind === 'nan'
            ? `{"${first.path.join('.') || 'value'}": NaN}`
            : kind === 'wrong-type'
              ? JSON.stringify(first.path.length ? { ts: Date.now(), [first.path[0]!]: 'warm' } : 'warm')
              : kind === 'oversize'
                ? JSON.stringify({ ts: Date.now(), pad: 'x'.repeat(this.site.mqtt.maxPayloadBytes + 1) })
                : JSON.stringify({ ts: Date.now(), unrelated: 1 });
      this.client.publish(topic, payload);
      this.status.garbage++;
    }
    return count;
  }
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown) {
  let at = obj;
  for (const key of path.slice(0, -1)) {
    if (!at[key]) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}
