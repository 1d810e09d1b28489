import { z } from 'zod';
import type { DriverFactory } from '../devices/driver.js';
import { SiteModel } from '../model/site-model.js';
import { KNOWN_UNITS, unitConversion } from '../units.js';
import { type PhaseTimings, stopwatch } from './phase-timings.js';
import {
  CoreSiteShape,
  type DeviceConfig,
  PointCommonShape,
  type PointConfig,
  type SiteConfig,
} from './site-schema.js';
import { formatIssues, formatPath } from './zod-helpers.js';

export type ValidationResult =
  | { ok: true; config: SiteConfig; site: SiteModel }
  | { ok: false; errors: string[] };
/** Report a problem at a path of the site file. */
export type Fail = (path: PropertyKey[], message: string) => void;
type Obj = Record<string, unknown>;

/** A part of the site file a domain owns (rules, maintenance, visitors, energy). */
export interface SiteSection {
  /** Its keys, each with the schema of the first pass (structure and defaults). */
  shape: z.ZodRawShape;
  /**
   * A second pass over the raw document when the first pass cannot say it all (rules expand templates and
   * check references to assets): `config` is the file as parsed when its assets are sound. Returns values
   * that replace the first pass's for its keys.
   */
  parse?(doc: Obj, config: SiteConfig | undefined, errors: string[], fail: Fail): Obj;
  /** Cross-checks once the whole site is known (references to assets, points, schedules, other sections). */
  check?(config: SiteConfig, site: SiteModel, fail: Fail): void;
}

/** What a site file may hold: the protocols' drivers and the domains' sections. */
export interface SiteSpec {
  factories: ReadonlyMap<string, DriverFactory>;
  sections: readonly SiteSection[];
}

const fileSchemas = new WeakMap<SiteSpec, z.ZodObject>();

function fileSchemaOf(spec: SiteSpec): z.ZodObject {
  let schema = fileSchemas.get(spec);
  if (!schema) {
    schema = z.strictObject(Object.assign({}, CoreSiteShape, ...spec.sections.map((s) => s.shape)));
    fileSchemas.set(spec, schema);
  }
  return schema;
}

/**
 * Validate a parsed site file and return every failing path, not just the first. Three checks run side by
 * side on the raw document, so one mistake never hides another: the file's structure; each device and point
 * against its protocol's strict schema; and the cross-references (zones, devices, duplicate ids).
 */
