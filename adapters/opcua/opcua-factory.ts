import type { SiteConfig } from '../../core/config/site-schema.js';
import type { DriverFactory, LinkPlan } from '../../core/devices/driver.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { LazyOpcuaDriver } from './lazy-driver.js';
import {
  type OpcuaDevice,
  OpcuaDeviceSchema,
  type OpcuaPointFields,
  opcuaPointShape,
} from './opcua-schema.js';
import { type OpcuaPoint, resolveOpcuaPoints } from './points.js';

const pointsBySite = new WeakMap<SiteModel, Map<string, OpcuaPoint>>();

/** One link per OPC UA server: one secure channel, one session, one subscription. */
export const opcuaDriverFactory: DriverFactory = {
  protocol: 'opcua',
  deviceSchema: OpcuaDeviceSchema,
  pointShape: opcuaPointShape,
  // a restarted server is followed within 10 s of it answering again, however long it was away
  backoff: { initialMs: 500, maxMs: 5_000, jitter: 0.3 },
  pushed: (point) => (point.config as OpcuaPointFields).mode !== 'read',
  changesOnly: true,
  polling: (d) => {
    const o = d as OpcuaDevice;
    return { intervalMs: o.intervalMs, timeoutMs: o.timeoutMs, retries: 0, breakerFailures: 3 };
  },
  checkSite(config: SiteConfig, site: SiteModel) {
    const issues: { path: PropertyKey[]; message: string }[] = [];
    if (!config.devices.some((d) => d.protocol === 'opcua')) return issues;
    const pathOf = (pointId: string) => {
      const [assetId, name] = pointId.split('/');
      const a = config.assets.findIndex((x) => x.id === assetId);
      return ['assets', a, 'points', config.assets[a]!.points.findIndex((x) => x.name === name)];
    };
    for (const p of resolveOpcuaPoints(site).problems)
      issues.push({ path: [...pathOf(p.pointId), 'nodeId'], message: p.message });
    const endpoints = new Map<string, string>();
    config.devices.forEach((raw, i) => {
      if (raw.protocol !== 'opcua') return;
      const d = raw as unknown as OpcuaDevice;
      if (d.passwordEnv && process.env[d.passwordEnv] === undefined)
        issues.push({
          path: ['devices', i, 'passwordEnv'],
          message: `the environment variable ${d.passwordEnv} is not set (it holds ${d.username}'s password)`,
        });
      const other = endpoints.get(d.endpoint);
      if (other)
        issues.push({
          path: ['devices', i, 'endpoint'],
          message: `${d.endpoint} is already device "${other}" (one device per server; it may serve many assets)`,
        });
      endpoints.set(d.endpoint, d.id);
    });
    return issues;
  },
  links(site: SiteModel): LinkPlan[] {
    return (site.devicesOf('opcua') as OpcuaDevice[]).map((d) => ({
      linkId: `opcua:${d.id}`,
      protocol: 'opcua',
      devices: [d],
    }));
  },
  create(link, site, ctx) {
    // resolved once per site, not once per link
    const points = pointsBySite.get(site) ?? resolveOpcuaPoints(site).points;
    pointsBySite.set(site, points);
    const device = link.devices[0] as OpcuaDevice;
    return new LazyOpcuaDriver(
      device,
      site,
      ctx,
      [...points.values()].filter((p) => p.device.id === device.id),
    );
  },
};
