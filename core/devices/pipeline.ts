import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Quality, RawReading, Reading } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import { PointTransforms } from './transform.js';

export interface PipelineCounters {
  /** Readings passed on to the bus. */
  accepted: number;
  /** Within the deadband of the last passed value: not passed on. */
  suppressed: number;
  /** Outside the point's valid range: passed on with quality bad. */
  outOfRange: number;
  /** Not usable at all: unknown point, wrong type, not a finite number. */
  rejected: number;
  /** Quality changes caused by missing updates. */
  staleTransitions: number;
}

const MAX_BATCH = 5_000;

/**
 * Raw readings → accepted readings on the bus. Numbers get their point's one transform (a multiply-add: the
 * device's scaling, the point's scale, offset and unit, composed at start), a range check and a deadband; every point's arrival is tracked so that
 * silence turns it uncertain (2× its interval) and then bad (4×). Batches are handed on as arrays, once per
 * turn of the event loop or every 5,000 readings.
 */
export class Pipeline {
  readonly counters: PipelineCounters = {
    accepted: 0,
    suppressed: 0,
    outOfRange: 0,
    rejected: 0,
    staleTransitions: 0,
  };
  private readonly points: PointDef[];
  private readonly byId: Map<string, PointDef>;
  /**
   * Per point (by index): last passed value and quality, and when anything last arrived. A number is kept
   * unboxed (lastNumber), anything else in lastOther; lastKind says which (0: none yet, 1: number, 2: other).
   * A boxed number per reading, each kept for an interval, was old-space garbage at tens of thousands a second.
   */
  private readonly lastKind: Uint8Array;
  private readonly lastNumber: Float64Array;
  private readonly lastOther: (Reading['value'] | undefined)[];
  private readonly lastQuality: (Quality | undefined)[];
  private readonly lastPassedAt: Float64Array;
  private readonly lastArrivalAt: Float64Array;
  private readonly staleQuality: (Quality | undefined)[];
  /** Why an adapter marked the point bad (markBad), so the same reason is told once. */
  private readonly badReason: (string | undefined)[];
  private pending: Reading[] = [];
  private flushScheduled = false;
  private staleTimer: unknown;
  private readonly warned = new Set<string>();

  constructor(
    site: SiteModel,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly transforms: PointTransforms = new PointTransforms(site),
  ) {
    this.points = site.points;
    this.byId = site.pointById;
    const n = site.points.length;
    this.lastKind = new Uint8Array(n);
    this.lastNumber = new Float64Array(n);
    this.lastOther = new Array(n).fill(undefined);
    this.lastQuality = new Array(n).fill(undefined);
    this.staleQuality = new Array(n).fill(undefined);
    this.badReason = new Array(n).fill(undefined);
    this.lastPassedAt = new Float64Array(n);
    this.lastArrivalAt = new Float64Array(n);
  }

