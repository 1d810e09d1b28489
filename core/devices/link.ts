import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { DeviceConfig } from '../config/site-schema.js';
import type { Logger } from '../logger.js';
import type { LinkState, PointValue, RawReading } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import type { DeviceRegistry } from './device-registry.js';
import {
  type DeviceCredentials,
  type Driver,
  type DriverContext,
  DriverError,
  type DriverFactory,
  type DriverPoint,
  type LinkPlan,
  type PollSettings,
  reportsChangesOnly,
} from './driver.js';
import { type PolledDevice, PollScheduler } from './poll-scheduler.js';
import { PushWatch } from './push-watch.js';
import type { PointTransforms } from './transform.js';

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

/** Where a link's readings go, and what else it needs from the hub. */
export interface LinkDeps {
  site: SiteModel;
  bus: EventBus;
  clock: Clock;
  devices: DeviceRegistry;
  transforms: PointTransforms;
  ingest(readings: RawReading[]): void;
  markBad(pointIds: readonly string[], reason: string): void;
  credentials: DeviceCredentials;
  backoff?: BackoffOptions;
  random: () => number;
}

/**
 * One connection and the devices behind it: connect, subscribe the pushed points, poll the others on schedule,
 * and when the connection fails or drops, mark the devices offline and reconnect with exponential backoff and
 * jitter. The driver only speaks its protocol; the link never lets it retry on its own.
 */
export class Link {
  readonly health: LinkHealth;
  private driver?: Driver;
  private readonly abort = new AbortController();
  private timer: unknown;
  private stopped = false;
  private scheduler?: PollScheduler;
  private watch?: PushWatch;
  private readonly pushed: DriverPoint[] = [];
  private readonly polled = new Map<string, DriverPoint[]>();

  constructor(
    private readonly factory: DriverFactory,
    readonly plan: LinkPlan,
    private readonly deps: LinkDeps,
    private readonly log: Logger,
  ) {
    this.health = {
      linkId: plan.linkId,
      protocol: plan.protocol,
      state: 'down',
      since: deps.clock.now(),
      attempts: 0,
      connects: 0,
      disconnects: 0,
      errors: 0,
    };
    for (const device of plan.devices) {
      deps.devices.add(
        device.id,
        device.protocol,
        plan.linkId,
        (device as { offlineAfterMs?: unknown }).offlineAfterMs,
      );
      for (const point of deps.site.pointsByDevice.get(device.id) ?? []) {
        const p: DriverPoint = { point, deadbandRaw: deps.transforms.spanToRaw(point, point.deadband) };
        if (factory.pushed?.(point)) this.pushed.push(p);
        else if (point.kind !== 'command') {
          const list = this.polled.get(device.id);
          if (list) list.push(p);
          else this.polled.set(device.id, [p]);
        }
      }
    }
  }

  start(): void {
    this.stopped = false;
    this.driver = this.factory.create(this.plan, this.deps.site, this.context());
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.abort.abort();
    this.setState('stopped');
    await this.disconnect().catch((err) => this.log.warn({ err }, 'close failed'));
  }

  get up(): boolean {
    return this.health.state === 'up';
  }

  stats(): Record<string, number | string | boolean> {
    return {
      ...this.driver?.stats?.(),
      ...this.scheduler?.stats(),
      // heartbeats and silence mean something only where values come as changes
      ...(this.watch?.changesOnly ? { ...this.watch.counters, silentMs: this.watch.silentMs() } : {}),
    };
  }

  /** Write a raw value to a point of this link; a value read back is passed on as a reading. */
  async write(point: PointDef, raw: PointValue | null, priority: number): Promise<void> {
    const driver = this.ready();
    const back = await driver.write(point, raw, priority);
    if (!back || !point.deviceId) return;
    this.watch?.update([back]);
    this.values(point.deviceId, [back]);
  }

