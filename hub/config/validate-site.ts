import { z } from 'zod';
import type { AdapterFactory } from '../../adapters/types.js';
import { KNOWN_UNITS, unitConversion } from '../pipeline/units.js';
import { PointCommonShape, type PointConfig, type SiteConfig, SiteFileSchema } from './site-schema.js';
import { formatIssues, formatPath } from './zod-helpers.js';

export type ValidationResult = { ok: true; config: SiteConfig } | { ok: false; errors: string[] };

/**
 * Validate a parsed site file: structure first, then each device and point against its protocol's strict
 * schema, then every cross-reference. Returns every failing path, not just the first.
 */
export function validateSite(raw: unknown, factories: ReadonlyMap<string, AdapterFactory>): ValidationResult {
  const first = SiteFileSchema.safeParse(raw, { reportInput: true });
  if (!first.success) return { ok: false, errors: formatIssues(first.error.issues) };
  const config = first.data;
  const errors: string[] = [];
  const fail = (path: PropertyKey[], message: string) => errors.push(`${formatPath(path)}: ${message}`);
  const protocols = [...factories.keys()].join(' | ');

  unique(config.zones, (z) => z.id, ['zones'], fail);
  unique(config.devices, (d) => d.id, ['devices'], fail);
  unique(config.assets, (a) => a.id, ['assets'], fail);

  const zoneIds = new Set(config.zones.map((z) => z.id));
  config.zones.forEach((zone, i) => {
    if (zone.parent && !zoneIds.has(zone.parent)) fail(['zones', i, 'parent'], `no zone "${zone.parent}"`);
  });
  for (const cycle of zoneCycles(config)) fail(['zones', cycle], 'zone parents form a cycle');

  const deviceIds = new Set(config.devices.map((d) => d.id));
  const deviceProtocol = new Map<string, string>();
  config.devices.forEach((device, i) => {
    const factory = factories.get(device.protocol);
    if (!factory) {
      fail(
        ['devices', i, 'protocol'],
        `expected one of ${protocols}, got ${JSON.stringify(device.protocol)}`,
      );
      return;
    }
    deviceProtocol.set(device.id, device.protocol);
    const parsed = factory.deviceSchema.safeParse(device, { reportInput: true });
    if (parsed.success) config.devices[i] = parsed.data as typeof device;
    else errors.push(...formatIssues(parsed.error.issues, ['devices', i]));
  });

  const pointSchemas = new Map<string | undefined, z.ZodObject>();
  const pointSchemaFor = (protocol: string | undefined) => {
    let schema = pointSchemas.get(protocol);
    if (!schema) {
      const extra = protocol ? (factories.get(protocol)?.pointShape ?? {}) : {};
      schema = z.strictObject({ ...PointCommonShape, ...extra });
      pointSchemas.set(protocol, schema);
    }
    return schema;
  };

  config.assets.forEach((asset, a) => {
    if (!zoneIds.has(asset.zone)) fail(['assets', a, 'zone'], `no zone "${asset.zone}"`);
    if (asset.device && !deviceIds.has(asset.device))
      fail(['assets', a, 'device'], `no device "${asset.device}"`);
    unique(asset.points, (p) => p.name, ['assets', a, 'points'], fail);
    asset.points.forEach((point, p) => {
      const path = ['assets', a, 'points', p];
      const deviceId = point.device ?? asset.device;
      if (point.device && !deviceIds.has(point.device))
        fail([...path, 'device'], `no device "${point.device}"`);
      const parsed = pointSchemaFor(deviceId ? deviceProtocol.get(deviceId) : undefined).safeParse(point, {
        reportInput: true,
      });
      if (!parsed.success) {
        errors.push(...formatIssues(parsed.error.issues, path));
        return;
      }
      asset.points[p] = parsed.data as PointConfig;
      checkPointSemantics(asset.points[p]!, path, fail);
    });
  });

  for (const factory of factories.values()) {
    for (const issue of factory.checkSite?.(config) ?? []) fail(issue.path, issue.message);
  }
  return errors.length ? { ok: false, errors } : { ok: true, config };
}

function checkPointSemantics(
  point: PointConfig,
  path: PropertyKey[],
  fail: (p: PropertyKey[], m: string) => void,
) {
  if (point.min !== undefined && point.max !== undefined && point.min > point.max)
    fail([...path, 'min'], `expected min ≤ max, got min ${point.min} > max ${point.max}`);
  if (point.sourceUnit && !unitConversion(point.sourceUnit, point.unit)) {
    const known = KNOWN_UNITS.includes(point.sourceUnit) && KNOWN_UNITS.includes(point.unit);
    fail(
      [...path, 'sourceUnit'],
      known
        ? `cannot convert ${point.sourceUnit} to ${point.unit}: different quantities`
        : `expected units the hub can convert (${KNOWN_UNITS.join(', ')}), got ${point.sourceUnit} → ${point.unit || '(none)'}`,
    );
  }
  if (point.type !== 'number' && (point.scale !== 1 || point.offset !== 0 || point.deadband !== 0))
    fail(
      [...path, 'type'],
      `scale, offset and deadband apply to numbers only, but the point is ${point.type}`,
    );
}

function unique<T>(
  items: T[],
  key: (item: T) => string,
  path: PropertyKey[],
  fail: (p: PropertyKey[], m: string) => void,
) {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined)
      fail([...path, i], `duplicate id "${k}" (first at ${formatPath([...path, first])})`);
    else seen.set(k, i);
  });
}

function zoneCycles(config: SiteConfig): number[] {
  const parentOf = new Map(config.zones.map((z) => [z.id, z.parent]));
  const bad: number[] = [];
  config.zones.forEach((zone, i) => {
    const seen = new Set<string>();
    let at: string | undefined = zone.id;
    while (at) {
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
