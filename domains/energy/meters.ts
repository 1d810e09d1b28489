import type { SiteConfig } from '../../core/config/site-schema.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { Medium, MeterConfig } from './energy-schema.js';

/** A meter of the hierarchy, resolved against the site: physical (a counter point) or virtual (± meters). */
export interface Meter {
  id: string;
  name: string;
  medium: Medium;
  /** kWh for electricity, m3 for water and gas: every figure the energy domain gives is in it. */
  unit: 'kWh' | 'm3';
  zoneId: string;
  parentId?: string;
  children: string[];
  /** Physical: the counter point, its value × factor in `unit`, its register's wrap. */
  pointId?: string;
  factor: number;
  rolloverAt?: number;
  /** Virtual: the meters added and subtracted. */
  add: string[];
  subtract: string[];
  /** The demand charge applies to it. */
  billing: boolean;
}

const MEDIUM_OF_KIND: Record<string, Medium> = {
  'electricity-meter': 'electricity',
  'water-meter': 'water',
  'gas-meter': 'gas',
};
const UNIT_FACTORS: Record<Medium, Record<string, number>> = {
  electricity: { Wh: 0.001, kWh: 1, MWh: 1000 },
  water: { L: 0.001, m3: 1 },
  gas: { L: 0.001, m3: 1 },
};

type Fail = (path: PropertyKey[], message: string) => void;

/**
 * The configured meters, or by default every meter asset's counter point (one per asset, the first counter
 * in a unit of its medium), each at the top of its own hierarchy.
 */
export function meterConfigs(config: SiteConfig): MeterConfig[] {
  if (config.energy.meters) return config.energy.meters;
  const out: MeterConfig[] = [];
  for (const asset of config.assets) {
    const medium = MEDIUM_OF_KIND[asset.kind];
    if (!medium) continue;
    const counter = asset.points.find((p) => p.kind === 'counter' && (p.unit ?? '') in UNIT_FACTORS[medium]);
    if (counter) out.push({ id: asset.id, name: asset.name, point: `${asset.id}/${counter.name}` });
  }
  return out;
}

/**
 * Resolve the meters against the site. Problems go to `fail` with their site-file path (validate-site runs it
 * once with the whole site); the app builds from a validated file, so it can pass a thrower.
 */
export function resolveMeters(config: SiteConfig, site: SiteModel, fail: Fail): Meter[] {
  const configs = meterConfigs(config);
  const at = (i: number, ...path: PropertyKey[]) => ['energy', 'meters', i, ...path];
  const byId = new Map<string, { c: MeterConfig; i: number }>();
  configs.forEach((c, i) => {
    if (byId.has(c.id)) fail(at(i, 'id'), `duplicate meter id "${c.id}"`);
    else byId.set(c.id, { c, i });
  });

  // Physical meters first: their medium, unit and zone come from the point's asset.
  const meters = new Map<string, Meter>();
  for (const [i, c] of configs.entries()) {
    if (byId.get(c.id)?.i !== i) continue; // a duplicate id, reported above
    const isVirtual = c.add !== undefined || c.subtract !== undefined;
    if ((c.point === undefined) === !isVirtual)
      fail(at(i), 'expected either point (a physical meter) or add/subtract (a virtual meter)');
    else if (isVirtual) {
      if (!c.add?.length) fail(at(i, 'add'), 'expected at least one meter to add');
    } else {
      const meter = physicalMeter(c, site);
      if (typeof meter === 'string') fail(at(i, meter === NO_MEDIUM ? 'medium' : 'point'), meter);
      else meters.set(c.id, meter);
    }
  }

  // Virtual meters: resolved in dependency order; a reference cycle is an error.
  // A virtual meter with a part that cannot be built is not built either (its error is reported once, at the
  // cause); `failed` keeps it from being tried again for every meter that refers to it.
  const resolving = new Set<string>();
  const failed = new Set<string>();
  const resolveVirtual = (id: string): Meter | undefined => {
    const found = meters.get(id);
    if (found) return found;
    const entry = byId.get(id);
    if (!entry || entry.c.point !== undefined || failed.has(id)) return undefined;
    const { c, i } = entry;
    const give = (path: PropertyKey[], message: string) => {
      fail(path, message);
      failed.add(id);
      return undefined;
    };
    if (resolving.has(id))
      return give(at(i), `virtual meter "${id}" refers to itself through ${[...resolving].join(' → ')}`);
    resolving.add(id);
    const parts: Meter[] = [];
    let broken = false;
    for (const key of ['add', 'subtract'] as const)
      for (const [k, ref] of (c[key] ?? []).entries()) {
        if (!byId.has(ref)) fail(at(i, key, k), `no meter "${ref}"`);
        const m = byId.has(ref) ? resolveVirtual(ref) : undefined;
        if (m) parts.push(m);
        else broken = true;
      }
    resolving.delete(id);
    if (broken || failed.has(id)) {
      failed.add(id);
      return undefined;
    }
    const media = new Set(parts.map((p) => p.medium));
    if (media.size > 1) return give(at(i), `virtual meter "${id}" mixes ${[...media].join(' and ')}`);
    const medium = c.medium ?? parts[0]?.medium;
    if (!medium) return undefined;
    if (parts[0] && medium !== parts[0].medium)
      fail(at(i, 'medium'), `its parts are ${parts[0].medium} meters`);
    const zoneId = c.zone ?? parts[0]?.zoneId;
    if (!zoneId) return give(at(i, 'zone'), 'expected the zone a virtual meter serves');
    const meter: Meter = {
      id,
      name: c.name ?? id,
      medium,
      unit: medium === 'electricity' ? 'kWh' : 'm3',
      zoneId,
      children: [],
      factor: 1,
      add: c.add ?? [],
      subtract: c.subtract ?? [],
      billing: false,
    };
    meters.set(id, meter);
    return meter;
  };
  for (const c of configs) if (c.point === undefined) resolveVirtual(c.id);

  // The hierarchy: parents exist, share the medium, and form no loop.
  for (const { c, i } of byId.values()) {
    const m = meters.get(c.id);
    if (!m) continue;
    if (c.zone !== undefined && !site.zoneById.has(c.zone)) fail(at(i, 'zone'), `no zone "${c.zone}"`);
    if (c.parent === undefined) continue;
    const parent = meters.get(c.parent);
    if (!byId.has(c.parent)) fail(at(i, 'parent'), `no meter "${c.parent}"`);
    else if (parent && parent.medium !== m.medium)
      fail(
        at(i, 'parent'),
        `"${c.parent}" is ${article(parent.medium)} ${parent.medium} meter; "${c.id}" is ${m.medium}`,
      );
    else if (parent) {
      m.parentId = parent.id;
      parent.children.push(m.id);
    }
  }
  for (const m of meters.values()) {
    const seen = new Set<string>([m.id]);
    for (let p = m.parentId; p !== undefined; p = meters.get(p)?.parentId) {
      if (seen.has(p)) {
        fail(at(byId.get(m.id)!.i, 'parent'), `the parents of "${m.id}" form a loop`);
        m.parentId = undefined;
        break;
      }
      seen.add(p);
    }
  }
  for (const { c } of byId.values()) {
    const m = meters.get(c.id);
    if (m) m.billing = c.billing ?? (m.medium === 'electricity' && m.parentId === undefined && !!m.pointId);
  }
  return [...meters.values()];
}

