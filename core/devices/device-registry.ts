import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { DeviceState } from '../model/reading.js';
import type { SiteModel } from '../model/site-model.js';
import type { DenialKind } from './driver.js';

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

/** A burst of malformed messages (or denials) on one device and topic is logged once; a new burst after this gap. */
const BURST_GAP_MS = 10_000;
const MALFORMED_KEY_LIMIT = 200;

/**
 * Every device's state (unknown, online, offline) and counters. A device is online once heard from, offline when
 * its link drops, its driver says so, its breaker opens, or it stays silent past its offlineAfterMs. Going down
 * and coming back are each logged once; malformed messages and denials once per burst.
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, DeviceHealth & { offlineAfterMs: number }>();
  private readonly burstLastAt = new Map<string, number>();
  /** Denials by clients that named no known device. */
  private readonly unknownDenied: Record<DenialKind, number> = { login: 0, publish: 0, subscribe: 0 };

  constructor(
    private readonly site: SiteModel,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  add(deviceId: string, protocol: string, linkId: string, offlineAfterMs: unknown): void {
    this.devices.set(deviceId, {
      deviceId,
      protocol,
      linkId,
      state: 'unknown',
      since: this.clock.now(),
      readings: 0,
      lost: 0,
      malformed: 0,
      malformedByTopic: {},
      denied: { login: 0, publish: 0, subscribe: 0 },
      offlineAfterMs: this.offlineAfter(deviceId, offlineAfterMs),
    });
  }

  linkOf(deviceId: string): string | undefined {
    return this.devices.get(deviceId)?.linkId;
  }

  /** Devices that state no limit go offline after 3× the slowest interval among their points. */
  private offlineAfter(deviceId: string, configured: unknown): number {
    if (typeof configured === 'number') return configured;
    const points = this.site.pointsByDevice.get(deviceId) ?? [];
    return 3 * points.reduce((m, p) => Math.max(m, p.intervalMs), this.site.hub.defaultIntervalMs);
  }

  health(): DeviceHealth[] {
    return [...this.devices.values()].map(({ offlineAfterMs: _, ...d }) => ({
      ...d,
      malformedByTopic: { ...d.malformedByTopic },
      denied: { ...d.denied },
    }));
  }

  unknownClientDenials(): Record<DenialKind, number> {
    return { ...this.unknownDenied };
  }

  seen(deviceId: string, count: number): void {
    const d = this.devices.get(deviceId);
    if (!d) return;
    d.readings += count;
    d.lastSeenAt = this.clock.now();
    if (d.state !== 'online') this.set(deviceId, 'online');
  }

  set(deviceId: string, state: DeviceState, reason?: string): void {
    const d = this.devices.get(deviceId);
    if (!d || d.state === state) return;
    const previous = d.state;
    d.state = state;
    d.since = this.clock.now();
    if (state === 'offline') {
      d.lost++;
      d.lastError = { message: reason ?? 'offline', at: d.since };
      this.log.warn({ device: deviceId, reason }, 'device offline');
    } else if (previous === 'offline') this.log.info({ device: deviceId }, 'device back online');
    this.bus.emit('device.link-changed', { deviceId, state, previous, reason, ts: d.since });
  }

  /** Online devices not heard from for longer than they allow go offline. */
  checkSilent(): void {
    const now = this.clock.now();
    for (const d of this.devices.values()) {
      if (d.state === 'online' && d.lastSeenAt !== undefined && now - d.lastSeenAt > d.offlineAfterMs)
        this.set(d.deviceId, 'offline', `silent for ${Math.round((now - d.lastSeenAt) / 1000)} s`);
    }
  }

  denied(log: Logger, deviceId: string | undefined, kind: DenialKind, detail: string): void {
    const now = this.clock.now();
    const d = deviceId ? this.devices.get(deviceId) : undefined;
    if (d) {
      d.denied[kind]++;
      d.lastDenied = { kind, detail, at: now };
    } else this.unknownDenied[kind]++;
    if (this.newBurst(`denied\u0000${deviceId}\u0000${kind}`, now))
      log.warn(
        { device: deviceId, kind, detail },
        `${kind} refused (further ones in this burst are counted, not logged)`,
      );
  }

  malformed(log: Logger, deviceId: string | undefined, topic: string, reason: string, sample: string): void {
    const now = this.clock.now();
    const d = deviceId ? this.devices.get(deviceId) : undefined;
    if (d) {
      d.malformed++;
      // Topic keys are bounded so that a device spraying random topics cannot grow memory.
      if (topic in d.malformedByTopic || Object.keys(d.malformedByTopic).length < MALFORMED_KEY_LIMIT)
        d.malformedByTopic[topic] = (d.malformedByTopic[topic] ?? 0) + 1;
      d.lastMalformed = { topic, reason, sample, at: now };
    }
    if (this.newBurst(`${deviceId}\u0000${topic}`, now))
      log.warn(
        { device: deviceId, topic, reason, sample },
        'malformed message (further ones in this burst are counted, not logged)',
      );
  }

  /** True when this (device, topic or kind) has been quiet long enough that a new burst begins. */
  private newBurst(key: string, now: number): boolean {
    const last = this.burstLastAt.get(key);
    if (this.burstLastAt.size > 10_000) this.burstLastAt.clear();
    this.burstLastAt.set(key, now);
    return last === undefined || now - last > BURST_GAP_MS;
  }
}