  /** The adapters' `publish`: normalises in place and queues for the bus. Never throws. */
  readonly ingest = (batch: RawReading[]): void => {
    const now = this.clock.now();
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const point = this.byId.get(r.pointId);
      if (!point || !this.normalise(point, r)) {
        this.reject(r, point ? `not a valid ${point.type}` : 'unknown point');
        continue;
      }
      const idx = point.index;
      this.lastArrivalAt[idx] = now;
      // The first reading after the point went stale or bad always passes: it restores the quality.
      const recovering = this.staleQuality[idx] !== undefined;
      if (recovering) this.staleQuality[idx] = undefined;
      if (!recovering && this.withinDeadband(point, r, now)) {
        this.counters.suppressed++;
        continue;
      }
      if (point.kind === 'counter') this.checkCounter(point, r);
      this.setLastValue(idx, r.value);
      this.lastQuality[idx] = r.quality;
      this.lastPassedAt[idx] = now;
      this.pending.push(r);
    }
    if (this.pending.length >= MAX_BATCH) this.flush();
    else if (!this.flushScheduled && this.pending.length) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  };

  /** A counter that went down rolled over or was reset: say so (storage counts through it at query time). */
  private checkCounter(point: PointDef, r: Reading) {
    const last = this.lastValueOf(point.index);
    if (typeof last !== 'number' || typeof r.value !== 'number' || r.value >= last || r.quality !== 'good')
      return;
    const top = point.rolloverAt;
    const kind = top !== undefined && last >= top / 2 && last <= top ? 'rollover' : 'reset';
    this.log.info({ pointId: point.id, kind, from: last, to: r.value }, `counter ${kind}`);
    this.bus.emit('counter.jumped', { pointId: point.id, kind, from: last, to: r.value, ts: r.ts });
  }

  /** Hand the queued readings to the bus now. */
  readonly flush = (): void => {
    this.flushScheduled = false;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.counters.accepted += batch.length;
    this.bus.emit('readings.accepted', batch);
  };

  private lastValueOf(idx: number): Reading['value'] | undefined {
    const kind = this.lastKind[idx];
    return kind === 1 ? this.lastNumber[idx] : kind === 2 ? this.lastOther[idx] : undefined;
  }

  private setLastValue(idx: number, value: Reading['value']) {
    if (typeof value === 'number') {
      this.lastNumber[idx] = value;
      this.lastKind[idx] = 1;
      if (this.lastOther[idx] !== undefined) this.lastOther[idx] = undefined;
    } else {
      this.lastOther[idx] = value;
      this.lastKind[idx] = 2;
    }
  }

  private normalise(point: PointDef, r: RawReading): boolean {
    const v = r.value;
    switch (point.type) {
      case 'number': {
        if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        const value = this.transforms.forward(point, v);
        r.value = value;
        if (
          (point.min !== undefined && value < point.min) ||
          (point.max !== undefined && value > point.max)
        ) {
          r.quality = 'bad';
          r.reason = `out of range (${point.min ?? '…'} to ${point.max ?? '…'})`;
          this.counters.outOfRange++;
        }
        return Number.isFinite(value);
      }
      case 'boolean':
        if (typeof v === 'boolean') return true;
        if (v === 0 || v === 1) {
          r.value = v === 1;
          return true;
        }
        return false;
      default:
        return typeof v === 'string';
    }
  }

  private withinDeadband(point: PointDef, r: RawReading, now: number): boolean {
    if (point.deadband <= 0) return false;
    const idx = point.index;
    const last = this.lastValueOf(idx);
    if (last === undefined || this.lastQuality[idx] !== r.quality) return false;
    // A heartbeat: even a steady value is passed on once per interval (less 10 % for the device's own
    // jitter), so history stays dense enough and a flat line is still seen to be alive.
    if (now - this.lastPassedAt[idx]! >= point.intervalMs * 0.9) return false;
    return Math.abs((r.value as number) - (last as number)) < point.deadband;
  }

  private reject(r: RawReading, reason: string) {
    this.counters.rejected++;
    const key = `${r.pointId}:${reason}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn({ pointId: r.pointId, value: String(r.value).slice(0, 40), reason }, 'reading rejected');
  }

  /**
   * An adapter cannot read these points now (a Modbus exception, a device that stopped answering): they
   * turn bad with the reason, once, until a reading arrives. No value is invented.
   */
  readonly markBad = (pointIds: readonly string[], reason: string): void => {
    const now = this.clock.now();
    for (const id of pointIds) {
      const point = this.byId.get(id);
      if (!point) continue;
      const idx = point.index;
      if (this.staleQuality[idx] === 'bad' && this.badReason[idx] === reason) continue;
      this.staleQuality[idx] = 'bad';
      this.badReason[idx] = reason;
      this.bus.emit('point.quality-changed', { pointId: id, quality: 'bad', reason, ts: now });
    }
  };

  /** Start the staleness check: every second, or faster when a point expects updates faster. */
  startStaleness(): void {
    const fastest = this.points.reduce((m, p) => Math.min(m, p.intervalMs), 1_000);
    this.staleTimer = this.clock.setInterval(() => this.checkStaleness(), Math.max(50, fastest / 2));
  }

  stop(): void {
    if (this.staleTimer !== undefined) this.clock.clearInterval(this.staleTimer);
    this.staleTimer = undefined;
    this.flush();
  }

  /** Points that stopped updating: uncertain after 2× their interval, bad after 4×. */
  checkStaleness(): void {
    const now = this.clock.now();
    for (const point of this.points) {
      const idx = point.index;
      const arrived = this.lastArrivalAt[idx]!;
      if (arrived === 0) continue;
      const age = now - arrived;
      const quality: Quality | undefined =
        age >= 4 * point.intervalMs ? 'bad' : age >= 2 * point.intervalMs ? 'uncertain' : undefined;
      if (!quality || quality === this.staleQuality[idx]) continue;
      // a point an adapter marked bad stays bad with its reason; silence does not make it "uncertain"
      if (this.staleQuality[idx] === 'bad' && quality === 'uncertain') continue;
      this.staleQuality[idx] = quality;
      this.badReason[idx] = undefined;
      this.counters.staleTransitions++;
      this.bus.emit('point.quality-changed', {
        pointId: point.id,
        quality,
        reason: `no update for ${Math.round(age / 1000)} s (expected every ${point.intervalMs / 1000} s)`,
        ts: now,
      });
    }
  }
}
