import type { PointValue, Quality } from '../../core/model/reading.js';
import type { PointDef } from '../../core/model/site-model.js';

/**
 * Report by exception: a point's reading goes upstream when its value moved more than the point's deadband
 * from the last one published (any change when the deadband is 0), or its quality changed. The pipeline's
 * heartbeats (a steady value passed on once per interval) are what this holds back. State per point index.
 */
export class ReportByException {
  private readonly values: (PointValue | undefined)[];
  private readonly qualities: (Quality | undefined)[];

  constructor(points: readonly PointDef[]) {
    this.values = new Array(points.length).fill(undefined);
    this.qualities = new Array(points.length).fill(undefined);
  }

  /** Whether this reading is news; when it is, it becomes the last published. */
  passes(point: PointDef, value: PointValue, quality: Quality): boolean {
    const i = point.index;
    const last = this.values[i];
    const news =
      last === undefined ||
      quality !== this.qualities[i] ||
      (typeof value === 'number' && typeof last === 'number'
        ? Math.abs(value - last) > point.deadband
        : value !== last);
    if (news) {
      this.values[i] = value;
      this.qualities[i] = quality;
    }
    return news;
  }

  /** A birth published this value (or none): the next reading is measured against it. */
  published(point: PointDef, value: PointValue | null, quality: Quality): void {
    this.values[point.index] = value ?? undefined;
    this.qualities[point.index] = quality;
  }
}
