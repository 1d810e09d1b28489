import type {
  AssetConfig,
  DeviceConfig,
  HubSettings,
  MqttSettings,
  PointConfig,
  SiteConfig,
  SiteInfo,
  StorageSettings,
  ZoneConfig,
} from '../config/site-schema.js';
import { Schedule } from '../time/schedule.js';

/** A point as the hub uses it: its resolved device and interval (its transform: core/devices/transform.ts). */
export interface PointDef {
  /** `asset-id/point-name` */
  id: string;
  /** Dense index 0..n-1, for array-backed state on hot paths. */
  index: number;
  assetId: string;
  name: string;
  label?: string;
  unit: string;
  kind: PointConfig['kind'];
  type: PointConfig['type'];
  deviceId?: string;
  protocol?: string;
  min?: number;
  max?: number;
  deadband: number;
  intervalMs: number;
  /** Counters: where the device's register wraps to 0. */
  rolloverAt?: number;
  /** The point as written in the site file, with its protocol's source fields. */
  config: PointConfig;
}

export interface ZoneNode extends ZoneConfig {
  children: ZoneNode[];
  assets: string[];
}

/** Read-only lookups over a validated site file. Built once at start. */
export class SiteModel {
  readonly site: SiteInfo;
  readonly hub: HubSettings;
  readonly mqtt: MqttSettings;
  readonly storage: StorageSettings;
  readonly zones: ZoneConfig[];
  readonly devices: DeviceConfig[];
  readonly assets: AssetConfig[];
  readonly points: PointDef[] = [];
  readonly pointById = new Map<string, PointDef>();
  readonly assetById = new Map<string, AssetConfig>();
  readonly zoneById = new Map<string, ZoneConfig>();
  readonly deviceById = new Map<string, DeviceConfig>();
  readonly pointsByAsset = new Map<string, PointDef[]>();
  readonly pointsByDevice = new Map<string, PointDef[]>();
  /** The site's schedules by id, in its time zone. */
  readonly schedules: ReadonlyMap<string, Schedule>;

  constructor(readonly config: SiteConfig) {
    this.site = config.site;
    this.hub = config.hub;
    this.mqtt = config.mqtt;
    this.storage = config.storage;
    this.zones = config.zones;
    this.devices = config.devices;
    this.assets = config.assets;
    this.schedules = new Map(config.schedules.map((s) => [s.id, new Schedule(s, config.site.timezone)]));
    for (const z of config.zones) this.zoneById.set(z.id, z);
    for (const d of config.devices) this.deviceById.set(d.id, d);
    for (const asset of config.assets) {
      this.assetById.set(asset.id, asset);
      const list: PointDef[] = [];
      for (const p of asset.points) {
        const def = this.definePoint(asset, p);
        this.points.push(def);
        this.pointById.set(def.id, def);
        list.push(def);
        if (def.deviceId) {
          const byDevice = this.pointsByDevice.get(def.deviceId) ?? [];
          byDevice.push(def);
          this.pointsByDevice.set(def.deviceId, byDevice);
        }
      }
      this.pointsByAsset.set(asset.id, list);
    }
  }

  private definePoint(asset: AssetConfig, p: PointConfig): PointDef {
    const deviceId = p.device ?? asset.device;
    return {
      id: `${asset.id}/${p.name}`,
      index: this.points.length,
      assetId: asset.id,
      name: p.name,
      label: p.label,
      unit: p.unit,
      kind: p.kind,
      type: p.type,
      deviceId,
      protocol: deviceId ? this.deviceById.get(deviceId)?.protocol : undefined,
      min: p.min,
      max: p.max,
      deadband: p.deadband,
      // a polled device's interval is its points' expected interval, unless a point says otherwise
      intervalMs:
        p.intervalMs ??
        deviceInterval(deviceId ? this.deviceById.get(deviceId) : undefined) ??
        this.hub.defaultIntervalMs,
      rolloverAt: p.rolloverAt,
      config: p,
    };
  }

  devicesOf(protocol: string): DeviceConfig[] {
    return this.devices.filter((d) => d.protocol === protocol);
  }

  /** Zones as a tree, each with the ids of the assets directly in it. */
  zoneTree(): ZoneNode[] {
    const nodes = new Map<string, ZoneNode>();
    for (const z of this.zones) nodes.set(z.id, { ...z, children: [], assets: [] });
    for (const a of this.assets) nodes.get(a.zone)?.assets.push(a.id);
    const roots: ZoneNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parent ? nodes.get(node.parent) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    return roots;
  }
}

function deviceInterval(device: DeviceConfig | undefined): number | undefined {
  const ms = (device as { intervalMs?: unknown } | undefined)?.intervalMs;
  return typeof ms === 'number' ? ms : undefined;
}
