import { parse, stringify } from 'yaml';
import type { SiteModel } from '../core/model/site-model.js';
import { parseSiteText } from '../hub/site-file.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * The test site plus an electricity meter (a counter with a rollover, published by env-2), with the given
 * storage settings.
 */
export function storageSiteYaml(
  storage: Record<string, unknown>,
  opts: Parameters<typeof testSiteYaml>[0] = {},
): string {
  const doc = parse(testSiteYaml(opts));
  doc.storage = storage;
  doc.assets.push({
    id: 'meter-1',
    name: 'Main meter',
    kind: 'electricity-meter',
    zone: 'b1',
    device: 'env-2',
    points: [
      { name: 'energy_kwh', unit: 'kWh', kind: 'counter', rolloverAt: 100000, intervalMs: 60000 },
      { name: 'seq', kind: 'counter', intervalMs: 60000 },
    ],
  });
  return stringify(doc);
}

export function storageSite(
  storage: Record<string, unknown>,
  opts: Parameters<typeof testSiteYaml>[0] = {},
): SiteModel {
  return parseSiteText(storageSiteYaml(storage, opts), 'storage-site.yaml');
}

export const METER_TOPIC = 'site/t1/meter-1/telemetry';
export const ROOM_TOPIC = 'site/t1/room-1/telemetry';
export const GATE_TOPIC = 'site/t1/gate-a/telemetry';
