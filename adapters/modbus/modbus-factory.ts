import type { SiteConfig } from '../../core/config/site-schema.js';
import type { DriverFactory, LinkPlan } from '../../core/devices/driver.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { unitConversion } from '../../core/units.js';
import { linkKey } from './modbus-connection.js';
import { ModbusDriver } from './modbus-driver.js';
import {
  type ModbusDevice,
  ModbusDeviceSchema,
  type ModbusSource,
  modbusPointShape,
} from './modbus-schema.js';
import { resolveSources } from './sources.js';

const sourcesBySite = new WeakMap<SiteModel, Map<string, ModbusSource>>();

/** Each point's register and its profile's scaling, resolved once per site (a large site has hundreds of links). */
function sourcesOf(site: SiteModel): Map<string, ModbusSource> {
  let sources = sourcesBySite.get(site);
  if (!sources) {
    sources = resolveSources(site).sources;
    sourcesBySite.set(site, sources);
  }
  return sources;
}

/** Modbus TCP, RTU over TCP and RTU: one link per TCP endpoint or serial line, the units behind it polled in turn. */
export const modbusDriverFactory: DriverFactory = {
  protocol: 'modbus',
  deviceSchema: ModbusDeviceSchema,
  pointShape: modbusPointShape,
  checkSite(config: SiteConfig, site: SiteModel) {
    if (!config.devices.some((d) => d.protocol === 'modbus')) return [];
    const { sources, problems, profileProblems } = resolveSources(site);
    sourcesBySite.set(site, sources); // the drivers' and the transforms' too, not resolved again
    const issues: { path: PropertyKey[]; message: string }[] = [];
    const badProfile = new Set(profileProblems.map((p) => p.deviceId));
    for (const p of profileProblems)
      issues.push({
        path: ['devices', config.devices.findIndex((d) => d.id === p.deviceId), 'profile'],
        message: p.message,
      });
    const pathOf = (pointId: string) => {
      const [assetId, name] = pointId.split('/');
      const a = config.assets.findIndex((x) => x.id === assetId);
      return ['assets', a, 'points', config.assets[a]!.points.findIndex((x) => x.name === name)];
    };
    for (const p of problems) {
      const deviceId = site.pointById.get(p.pointId)?.deviceId;
      if (deviceId && !badProfile.has(deviceId))
        issues.push({ path: [...pathOf(p.pointId), 'register'], message: p.message });
    }
    for (const [pointId, source] of sources) {
      const point = site.pointById.get(pointId)!;
      if (
        source.unit &&
        !point.config.sourceUnit &&
        source.unit !== point.unit &&
        !unitConversion(source.unit, point.unit)
      )
        issues.push({
          path: [...pathOf(pointId), 'unit'],
          message: `the profile gives ${source.unit}, which cannot be converted to ${point.unit || '(no unit)'}; use a unit it can, or sourceUnit`,
        });
      if (point.kind === 'command' && source.table !== 'holding' && source.table !== 'coil')
        issues.push({
          path: [...pathOf(pointId), 'table'],
          message: `a command point must be a holding register or a coil, not ${source.table}`,
        });
    }
    // devices on one link must agree on the line's settings
    const seen = new Map<string, { i: number; d: ModbusDevice }>();
    config.devices.forEach((raw, i) => {
      if (raw.protocol !== 'modbus') return;
      const d = raw as unknown as ModbusDevice;
      const key = linkKey(d);
      const first = seen.get(key);
      if (!first) seen.set(key, { i, d });
      else {
        if (d.unitId === first.d.unitId)
          issues.push({
            path: ['devices', i, 'unitId'],
            message: `unit ${d.unitId} on ${key} is already device "${first.d.id}"`,
          });
        if (d.transport === 'rtu' && (d.baudRate !== first.d.baudRate || d.parity !== first.d.parity))
          issues.push({
            path: ['devices', i, 'baudRate'],
            message: `devices on ${key} must share its baud rate and parity (see "${first.d.id}")`,
          });
      }
    });
    return issues;
  },
  links(site: SiteModel): LinkPlan[] {
    const byKey = new Map<string, LinkPlan>();
    for (const d of site.devicesOf('modbus') as ModbusDevice[]) {
      const key = linkKey(d);
      const plan = byKey.get(key) ?? {
        linkId: `modbus:${key.replace(/^tcp:/, '')}`,
        protocol: 'modbus',
        devices: [],
      };
      plan.devices.push(d);
      byKey.set(key, plan);
    }
    return [...byKey.values()];
  },
  polling: (d) => d as ModbusDevice,
  label: (d) => `unit ${(d as ModbusDevice).unitId}`,
  sourceScaling: (site) => sourcesOf(site),
  create(link, site, ctx) {
    return new ModbusDriver(link, ctx, sourcesOf(site));
  },
};
