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

/** What `value` holds besides nothing yet (0): a number (in `numbers`), or a string or boolean (in `others`). */
const NUMBER = 1;
const OTHER = 2;

/**
 * The newest value and quality of every point, kept from the bus. Numbers and timestamps sit in typed arrays:
 * a reading's number kept in an object field would be a boxed heap number that lives until the next reading,
 * a second or more, long enough to be moved to the old generation and pile up there as garbage (at 40,000
 * readings/s, hundreds of MB before a full collection). `get` builds a small object when asked.
 */
export class LatestValues {
  private readonly ids: string[];
  private readonly indexOf = new Map<string, number>();
  private readonly kind: Uint8Array;
  private readonly numbers: Float64Array;
  private readonly others: (PointValue | null)[];
  /** NaN before the first reading. */
  private readonly times: Float64Array;
  private readonly qualities: Quality[];
  private readonly reasons: (string | undefined)[];
  private readonly changeListeners: ((pointId: string) => void)[] = [];

  constructor(site: SiteModel, bus: EventBus) {
    const n = site.points.length;
    this.ids = site.points.map((p) => p.id);
    for (let i = 0; i < n; i++) this.indexOf.set(this.ids[i]!, i);
    this.kind = new Uint8Array(n);
    this.numbers = new Float64Array(n);
    this.others = new Array(n).fill(null);
    this.times = new Float64Array(n).fill(Number.NaN);
    this.qualities = new Array(n).fill('bad');
    this.reasons = new Array(n).fill('no data yet');

    bus.on('readings.accepted', (batch) => {
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        const at = this.indexOf.get(r.pointId);
        if (at === undefined || r.ts < this.times[at]!) continue; // an older reading never overwrites a newer one
        if (typeof r.value === 'number') {
          this.kind[at] = NUMBER;
          this.numbers[at] = r.value;
          this.others[at] = null;
        } else {
          this.kind[at] = OTHER;
          this.others[at] = r.value;
        }
        this.times[at] = r.ts;
        this.qualities[at] = r.quality;
        this.reasons[at] =
          r.quality === 'good' ? undefined : (r.reason ?? (r.quality === 'bad' ? 'out of range' : undefined));
        for (const l of this.changeListeners) l(r.pointId);
      }
    });
    bus.on('point.quality-changed', (c) => {
      const at = this.indexOf.get(c.pointId);
      if (at === undefined) return;
      this.qualities[at] = c.quality;
      this.reasons[at] = c.reason;
      for (const l of this.changeListeners) l(c.pointId);
    });
  }

  /** The point's newest value, as a new object (a copy: it does not change with later readings). */
  get(pointId: string): LatestValue | undefined {
    const at = this.indexOf.get(pointId);
    return at === undefined ? undefined : this.at(at);
  }

  all(): LatestValue[] {
    return this.ids.map((_, i) => this.at(i));
  }

  /** Called for every changed point id; the live gateway uses it to mark points dirty. */
  onChange(listener: (pointId: string) => void): void {
    this.changeListeners.push(listener);
  }

  private at(i: number): LatestValue {
    const k = this.kind[i];
    const ts = this.times[i]!;
    const v: LatestValue = {
      pointId: this.ids[i]!,
      value: k === NUMBER ? this.numbers[i]! : k === OTHER ? this.others[i]! : null,
      quality: this.qualities[i]!,
      ts: Number.isNaN(ts) ? null : ts,
    };
    const reason = this.reasons[i];
    if (reason !== undefined) v.reason = reason;
    return v;
  }
}
