import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { DeviceState, LinkState, PointValue, RawReading } from '../model/reading.js';
import type { SiteModel } from '../model/site-model.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import {
  type Adapter,
  type AdapterContext,
  AdapterError,
  type AdapterFactory,
  type DenialKind,
  type DeviceCredentials,
  type LinkPlan,
} from './driver.js';

export interface LinkHealth {
  linkId: string;
  protocol: string;
  state: LinkState;
  since: number;
  /** Failed connect attempts since the last success. */
  attempts: number;
  nextAttemptAt?: number;
  connects: number;
  disconnects: number;
  errors: number;
  lastError?: { code: string; message: string; at: number };
  stats?: Record<string, number | string | boolean>;
}

export interface DeviceHealth {
  deviceId: string;
  protocol: string;
  linkId: string;
  state: DeviceState;
  since: number;
  lastSeenAt?: number;
  readings: number;
  lost: number;
  malformed: number;
  malformedByTopic: Record<string, number>;
  /** Refused logins, publishes and subscriptions (embedded broker). */
  denied: Record<DenialKind, number>;
  lastError?: { message: string; at: number };
  lastMalformed?: { topic: string; reason: string; sample: string; at: number };
  lastDenied?: { kind: DenialKind; detail: string; at: number };
}

interface LinkRuntime {
  plan: LinkPlan;
  adapter?: Adapter;
  factory: AdapterFactory;
  health: LinkHealth;
  abort: AbortController;
  timer?: unknown;
  log: Logger;
}

export interface SupervisorOptions {
  site: SiteModel;
  factories: ReadonlyMap<string, AdapterFactory>;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  publish: (readings: RawReading[]) => void;
  markBad: (pointIds: readonly string[], reason: string) => void;
  backoff?: BackoffOptions;
  random?: () => number;
  credentials: DeviceCredentials;
}

/** A burst of malformed messages (or denials) on one device and topic is logged once; a new burst after this gap. */
const BURST_GAP_MS = 10_000;
const MALFORMED_KEY_LIMIT = 200;

/**
 * Owns every link: connect, reconnect with exponential backoff and jitter, link and device state, error
 * counters. Adapters only speak their protocol and report; they never retry on their own.
 */
export class Supervisor {
  private readonly links = new Map<string, LinkRuntime>();
  /** Asset → the links of the devices that serve it (its own device first), for send() on the gate path. */
  private readonly assetLinks = new Map<string, LinkRuntime[]>();
  private readonly devices = new Map<string, DeviceHealth & { offlineAfterMs: number }>();
  private readonly burstLastAt = new Map<string, number>();
  /** Denials by clients that named no known device. */
  private readonly unknownDenied: Record<DenialKind, number> = { login: 0, publish: 0, subscribe: 0 };
  private offlineTimer: unknown;
  private stopped = false;
  private readonly backoff?: BackoffOptions;
  private readonly random: () => number;

  constructor(private readonly opts: SupervisorOptions) {
    this.backoff = opts.backoff;
    this.random = opts.random ?? Math.random;
    const now = opts.clock.now();
    for (const factory of opts.factories.values()) {
      for (const plan of factory.links(opts.site)) {
        const log = opts.log.child({ link: plan.linkId });
        this.links.set(plan.linkId, {
          plan,
          factory,
          log,
          abort: new AbortController(),
          health: {
            linkId: plan.linkId,
            protocol: plan.protocol,
            state: 'down',
            since: now,
            attempts: 0,
            connects: 0,
            disconnects: 0,
            errors: 0,
          },
        });
        for (const d of plan.devices) {
          this.devices.set(d.id, {
            deviceId: d.id,
            protocol: d.protocol,
            linkId: plan.linkId,
            state: 'unknown',
            since: now,
            readings: 0,
            lost: 0,
            malformed: 0,
            malformedByTopic: {},
            denied: { login: 0, publish: 0, subscribe: 0 },
            offlineAfterMs: this.offlineAfter(d.id, d.offlineAfterMs),
          });
        }
      }
    }
    for (const asset of opts.site.assets) {
      const deviceIds = new Set<string>();
      if (asset.device) deviceIds.add(asset.device);
      for (const p of opts.site.pointsByAsset.get(asset.id) ?? []) if (p.deviceId) deviceIds.add(p.deviceId);
      const links = new Set<LinkRuntime>();
      for (const id of deviceIds) {
        const link = this.links.get(this.devices.get(id)?.linkId ?? '');
        if (link) links.add(link);
      }
      if (links.size) this.assetLinks.set(asset.id, [...links]);
    }
  }

  /** Devices that state no limit go offline after 3× the slowest interval among their points. */
  private offlineAfter(deviceId: string, configured: unknown): number {
    if (typeof configured === 'number') return configured;
    const points = this.opts.site.pointsByDevice.get(deviceId) ?? [];
    return 3 * points.reduce((m, p) => Math.max(m, p.intervalMs), this.opts.site.hub.defaultIntervalMs);
  }

