import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { fillTemplate, type NodeAddress, parseNodeAddress } from './node-address.js';
import type { OpcuaDevice, OpcuaPointFields } from './opcua-schema.js';

export interface OpcuaPoint {
  point: PointDef;
  device: OpcuaDevice;
  /** The node id as the site file states it (or the template makes it). */
  nodeIdText: string;
  address: NodeAddress;
  mode: 'subscribe' | 'read';
  samplingIntervalMs: number;
  queueSize: number;
  deadbandPercent?: number;
}

/** Every OPC UA point with its node, and the points whose node cannot be known (for the site file's errors). */
export function resolveOpcuaPoints(site: SiteModel): {
  points: Map<string, OpcuaPoint>;
  problems: { pointId: string; message: string }[];
} {
  const points = new Map<string, OpcuaPoint>();
  const problems: { pointId: string; message: string }[] = [];
  for (const point of site.points) {
    if (point.protocol !== 'opcua' || !point.deviceId) continue;
    const device = site.deviceById.get(point.deviceId) as OpcuaDevice;
    const own = point.config as OpcuaPointFields;
    const nodeIdText =
      own.nodeId ??
      (device.nodeIdTemplate
        ? fillTemplate(device.nodeIdTemplate, { asset: point.assetId, point: point.name, device: device.id })
        : undefined);
    if (!nodeIdText) {
      problems.push({
        pointId: point.id,
        message: 'no nodeId (give nodeId, or a nodeIdTemplate on the device)',
      });
      continue;
    }
    const address = parseNodeAddress(nodeIdText);
    if (typeof address === 'string') {
      problems.push({
        pointId: point.id,
        message: `nodeId "${nodeIdText}" from the device's template: ${address}`,
      });
      continue;
    }
    points.set(point.id, {
      point,
      device,
      nodeIdText,
      address,
      mode: own.mode ?? 'subscribe',
      samplingIntervalMs: own.samplingIntervalMs ?? device.samplingIntervalMs,
      queueSize: own.queueSize ?? device.queueSize,
      deadbandPercent: own.deadbandPercent,
    });
  }
  return { points, problems };
}