export function validateSite(raw: unknown, spec: SiteSpec, timings?: PhaseTimings): ValidationResult {
  const { factories } = spec;
  const lap = stopwatch(timings);
  const errors: string[] = [];
  const fail: Fail = (path, message) => errors.push(`${formatPath(path)}: ${message}`);

  const structure = fileSchemaOf(spec).safeParse(raw, { reportInput: true });
  if (!structure.success) errors.push(...formatIssues(structure.error.issues));
  lap('structure (zod)');

  const doc = obj(raw) ?? {};
  const zones = arr(doc.zones).map(obj);
  const devices = arr(doc.devices).map(obj);
  const assets = arr(doc.assets).map(obj);

  unique(zones, ['zones'], fail);
  unique(devices, ['devices'], fail);
  unique(assets, ['assets'], fail);
  const zoneIds = new Set(zones.map((z) => z?.id));
  zones.forEach((zone, i) => {
    if (typeof zone?.parent === 'string' && !zoneIds.has(zone.parent))
      fail(['zones', i, 'parent'], `no zone "${zone.parent}"`);
  });
  for (const i of zoneCycles(zones)) fail(['zones', i], 'zone parents form a cycle');
  lap('cross-references');

  const parsedDevices = new Map<number, DeviceConfig>();
  const protocolOf = new Map<unknown, string>();
  const protocols = [...factories.keys()].join(' | ');
  devices.forEach((device, i) => {
    if (!device || typeof device.protocol !== 'string') return; // the structure check reported it
    const factory = factories.get(device.protocol);
    if (!factory) {
      fail(
        ['devices', i, 'protocol'],
        `expected one of ${protocols}, got ${JSON.stringify(device.protocol)}`,
      );
      return;
    }
    protocolOf.set(device.id, device.protocol);
    const parsed = factory.deviceSchema.safeParse(device, { reportInput: true });
    if (parsed.success) parsedDevices.set(i, parsed.data as DeviceConfig);
    else errors.push(...formatIssues(parsed.error.issues, ['devices', i]));
  });
  const deviceIds = new Set(devices.map((d) => d?.id));
  lap('devices (protocol schemas)');

  const parsedPoints: (PointConfig | undefined)[][] = [];
  // Points written alike (the same profile point on a thousand meters) parse alike: one safeParse each.
  const samePoints = new Map<string, PointConfig>();
  assets.forEach((asset, a) => {
    if (!asset) return;
    if (typeof asset.zone === 'string' && !zoneIds.has(asset.zone))
      fail(['assets', a, 'zone'], `no zone "${asset.zone}"`);
    if (typeof asset.device === 'string' && !deviceIds.has(asset.device))
      fail(['assets', a, 'device'], `no device "${asset.device}"`);
    const points = arr(asset.points).map(obj);
    unique(points, ['assets', a, 'points'], fail, 'name');
    const parsedOfAsset: (PointConfig | undefined)[] = [];
    parsedPoints[a] = parsedOfAsset;
    points.forEach((point, p) => {
      if (!point) return;
      if (typeof point.device === 'string' && !deviceIds.has(point.device))
        fail(['assets', a, 'points', p, 'device'], `no device "${point.device}"`);
      const deviceId = point.device ?? asset.device;
      const protocol = protocolOf.get(deviceId);
      const key = samenessKey(protocol, point);
      const same = key === undefined ? undefined : samePoints.get(key);
      let config: PointConfig;
      if (same) config = { ...same };
      else {
        const parsed = pointSchema(protocol, factories).safeParse(point, { reportInput: true });
        if (!parsed.success) {
          errors.push(...formatIssues(parsed.error.issues, ['assets', a, 'points', p]));
          return;
        }
        config = parsed.data as PointConfig;
        if (key !== undefined && isFlat(config)) samePoints.set(key, { ...config });
      }
      checkPointSemantics(config, a, p, fail);
      parsedOfAsset[p] = config;
    });
  });
  lap('points (protocol schemas)');

  const config = structure.success ? (structure.data as unknown as SiteConfig) : undefined;
  if (config) {
    config.devices = config.devices.map((d, i) => parsedDevices.get(i) ?? d);
    config.assets.forEach((asset, a) => {
      asset.points = asset.points.map((_, p) => parsedPoints[a]?.[p] ?? (asset.points[p] as PointConfig));
    });
  }
  lap('merge');
  // sections that read the assets (rules) are checked against them as parsed, when the assets are sound
  const sound = config && !errors.length ? config : undefined;
  const parsedSections = spec.sections.map((section) => section.parse?.(doc, sound, errors, fail));
  if (!config || errors.length) return { ok: false, errors };
  for (const values of parsedSections) if (values) Object.assign(config, values);
  lap('sections (parse)');
  // The checks that need the whole site, on one model (which the loader then keeps): each protocol's
  // cross-checks, then each section's.
  const site = new SiteModel(config);
  lap('site model');
  for (const factory of factories.values()) {
    for (const issue of factory.checkSite?.(config, site) ?? []) fail(issue.path, issue.message);
  }
  lap('drivers (checkSite)');
  for (const section of spec.sections) section.check?.(config, site, fail);
  lap('sections (check)');
  return errors.length ? { ok: false, errors } : { ok: true, config, site };
}

const pointSchemas = new WeakMap<ReadonlyMap<string, DriverFactory>, Map<string, z.ZodObject>>();

