import type { SiteModel } from '../../core/model/site-model.js';
import type { ModbusDevice, ModbusProfile, ModbusSource, ModbusType } from './modbus-schema.js';
import { loadProfile } from './profiles/index.js';

/** The Modbus fields a point may carry in the site file. */
export interface ModbusPointFields {
  table?: ModbusSource['table'];
  register?: number;
  dataType?: ModbusType;
  order?: ModbusSource['order'];
  bit?: number;
  length?: number;
  from?: string;
}

/**
 * Where each Modbus point's value lives: the point's own fields, filled in from its device's profile by
 * point name. Returns the sources and, for the site file's error list, the points that end up incomplete.
 */
export function resolveSources(site: SiteModel): {
  sources: Map<string, ModbusSource>;
  problems: { pointId: string; message: string }[];
  profileProblems: { deviceId: string; message: string }[];
} {
  const sources = new Map<string, ModbusSource>();
  const problems: { pointId: string; message: string }[] = [];
  const profiles = new Map<string, ModbusProfile | string>();
  const profileProblems: { deviceId: string; message: string }[] = [];
  // A point read as its profile has it (no fields of its own) shares that entry's source with every other
  // such point: a thousand meters of one profile hold 40 sources, not 40,000. Sources are read, never changed.
  const shared = new Map<ModbusProfile, Map<string, ModbusSource>>();
  for (const d of site.devicesOf('modbus') as ModbusDevice[]) {
    if (!d.profile) continue;
    if (!profiles.has(d.profile)) profiles.set(d.profile, loadProfile(d.profile));
    const p = profiles.get(d.profile)!;
    if (typeof p === 'string') profileProblems.push({ deviceId: d.id, message: p });
  }
  for (const point of site.points) {
    if (point.protocol !== 'modbus' || !point.deviceId) continue;
    const device = site.deviceById.get(point.deviceId) as ModbusDevice;
    let profile: ModbusProfile | undefined;
    if (device.profile) {
      if (!profiles.has(device.profile)) profiles.set(device.profile, loadProfile(device.profile));
      const p = profiles.get(device.profile)!;
      if (typeof p === 'object') profile = p;
    }
    const own = point.config as ModbusPointFields;
    const entry = own.from ?? point.name;
    const fromProfile = profile?.points[entry];
    const ownFields =
      own.register !== undefined ||
      own.table !== undefined ||
      own.dataType !== undefined ||
      own.order !== undefined ||
      own.bit !== undefined ||
      own.length !== undefined;
    const sharedKey = `${point.type} ${entry}`;
    let bySharedKey: Map<string, ModbusSource> | undefined;
    if (profile && fromProfile && !ownFields) {
      bySharedKey = shared.get(profile) ?? new Map();
      shared.set(profile, bySharedKey);
      const same = bySharedKey.get(sharedKey);
      if (same) {
        sources.set(point.id, same);
        continue;
      }
    }
    const register = own.register ?? fromProfile?.register;
    if (register === undefined) {
      problems.push({
        pointId: point.id,
        message: profile
          ? `no register: profile "${profile.name}" has no point "${own.from ?? point.name}" (it has ${Object.keys(profile.points).join(', ')})`
          : 'no register (give register, or a profile on the device)',
      });
      continue;
    }
    const dataType = own.dataType ?? fromProfile?.dataType ?? (point.type === 'boolean' ? 'bool' : 'uint16');
    const table =
      own.table ?? fromProfile?.table ?? (dataType === 'bool' && own.bit === undefined ? 'coil' : 'holding');
    const source: ModbusSource = {
      table,
      register,
      dataType,
      order: own.order ?? fromProfile?.order ?? 'ABCD',
      bit: own.bit ?? fromProfile?.bit,
      length: own.length ?? fromProfile?.length,
      // the profile's scale and unit apply to its own register map only
      scale: own.register === undefined ? fromProfile?.scale : undefined,
      unit: own.register === undefined ? fromProfile?.unit : undefined,
    };
    sources.set(point.id, source);
    bySharedKey?.set(sharedKey, source);
  }
  return { sources, problems, profileProblems };
}