const NO_MEDIUM = 'cannot tell the medium: expected electricity, water or gas (medium:)';

/** A physical meter from its counter point, or what is wrong with it. */
function physicalMeter(c: MeterConfig, site: SiteModel): Meter | string {
  const point = site.pointById.get(c.point!);
  if (!point) return `no point "${c.point}" (expected asset-id/point-name)`;
  if (point.kind !== 'counter')
    return `${point.id} is ${article(point.kind)} ${point.kind} point; a meter reads a counter`;
  const asset = site.assetById.get(point.assetId)!;
  const medium = c.medium ?? MEDIUM_OF_KIND[asset.kind];
  if (!medium) return NO_MEDIUM;
  const factor = UNIT_FACTORS[medium][point.unit];
  if (factor === undefined)
    return `${point.id} is in "${point.unit}"; ${article(medium)} ${medium} meter counts in ${Object.keys(UNIT_FACTORS[medium]).join(', ')}`;
  return {
    id: c.id,
    name: c.name ?? asset.name,
    medium,
    unit: medium === 'electricity' ? 'kWh' : 'm3',
    zoneId: c.zone ?? asset.zone,
    children: [],
    pointId: point.id,
    factor,
    ...(point.rolloverAt !== undefined ? { rolloverAt: point.rolloverAt } : {}),
    add: [],
    subtract: [],
    billing: false,
  };
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** The hierarchy as a tree: roots first, each with its children. */
export function meterTree(meters: readonly Meter[]): unknown[] {
  const byId = new Map(meters.map((m) => [m.id, m]));
  const node = (m: Meter): unknown => ({
    id: m.id,
    name: m.name,
    medium: m.medium,
    unit: m.unit,
    zone: m.zoneId,
    ...(m.pointId ? { point: m.pointId } : { add: m.add, subtract: m.subtract }),
    billing: m.billing,
    children: m.children.map((c) => node(byId.get(c)!)),
  });
  return meters.filter((m) => !m.parentId).map(node);
}

/**
 * The power points (kW, W, MW measurements named `*power*`) on the assets of the physical meters that make
 * up the site's electricity: its top meters, a virtual one through the meters it adds.
 */
export function sitePowerPoints(meters: readonly Meter[], site: SiteModel): string[] {
  const byId = new Map(meters.map((m) => [m.id, m]));
  const out = new Set<string>();
  const visit = (m: Meter) => {
    if (!m.pointId) {
      for (const id of m.add) visit(byId.get(id)!);
      return;
    }
    const assetId = site.pointById.get(m.pointId)!.assetId;
    const power = site.pointsByAsset
      .get(assetId)
      ?.find(
        (p) => p.kind === 'measurement' && ['kW', 'W', 'MW'].includes(p.unit) && p.name.includes('power'),
      );
    if (power) out.add(power.id);
  };
  for (const m of meters) if (m.medium === 'electricity' && !m.parentId) visit(m);
  return [...out];
}
