import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { DomainError, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PointValue, RawReading } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import type { BackoffOptions } from './backoff.js';
import { type DeviceHealth, DeviceRegistry } from './device-registry.js';
import { type DenialKind, type DeviceCredentials, DriverError, type DriverFactory } from './driver.js';
import { Link, type LinkHealth } from './link.js';
import type { PointTransforms } from './transform.js';

export type { DeviceHealth, LinkHealth };

export interface SupervisorOptions {
  site: SiteModel;
  factories: ReadonlyMap<string, DriverFactory>;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  transforms: PointTransforms;
  /** The pipeline's intake and its way to mark points bad. */
  publish: (readings: RawReading[]) => void;
  markBad: (pointIds: readonly string[], reason: string) => void;
  backoff?: BackoffOptions;
  random?: () => number;
  credentials: DeviceCredentials;
}

/** Read-only diagnostics of devices: the one way the API reaches a device without a command. */
export interface DeviceDiagnostics {
  /** Raw data of one device now (the Modbus decode preview, an OPC UA browse). */
  browse(deviceId: string, request: Record<string, unknown>): Promise<unknown>;
  /** Devices a protocol finds on the network (BACnet Who-Is). */
  discover(protocol: string, request: Record<string, unknown>): Promise<unknown>;
}

/** Link and device state for health, metrics and the devices view. */
export interface DeviceHealthView {
  linkHealth(): LinkHealth[];
  deviceHealth(): DeviceHealth[];
  /** Refusals of clients that claimed no configured device (wrong usernames, strangers). */
  unknownClientDenials(): Record<DenialKind, number>;
}

/**
 * Owns every link (one per connection each protocol's factory plans) and every device's state. The command
 * service is the one caller of write() and send(); the API reads through DeviceDiagnostics and DeviceHealthView.
 */
export class Supervisor implements DeviceDiagnostics, DeviceHealthView {
  private readonly links = new Map<string, Link>();
  /** Asset → the links of the devices that serve it (its own device first), for send() on the gate path. */
  private readonly assetLinks = new Map<string, Link[]>();
  private readonly devices: DeviceRegistry;
  private offlineTimer: unknown;

  constructor(private readonly opts: SupervisorOptions) {
    const { site, clock, log } = opts;
    this.devices = new DeviceRegistry(site, opts.bus, clock, log);
    const deps = {
      site,
      bus: opts.bus,
      clock,
      devices: this.devices,
      transforms: opts.transforms,
      ingest: opts.publish,
      markBad: opts.markBad,
      credentials: opts.credentials,
      backoff: opts.backoff,
      random: opts.random ?? Math.random,
    };
    for (const factory of opts.factories.values())
      for (const plan of factory.links(site))
        this.links.set(plan.linkId, new Link(factory, plan, deps, log.child({ link: plan.linkId })));
    for (const asset of site.assets) {
      const deviceIds = new Set<string>();
      if (asset.device) deviceIds.add(asset.device);
      for (const p of site.pointsByAsset.get(asset.id) ?? []) if (p.deviceId) deviceIds.add(p.deviceId);
      const links = new Set<Link>();
      for (const id of deviceIds) {
        const link = this.linkOfDevice(id);
        if (link) links.add(link);
      }
      if (links.size) this.assetLinks.set(asset.id, [...links]);
    }
  }

  start(): void {
    for (const link of this.links.values()) link.start();
    this.offlineTimer = this.opts.clock.setInterval(() => this.devices.checkSilent(), 1_000);
  }

  async stop(): Promise<void> {
    if (this.offlineTimer !== undefined) this.opts.clock.clearInterval(this.offlineTimer);
    await Promise.all([...this.links.values()].map((link) => link.stop()));
  }

  linkHealth(): LinkHealth[] {
    return [...this.links.values()].map((l) => ({ ...l.health, stats: l.stats() }));
  }

  deviceHealth(): DeviceHealth[] {
    return this.devices.health();
  }

  unknownClientDenials(): Record<DenialKind, number> {
    return this.devices.unknownClientDenials();
  }

  async browse(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const link = this.linkOfDevice(deviceId);
    if (!link) throw notFound('device', deviceId);
    return link.browse(deviceId, request).catch((err) => {
      throw diagnosticError(err, deviceId);
    });
  }

  async discover(protocol: string, request: Record<string, unknown>): Promise<unknown> {
    const links = [...this.links.values()].filter((l) => l.plan.protocol === protocol);
    if (!links.length) throw notFound(`${protocol} device in the site file`, protocol);
    const link = links.find((l) => l.up);
    if (!link) throw new DomainError('unavailable', `no ${protocol} link is up`);
    return link.discover(request).catch((err) => {
      throw diagnosticError(err, protocol);
    });
  }

  /** Write a raw value (the command service inverted the transform) to the point's device; null relinquishes. */
  async write(point: PointDef, raw: PointValue | null, priority: number): Promise<void> {
    const link = point.deviceId ? this.linkOfDevice(point.deviceId) : undefined;
    if (!link) throw new DriverError('bad-config', `point ${point.id} has no device to write to`);
    await link.write(point, raw, priority);
  }

  /**
   * Send a message on an asset's outbound channel (a gate's decision or allow-list) through the link that serves
   * it and can send. On the gate decision path: lookups are precomputed.
   */
  async send(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void> {
    const links = this.assetLinks.get(assetId);
    if (!links) throw new DriverError('bad-config', `asset ${assetId} has no device to send to`);
    const link = links.find((l) => l.canSend()) ?? links[0]!;
    return link.send(assetId, channel, payload, opts);
  }

  private linkOfDevice(deviceId: string): Link | undefined {
    return this.links.get(this.devices.linkOf(deviceId) ?? '');
  }
}

/** A diagnostic read that failed, in the domain's terms: a link that is down, a request the device refused. */
function diagnosticError(err: unknown, target: string): DomainError {
  const e = DriverError.from(err);
  const kind =
    e.code === 'closed' || e.code === 'refused'
      ? 'unavailable'
      : e.code === 'bad-config'
        ? 'invalid'
        : 'upstream';
  return new DomainError(kind, `${target}: ${e.message}`, undefined, { cause: err });
}
