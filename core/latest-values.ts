import type { EventBus } from './bus.js';
import type { PointValue, Quality } from './model/reading.js';
import type { SiteModel } from './model/site-model.js';

export interface LatestValue {
  pointId: string;
  value: PointValue | null;
  quality: Quality;
  /** Source timestamp of the value, ms UTC; null before the first reading. */
  ts: number | null;
  /** Why the quality is not good, when the hub knows. */
  reason?: string;
}

/** The newest value and quality of every point, kept in place from the bus. */
export class LatestValues {
  private readonly entries: LatestValue[];
  private readonly byId = new Map<string, LatestValue>();
  private readonly changeListeners: ((pointId: string) => void)[] = [];
  /**
   * The last timestamp stored, as one value for the readings that share it (a device's poll stamps all its
   * readings alike): storing the same held number into each entry copies it, where storing each reading's own
   * field boxes a new one per reading, each kept for an interval (old-space garbage at 40,000 readings/s).
   */
  private lastTs: number | null = null;

  constructor(site: SiteModel, bus: EventBus) {
    this.entries = site.points.map((p) => ({
      pointId: p.id,
      value: null,
      quality: 'bad',
      ts: null,
      reason: 'no data yet',
    }));
    for (const e of this.entries) this.byId.set(e.pointId, e);

    bus.on('readings.accepted', (batch) => {
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        const e = this.byId.get(r.pointId);
        if (!e || (e.ts !== null && r.ts < e.ts)) continue; // an older reading never overwrites a newer one
        e.value = r.value;
        e.quality = r.quality;
        if (!Object.is(r.ts, this.lastTs)) this.lastTs = r.ts;
        e.ts = this.lastTs;
        e.reason =
          r.quality === 'good' ? undefined : (r.reason ?? (r.quality === 'bad' ? 'out of range' : undefined));
        for (const l of this.changeListeners) l(r.pointId);
      }
    });
    bus.on('point.quality-changed', (c) => {
      const e = this.byId.get(c.pointId);
      if (!e) return;
      e.quality = c.quality;
      e.reason = c.reason;
      for (const l of this.changeListeners) l(c.pointId);
    });
  }

  get(pointId: string): LatestValue | undefined {
    return this.byId.get(pointId);
  }

  all(): readonly LatestValue[] {
    return this.entries;
  }

  /** Called for every changed point id; the live gateway uses it to mark points dirty. */
  onChange(listener: (pointId: string) => void): void {
    this.changeListeners.push(listener);
  }
}