/** The strict schema of a point fed by a device of this protocol (or by none). */
function pointSchema(
  protocol: string | undefined,
  factories: ReadonlyMap<string, DriverFactory>,
): z.ZodObject {
  let cache = pointSchemas.get(factories);
  if (!cache) {
    cache = new Map();
    pointSchemas.set(factories, cache);
  }
  const key = protocol ?? '';
  let schema = cache.get(key);
  if (!schema) {
    schema = z.strictObject({
      ...PointCommonShape,
      ...(protocol ? factories.get(protocol)?.pointShape : {}),
    });
    cache.set(key, schema);
  }
  return schema;
}

/**
 * The same string for two points exactly when they hold the same keys in the same order with the same values
 * (strings, booleans, finite numbers other than -0) and are fed by the same protocol; undefined for any other
 * point (it is parsed on its own). A point's schema is a function of these alone, so such points parse alike.
 */
function samenessKey(protocol: string | undefined, point: Obj): string | undefined {
  // strings with their length before them, so no key or value can run into the next
  let key = protocol === undefined ? '-' : `${protocol.length}:${protocol}`;
  for (const k in point) {
    if (!Object.hasOwn(point, k)) return undefined;
    const v = point[k];
    key += `|${k.length}:${k}`;
    if (typeof v === 'string') key += `s${v.length}:${v}`;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) return undefined;
      key += `n${v};`;
    } else if (typeof v === 'boolean') key += v ? 't' : 'f';
    else return undefined;
  }
  return key;
}

/** Only primitives (a copy is then the same as a fresh parse). */
function isFlat(o: object): boolean {
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') return false;
  return true;
}

function checkPointSemantics(point: PointConfig, a: number, p: number, fail: Fail) {
  const path = () => ['assets', a, 'points', p];
  if (point.min !== undefined && point.max !== undefined && point.min > point.max)
    fail([...path(), 'min'], `expected min ≤ max, got min ${point.min} > max ${point.max}`);
  if (point.sourceUnit && !unitConversion(point.sourceUnit, point.unit)) {
    const known = KNOWN_UNITS.includes(point.sourceUnit) && KNOWN_UNITS.includes(point.unit);
    fail(
      [...path(), 'sourceUnit'],
      known
        ? `cannot convert ${point.sourceUnit} to ${point.unit}: different quantities`
        : `expected units the hub can convert (${KNOWN_UNITS.join(', ')}), got ${point.sourceUnit} → ${point.unit || '(none)'}`,
    );
  }
  if (point.rolloverAt !== undefined && point.kind !== 'counter')
    fail([...path(), 'rolloverAt'], `rolloverAt applies to counters only, but the point is a ${point.kind}`);
  if (point.type !== 'number' && (point.scale !== 1 || point.offset !== 0 || point.deadband !== 0))
    fail(
      [...path(), 'type'],
      `scale, offset and deadband apply to numbers only, but the point is ${point.type}`,
    );
}

function obj(x: unknown): Obj | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : undefined;
}

function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function unique(items: (Obj | undefined)[], path: PropertyKey[], fail: Fail, key = 'id') {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const k = item?.[key];
    if (typeof k !== 'string') return;
    const first = seen.get(k);
    if (first !== undefined)
      fail([...path, i], `duplicate ${key} "${k}" (first at ${formatPath([...path, first])})`);
    else seen.set(k, i);
  });
}

function zoneCycles(zones: (Obj | undefined)[]): number[] {
  const parentOf = new Map(zones.map((z) => [z?.id, z?.parent]));
  const bad: number[] = [];
  zones.forEach((zone, i) => {
    const seen = new Set<unknown>();
    let at: unknown = zone?.id;
    while (typeof at === 'string') {
      if (seen.has(at)) {
        bad.push(i);
        return;
      }
      seen.add(at);
      at = parentOf.get(at);
    }
  });
  return bad;
}
