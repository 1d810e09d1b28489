import type { PointValue } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import { unitConversion } from '../units.js';
import type { DriverFactory, SourceScaling } from './driver.js';

/**
 * The one transform of every numeric point, raw device value → engineering value, as one multiply-add:
 * first the device's own scaling (a profile's scale, and its unit converted into the point's unless the point
 * names its sourceUnit), then the point's scale and offset in its sourceUnit, converted to its unit. The
 * pipeline applies it forward to every reading; the command service inverts it for every write, whatever the
 * protocol. Built once at start.
 */
export class PointTransforms {
  private readonly factor: Float64Array;
  private readonly addend: Float64Array;

  constructor(site: SiteModel, scalings: ReadonlyMap<string, SourceScaling> = new Map()) {
    const n = site.points.length;
    this.factor = new Float64Array(n);
    this.addend = new Float64Array(n);
    for (const p of site.points) {
      const source = sourcePart(p, scalings.get(p.id));
      const own = pointPart(p);
      this.factor[p.index] = source.factor * own.factor;
      this.addend[p.index] = source.addend * own.factor + own.addend;
    }
  }

  /** The raw value → the engineering value (numbers only; other types pass as they are). */
  forward(point: PointDef, raw: number): number {
    return raw * this.factor[point.index]! + this.addend[point.index]!;
  }

  /** The engineering value → what the device is to be sent. */
  inverse(point: PointDef, value: PointValue): PointValue {
    if (typeof value !== 'number') return value;
    return (value - this.addend[point.index]!) / this.factor[point.index]!;
  }

  /** An engineering-unit span (a deadband) in raw units. */
  spanToRaw(point: PointDef, span: number): number {
    return span / Math.abs(this.factor[point.index]!);
  }

  /** The multiply-add of one point (for tests and diagnostics). */
  of(point: PointDef): { factor: number; addend: number } {
    return { factor: this.factor[point.index]!, addend: this.addend[point.index]! };
  }
}

interface Linear {
  factor: number;
  addend: number;
}

/** The device's part: its scale, then its unit into the point's (unless the point states its sourceUnit). */
function sourcePart(p: PointDef, s: SourceScaling | undefined): Linear {
  const scale = s?.scale ?? 1;
  const conv =
    s?.unit && !p.config.sourceUnit && s.unit !== p.unit ? unitConversion(s.unit, p.unit) : undefined;
  return { factor: scale * (conv?.factor ?? 1), addend: conv?.offset ?? 0 };
}

/** The point's part: raw × scale + offset is a value in sourceUnit (or unit), then converted to unit. */
function pointPart(p: PointDef): Linear {
  const c = p.config;
  const conv = (c.sourceUnit && unitConversion(c.sourceUnit, p.unit)) || { factor: 1, offset: 0 };
  return { factor: c.scale * conv.factor, addend: c.offset * conv.factor + conv.offset };
}

/** The transforms of a site, with every protocol's own scaling (Modbus profiles). */
export function pointTransforms(
  site: SiteModel,
  factories: ReadonlyMap<string, DriverFactory>,
): PointTransforms {
  const scalings = new Map<string, SourceScaling>();
  for (const f of factories.values())
    for (const [id, s] of f.sourceScaling?.(site) ?? []) scalings.set(id, s);
  return new PointTransforms(site, scalings);
}