  start(): void {
    this.stopped = false;
    for (const link of this.links.values()) {
      link.adapter = link.factory.create(link.plan, this.opts.site, this.contextFor(link));
      void this.connect(link);
    }
    this.offlineTimer = this.opts.clock.setInterval(() => this.checkSilentDevices(), 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.offlineTimer !== undefined) this.opts.clock.clearInterval(this.offlineTimer);
    await Promise.all(
      [...this.links.values()].map(async (link) => {
        if (link.timer !== undefined) this.opts.clock.clearTimeout(link.timer);
        link.abort.abort();
        this.setLink(link, 'stopped');
        await link.adapter?.close().catch((err) => link.log.warn({ err }, 'close failed'));
      }),
    );
  }

  linkHealth(): LinkHealth[] {
    return [...this.links.values()].map((l) => ({ ...l.health, stats: l.adapter?.stats?.() }));
  }

  deviceHealth(): DeviceHealth[] {
    return [...this.devices.values()].map(({ offlineAfterMs: _, ...d }) => ({
      ...d,
      malformedByTopic: { ...d.malformedByTopic },
      denied: { ...d.denied },
    }));
  }

  /** Refusals of clients that claimed no configured device (wrong usernames, strangers). */
  unknownClientDenials(): Record<DenialKind, number> {
    return { ...this.unknownDenied };
  }

  /** Diagnostics on one device through its link (the Modbus decode preview). */
  async inspect(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const link = this.links.get(this.devices.get(deviceId)?.linkId ?? '');
    if (!link?.adapter?.inspect)
      throw new AdapterError('bad-config', `device ${deviceId} has no diagnostics`);
    if (link.health.state !== 'up')
      throw new AdapterError('closed', `link ${link.plan.linkId} is ${link.health.state}`);
    return link.adapter.inspect(deviceId, request);
  }

  /** The one way to a device: the command service calls this; it never bypasses it. */
  async write(pointId: string, value: PointValue): Promise<void> {
    const point = this.opts.site.pointById.get(pointId);
    const link = point?.deviceId ? this.links.get(this.devices.get(point.deviceId)?.linkId ?? '') : undefined;
    if (!link?.adapter) throw new AdapterError('bad-config', `point ${pointId} has no device to write to`);
    if (link.health.state !== 'up')
      throw new AdapterError('closed', `link ${link.plan.linkId} is ${link.health.state}`);
    await link.adapter.write(pointId, value);
  }

