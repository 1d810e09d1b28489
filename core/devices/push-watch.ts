import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PointValue, Quality, RawReading } from '../model/reading.js';
import type { PointDef } from '../model/site-model.js';
import { DriverError, type PushSink, type SubscribeResult } from './driver.js';

/** What the watch reports to the link that owns it. */
export interface PushReport {
  values(deviceId: string, values: RawReading[]): void;
  bad(pointIds: readonly string[], reason: string): void;
  linkLost(error: DriverError): void;
}

interface Item {
  point: PointDef;
  value?: PointValue;
  quality: Quality;
  reason?: string;
  publishedAt: number;
  /** The device said bad (or refused the point): no value to pass on until a good one arrives. */
  bad: boolean;
}

/** Silence longer than this many keep-alive periods: the points turn uncertain; twice as long: the link is lost. */
const UNCERTAIN_AFTER_KEEPALIVES = 2;
const LOST_AFTER_KEEPALIVES = 4;
/** Grace on top, for a busy event loop or a slow network. */
const SILENCE_GRACE_MS = 1_000;

/**
 * The pushed points of one link. Each subscription gets its own sink, dead once the link is lost or closed, so a
 * late callback of an old session never makes a bad point look good again. For a protocol that reports changes
 * only (OPC UA, BACnet COV) it also keeps each point's last value: while the subscription confirms itself (data
 * or keep-alives) a steady value is passed on once per interval, and when it goes silent the points turn
 * uncertain (2 keep-alive periods) and the link is reported lost (4).
 */
export class PushWatch {
  private readonly items = new Map<string, Item>();
  private generation = 0;
  private timer: unknown;
  private keepAliveMs = 0;
  private lastAliveAt = 0;
  private silence: 'alive' | 'uncertain' | 'lost' = 'alive';
  readonly counters = { heartbeats: 0, silences: 0 };

  constructor(
    points: readonly PointDef[],
    /** Which points' values come as changes only: those are kept for the heartbeat. */
    changesOnly: (point: PointDef) => boolean,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly report: PushReport,
  ) {
    for (const point of points)
      if (changesOnly(point))
        this.items.set(point.id, { point, quality: 'good', publishedAt: 0, bad: false });
    this.changesOnly = this.items.size > 0;
  }

  /** Some points report changes only (heartbeats and silence mean something). */
  readonly changesOnly: boolean;

  /** A sink for a new subscription; the previous one goes dead. */
  sink(): PushSink {
    const gen = ++this.generation;
    this.lastAliveAt = this.clock.now();
    this.silence = 'alive';
    if (!this.changesOnly)
      return {
        values: (deviceId, values) => gen === this.generation && this.report.values(deviceId, values),
        alive: () => undefined,
        bad: (ids, reason) => gen === this.generation && this.report.bad(ids, reason),
      };
    return {
      values: (deviceId, values) => {
        if (gen !== this.generation) return;
        this.update(values);
        this.alive();
        this.report.values(deviceId, values);
      },
      alive: () => gen === this.generation && this.alive(),
      bad: (ids, reason) => {
        if (gen !== this.generation) return;
        for (const id of ids) {
          const item = this.items.get(id);
          if (item) item.bad = true;
        }
        this.report.bad(ids, reason);
      },
    };
  }

  /** The newest value of pushed points (from the subscription, or read back after a write). */
  update(values: readonly RawReading[]): void {
    if (!this.changesOnly) return;
    const now = this.clock.now();
    for (const r of values) {
      const item = this.items.get(r.pointId);
      if (!item) continue;
      item.value = r.value;
      item.quality = r.quality;
      item.reason = r.reason;
      item.bad = false;
      item.publishedAt = now;
    }
  }

  /** The subscription is in place: watch it. */
  started(result: SubscribeResult): void {
    this.keepAliveMs = result.keepAliveMs ?? 0;
    this.lastAliveAt = this.clock.now();
    if (!this.changesOnly && !this.keepAliveMs) return;
    const fastest = Math.min(...[...this.items.values()].map((i) => i.point.intervalMs), 60_000);
    const tick = Math.max(50, Math.min(this.keepAliveMs || fastest, fastest) / 4);
    const gen = this.generation;
    this.timer = this.clock.setInterval(() => gen === this.generation && this.tick(), tick);
  }

  /**
   * The link is lost or closed: the current sink goes dead, and no value of it is passed on again until the next
   * subscription sends a fresh one.
   */
  stop(): void {
    this.generation++;
    this.silence = 'lost';
    for (const item of this.items.values()) item.bad = true;
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** How long the subscription has been quiet. */
  silentMs(): number {
    return this.timer === undefined ? 0 : this.clock.now() - this.lastAliveAt;
  }

  private alive() {
    this.lastAliveAt = this.clock.now();
    if (this.silence === 'uncertain') {
      this.silence = 'alive';
      this.log.info('the subscription is answering again');
      this.heartbeat(true);
    }
  }

  private tick() {
    const now = this.clock.now();
    const silentMs = now - this.lastAliveAt;
    const k = this.keepAliveMs;
    if (k && silentMs > LOST_AFTER_KEEPALIVES * k + 2 * SILENCE_GRACE_MS) {
      const reason = `subscription silent for ${(silentMs / 1000).toFixed(1)} s (keep-alive every ${k / 1000} s)`;
      this.stop();
      this.report.linkLost(new DriverError('timeout', reason));
      return;
    }
    if (k && silentMs > UNCERTAIN_AFTER_KEEPALIVES * k + SILENCE_GRACE_MS) {
      if (this.silence !== 'alive') return;
      this.silence = 'uncertain';
      this.counters.silences++;
      const reason = `subscription silent for ${(silentMs / 1000).toFixed(1)} s: last value`;
      this.publish((i) => ({ pointId: i.point.id, value: i.value!, quality: 'uncertain', reason, ts: now }));
      return;
    }
    this.heartbeat(false);
  }

  /** Unchanged values of a live subscription, passed on once per interval (all of them when forced). */
  private heartbeat(force: boolean) {
    const now = this.clock.now();
    this.publish((i) => {
      if (!force && i.publishedAt > now - i.point.intervalMs * 0.9) return undefined;
      i.publishedAt = now;
      this.counters.heartbeats++;
      return { pointId: i.point.id, value: i.value!, quality: i.quality, reason: i.reason, ts: now };
    });
  }

  /** Readings made from the items that have a value, grouped by device. */
  private publish(make: (i: Item) => RawReading | undefined) {
    const byDevice = new Map<string, RawReading[]>();
    for (const item of this.items.values()) {
      if (item.bad || item.value === undefined) continue;
      const r = make(item);
      if (!r) continue;
      const deviceId = item.point.deviceId ?? '';
      const list = byDevice.get(deviceId);
      if (list) list.push(r);
      else byDevice.set(deviceId, [r]);
    }
    for (const [deviceId, list] of byDevice) this.report.values(deviceId, list);
  }
}