  async send(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void> {
    const driver = this.ready();
    if (!driver.send)
      throw new DriverError(
        'bad-config',
        `asset ${assetId}: its ${this.plan.protocol} link ${this.plan.linkId} cannot send messages`,
      );
    await driver.send(assetId, channel, payload, opts);
  }

  async browse(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const driver = this.ready();
    if (!driver.browse) throw new DriverError('bad-config', `device ${deviceId} has no diagnostics`);
    return driver.browse(deviceId, request);
  }

  async discover(request: Record<string, unknown>): Promise<unknown> {
    const driver = this.ready();
    if (!driver.discover)
      throw new DriverError('bad-config', `${this.plan.protocol} cannot discover devices`);
    return driver.discover(request);
  }

  canSend(): boolean {
    return !!this.driver?.send;
  }

  private ready(): Driver {
    if (!this.driver) throw new DriverError('closed', `link ${this.plan.linkId} is ${this.health.state}`);
    if (!this.up) throw new DriverError('closed', `link ${this.plan.linkId} is ${this.health.state}`);
    return this.driver;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.timer = undefined;
    this.setState('connecting');
    try {
      await this.driver!.connect();
      if (this.stopped) return;
      const pollInstead = await this.subscribe();
      if (this.stopped) return;
      this.startPolling(pollInstead);
      this.health.attempts = 0;
      this.health.connects++;
      this.health.nextAttemptAt = undefined;
      this.setState('up');
    } catch (err) {
      if (this.stopped) return;
      this.failed(DriverError.from(err));
    }
  }

  /** The pushed points into a fresh sink; returns those the device would not subscribe, to be polled. */
  private async subscribe(): Promise<readonly string[]> {
    const driver = this.driver!;
    if (!this.pushed.length || !driver.subscribe) return [];
    this.watch ??= new PushWatch(
      this.pushed.map((p) => p.point),
      (point) => reportsChangesOnly(this.factory, point),
      this.deps.clock,
      this.log,
      {
        values: (deviceId, values) => this.values(deviceId, values),
        bad: (ids, reason) => this.deps.markBad(ids, reason),
        linkLost: (error) => this.lost(error),
      },
    );
    const result = await driver.subscribe(this.pushed, this.watch.sink());
    for (const r of result.refused ?? []) this.deps.markBad(r.pointIds, r.reason);
    this.watch.started(result);
    return result.pollInstead ?? [];
  }

  private startPolling(pollInstead: readonly string[]) {
    const driver = this.driver!;
    if (!driver.read || !driver.plan) return;
    const extra = new Set(pollInstead);
    const devices: PolledDevice[] = [];
    for (const device of this.plan.devices) {
      const points = [
        ...(this.polled.get(device.id) ?? []),
        ...this.pushed.filter((p) => extra.has(p.point.id) && p.point.deviceId === device.id),
      ];
      if (!points.length) continue;
      devices.push({
        deviceId: device.id,
        label: this.factory.label?.(device) ?? `device ${device.id}`,
        settings: this.factory.polling?.(device) ?? defaultPolling(device),
        plan: driver.plan(device, points),
        pointIds: points.map((p) => p.point.id),
      });
    }
    if (!devices.length) return;
    this.scheduler = new PollScheduler(this.plan.linkId, devices, driver, this.deps.clock, this.log, {
      values: (deviceId, values) => this.values(deviceId, values),
      bad: (ids, reason) => this.deps.markBad(ids, reason),
      deviceLost: (deviceId, reason) => this.deps.devices.set(deviceId, 'offline', reason),
      linkLost: (error) => this.lost(error),
    });
    this.scheduler.start();
  }

  /** A device answered (with these values, perhaps none). */
  private values(deviceId: string, values: RawReading[]) {
    if (values.length) this.deps.ingest(values);
    this.deps.devices.seen(deviceId, values.length);
  }

  /** The connection dropped after it was up. */
  private lost(error: DriverError) {
    if (this.stopped || !this.up) return;
    // values that come as changes only cannot tell a steady value from a dead one: they turn bad at once
    if (this.factory.changesOnly) {
      const ids = this.plan.devices.flatMap((d) =>
        (this.deps.site.pointsByDevice.get(d.id) ?? [])
          .filter((p) => reportsChangesOnly(this.factory, p))
          .map((p) => p.id),
      );
      if (ids.length) this.deps.markBad(ids, `link lost: ${error.message}`);
    }
    this.failed(error);
  }

  private failed(error: DriverError) {
    const h = this.health;
    h.errors++;
    h.lastError = { code: error.code, message: error.message, at: this.deps.clock.now() };
    const delay = backoffDelay(
      h.attempts++,
      this.deps.backoff ?? this.factory.backoff ?? DEFAULT_BACKOFF,
      this.deps.random,
    );
    h.nextAttemptAt = this.deps.clock.now() + delay;
    this.setState('backoff', error);
    for (const d of this.plan.devices)
      this.deps.devices.set(d.id, 'offline', `link ${h.linkId} ${error.code}`);
    this.watch?.stop();
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    void scheduler?.stop();
    this.timer = this.deps.clock.setTimeout(() => {
      // the driver is reused: close() leaves it ready for another connect()
      void this.disconnect()
        .catch(() => undefined)
        .then(() => this.connect());
    }, delay);
  }

  private async disconnect() {
    this.watch?.stop();
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    const polling = scheduler?.stop();
    await this.driver?.close(); // ends a read in flight
    await polling;
  }

  private setState(state: LinkState, error?: DriverError) {
    const h = this.health;
    const previous = h.state;
    if (previous === state) return;
    h.state = state;
    h.since = this.deps.clock.now();
    if (state === 'up') this.log.info({ attempts: h.attempts }, 'link up');
    else if (state === 'backoff' && previous !== 'connecting')
      this.log.warn({ code: error?.code, err: error?.message }, 'link lost');
    else if (state === 'backoff' && h.attempts === 1)
      this.log.warn(
        { code: error?.code, err: error?.message, retryAt: h.nextAttemptAt },
        'link down, retrying',
      );
    if (previous === 'up' && state !== 'up') h.disconnects++;
    this.deps.bus.emit('link.changed', {
      linkId: h.linkId,
      state,
      previous,
      error: error?.message,
      ts: h.since,
    });
  }

  private context(): DriverContext {
    const { clock, devices, credentials, bus } = this.deps;
    return {
      log: this.log,
      clock,
      signal: this.abort.signal,
      linkLost: (error) => this.lost(error),
      devices: {
        seen: (deviceId) => devices.seen(deviceId, 0),
        lost: (deviceId, reason) => devices.set(deviceId, 'offline', reason),
        malformed: (deviceId, topic, reason, sample) =>
          devices.malformed(this.log, deviceId, topic, reason, sample),
        denied: (deviceId, kind, detail) => devices.denied(this.log, deviceId, kind, detail),
      },
      credentials,
      message: (m) => bus.emit('device.message', m),
    };
  }
}

/** A polled device's settings from its own fields (intervalMs, timeoutMs, retries, breakerFailures). */
function defaultPolling(device: DeviceConfig): PollSettings {
  const d = device as Partial<PollSettings>;
  return {
    intervalMs: d.intervalMs ?? 10_000,
    timeoutMs: d.timeoutMs ?? 5_000,
    retries: d.retries ?? 0,
    breakerFailures: d.breakerFailures ?? 3,
  };
}