  /**
   * Send a message on an asset's outbound channel (a gate's decision or allow-list) through the link that
   * serves it. On the gate decision path: lookups are precomputed. Throws an AdapterError (bad-config: no
   * device or a link that cannot send; closed: the link is not up).
   */
  async send(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void> {
    const links = this.assetLinks.get(assetId);
    if (!links) throw new AdapterError('bad-config', `asset ${assetId} has no device to send to`);
    for (const link of links) {
      if (!link.adapter?.send) continue;
      if (link.health.state !== 'up')
        throw new AdapterError('closed', `link ${link.plan.linkId} is ${link.health.state}`);
      return link.adapter.send(assetId, channel, payload, opts);
    }
    const first = links[0]!;
    if (!first.adapter)
      throw new AdapterError('closed', `link ${first.plan.linkId} is ${first.health.state}`);
    throw new AdapterError(
      'bad-config',
      `asset ${assetId}: its ${first.plan.protocol} link ${first.plan.linkId} cannot send messages`,
    );
  }

  private async connect(link: LinkRuntime): Promise<void> {
    if (this.stopped) return;
    link.timer = undefined;
    this.setLink(link, 'connecting');
    try {
      await link.adapter!.connect();
      if (this.stopped) return;
      link.health.attempts = 0;
      link.health.connects++;
      link.health.nextAttemptAt = undefined;
      this.setLink(link, 'up');
    } catch (err) {
      if (this.stopped) return;
      this.failed(link, AdapterError.from(err));
    }
  }

  private failed(link: LinkRuntime, error: AdapterError) {
    const h = link.health;
    h.errors++;
    h.lastError = { code: error.code, message: error.message, at: this.opts.clock.now() };
    const delay = backoffDelay(
      h.attempts++,
      this.backoff ?? link.factory.backoff ?? DEFAULT_BACKOFF,
      this.random,
    );
    h.nextAttemptAt = this.opts.clock.now() + delay;
    this.setLink(link, 'backoff', error);
    for (const d of link.plan.devices) this.setDevice(d.id, 'offline', `link ${h.linkId} ${error.code}`);
    link.timer = this.opts.clock.setTimeout(() => {
      // The adapter is reused: close() leaves it ready for another connect().
      void link
        .adapter!.close()
        .catch(() => undefined)
        .then(() => this.connect(link));
    }, delay);
  }

  private setLink(link: LinkRuntime, state: LinkState, error?: AdapterError) {
    const h = link.health;
    const previous = h.state;
    if (previous === state) return;
    h.state = state;
    h.since = this.opts.clock.now();
    if (state === 'up') link.log.info({ attempts: h.attempts }, 'link up');
    else if (state === 'backoff' && previous !== 'connecting')
      link.log.warn({ code: error?.code, err: error?.message }, 'link lost');
    else if (state === 'backoff' && h.attempts === 1)
      link.log.warn(
        { code: error?.code, err: error?.message, retryAt: h.nextAttemptAt },
        'link down, retrying',
      );
    if (previous === 'up' && state !== 'up') h.disconnects++;
    this.opts.bus.emit('link.changed', {
      linkId: h.linkId,
      state,
      previous,
      error: error?.message,
      ts: h.since,
    });
  }

  private setDevice(deviceId: string, state: DeviceState, reason?: string) {
    const d = this.devices.get(deviceId);
    if (!d || d.state === state) return;
    const previous = d.state;
    d.state = state;
    d.since = this.opts.clock.now();
    if (state === 'offline') {
      d.lost++;
      d.lastError = { message: reason ?? 'offline', at: d.since };
      this.opts.log.warn({ device: deviceId, reason }, 'device offline');
    } else if (previous === 'offline') this.opts.log.info({ device: deviceId }, 'device back online');
    this.opts.bus.emit('device.link-changed', { deviceId, state, previous, reason, ts: d.since });
  }

  private checkSilentDevices() {
    const now = this.opts.clock.now();
    for (const d of this.devices.values()) {
      if (d.state === 'online' && d.lastSeenAt !== undefined && now - d.lastSeenAt > d.offlineAfterMs)
        this.setDevice(d.deviceId, 'offline', `silent for ${Math.round((now - d.lastSeenAt) / 1000)} s`);
    }
  }

  private contextFor(link: LinkRuntime): AdapterContext {
    const { clock, publish, markBad } = this.opts;
    return {
      log: link.log,
      clock,
      signal: link.abort.signal,
      publish,
      pointsBad: markBad,
      linkLost: (error) => {
        if (this.stopped || link.health.state !== 'up') return;
        this.failed(link, error);
      },
      devices: {
        seen: (deviceId, count) => {
          const d = this.devices.get(deviceId);
          if (!d) return;
          d.readings += count;
          d.lastSeenAt = clock.now();
          if (d.state !== 'online') this.setDevice(deviceId, 'online');
        },
        lost: (deviceId, reason) => this.setDevice(deviceId, 'offline', reason),
        malformed: (deviceId, topic, reason, sample) => this.malformed(link, deviceId, topic, reason, sample),
        denied: (deviceId, kind, detail) => this.denied(link, deviceId, kind, detail),
      },
      credentials: this.opts.credentials,
      message: (m) => this.opts.bus.emit('device.message', m),
    };
  }

  /** True when this (device, topic or kind) has been quiet long enough that a new burst begins. */
  private newBurst(key: string, now: number): boolean {
    const last = this.burstLastAt.get(key);
    if (this.burstLastAt.size > 10_000) this.burstLastAt.clear();
    this.burstLastAt.set(key, now);
    return last === undefined || now - last > BURST_GAP_MS;
  }

  private denied(link: LinkRuntime, deviceId: string | undefined, kind: DenialKind, detail: string) {
    const now = this.opts.clock.now();
    const d = deviceId ? this.devices.get(deviceId) : undefined;
    if (d) {
      d.denied[kind]++;
      d.lastDenied = { kind, detail, at: now };
    } else this.unknownDenied[kind]++;
    if (this.newBurst(`denied\u0000${deviceId}\u0000${kind}`, now))
      link.log.warn(
        { device: deviceId, kind, detail },
        `${kind} refused (further ones in this burst are counted, not logged)`,
      );
  }

  private malformed(
    link: LinkRuntime,
    deviceId: string | undefined,
    topic: string,
    reason: string,
    sample: string,
  ) {
    const now = this.opts.clock.now();
    const d = deviceId ? this.devices.get(deviceId) : undefined;
    if (d) {
      d.malformed++;
      // Topic keys are bounded so that a device spraying random topics cannot grow memory.
      if (topic in d.malformedByTopic || Object.keys(d.malformedByTopic).length < MALFORMED_KEY_LIMIT)
        d.malformedByTopic[topic] = (d.malformedByTopic[topic] ?? 0) + 1;
      d.lastMalformed = { topic, reason, sample, at: now };
    }
    if (this.newBurst(`${deviceId}\u0000${topic}`, now))
      link.log.warn(
        { device: deviceId, topic, reason, sample },
        'malformed message (further ones in this burst are counted, not logged)',
      );
  }
}
