import type { BacnetPointFields } from '../adapters/bacnet/bacnet-schema.js';
import { parseObjectKey } from '../adapters/bacnet/values.js';
import { adapterFactories } from '../adapters/index.js';
import type { ModbusDevice } from '../adapters/modbus/modbus-schema.js';
import { resolveSources } from '../adapters/modbus/sources.js';
import { pointTransforms } from '../core/devices/transform.js';
import type { PointValue, Reading } from '../core/model/reading.js';
import type { PointDef, SiteModel } from '../core/model/site-model.js';
import { presentValue, type SimModel, type SimObject } from './bacnet-models.js';
import { bacnetModelFor } from './bacnet-simulation.js';
import { type CounterSnapshot, snapshotCounters } from './counters.js';
import { type CurveState, curveValue, siteHour } from './curves.js';
import type { EquipmentModel } from './equipment-models.js';
import type { Values } from './meter-models.js';
import { ModbusSimulation } from './modbus-devices.js';
import { equipmentModels, SitePhysics, simModelLoads } from './site-physics.js';

/**
 * The simulated site without servers, on a clock of its own: the same device models the simulators serve
 * (Modbus meters, drives and lighting relays, the OPC UA equipment, the BACnet controllers, the floors' air),
 * coupled by the same SitePhysics, stepped through simulated time and read as the hub would read them (each
 * point in its engineering unit). The demo's history generator replays weeks with it in seconds.
 */
export class SiteReplay {
  readonly physics: SitePhysics;
  readonly modbus: ModbusSimulation;
  readonly equipment: Map<string, EquipmentModel>;
  readonly bacnet = new Map<string, SimModel>();
  private readonly objects = new Map<string, SimObject>();
  private readonly transforms;
  private readonly scale = new Map<string, number>();
  private readonly profiled = new Set<string>();
  private readonly curveState: CurveState = { counters: new Map(), flags: new Map() };
  private cache = new Map<string, Values>();
  private t0: number;
  now: number;

  constructor(
    private readonly site: SiteModel,
    start: number,
    holidays: ReadonlySet<string> = new Set(),
  ) {
    this.now = start;
    this.t0 = start;
    this.physics = new SitePhysics(site, () => this.now, holidays);
    // Modbus devices: built, never started (no server listens)
    this.modbus = new ModbusSimulation(site, { physics: this.physics, start });
    this.equipment = equipmentModels(site, this.physics);
    for (const d of site.devicesOf('bacnet')) {
      const points = site.pointsByDevice.get(d.id) ?? [];
      const asset = site.assetById.get(points[0]?.assetId ?? '');
      if (!asset) continue;
      const model = bacnetModelFor(asset.kind, points);
      simModelLoads(this.physics, asset, model);
      this.bacnet.set(asset.id, model);
      for (const p of points) {
        const ref = parseObjectKey((p.config as unknown as BacnetPointFields).object);
        const o = ref && model.objects.find((x) => x.type === ref.type && x.instance === ref.instance);
        if (o) this.objects.set(p.id, o);
      }
    }
    this.transforms = pointTransforms(site, adapterFactories);
    const { sources } = resolveSources(site);
    for (const [id, s] of sources) if (s.scale !== undefined) this.scale.set(id, s.scale);
    for (const d of site.devicesOf('modbus') as ModbusDevice[]) if (d.profile) this.profiled.add(d.id);
    // every model starts at the replay's start
    for (const d of this.modbus.devices.values()) d.values(start);
  }

  /** Advance every model to `to` in steps of `stepMs`, calling `each` after every step (controls act there). */
  run(to: number, stepMs: number, each?: (now: number) => void): void {
    while (this.now < to) {
      const dt = Math.min(stepMs, to - this.now);
      this.now += dt;
      for (const m of this.equipment.values()) m.step(dt);
      const t = (this.now - this.t0) / 1000;
      for (const m of this.bacnet.values()) m.step(dt / 1000, t);
      this.physics.advance(this.now);
      // the meters and drives integrate their counters over each step
      this.cache.clear();
      for (const d of this.modbus.devices.values()) this.cache.set(d.device.id, d.values(this.now));
      each?.(this.now);
    }
  }

  /** Every counter now (the live simulators start from them: simulators/counters.ts). */
  counters(): CounterSnapshot {
    return snapshotCounters(this.modbus, this.equipment, this.now);
  }

  /** A command as the device would take it (the hub's priority arrays are not involved). */
  write(pointId: string, value: PointValue): boolean {
    const p = this.site.pointById.get(pointId);
    if (!p?.deviceId) return false;
    switch (p.protocol) {
      case 'modbus': {
        const model = this.modbus.devices.get(p.deviceId)?.model;
        if (!model || typeof value === 'string') return false;
        const name = (p.config as { from?: string }).from ?? p.name;
        return model.write(name, value, this.now) === 'ok';
      }
      case 'opcua':
        return this.equipment.get(p.assetId)?.write(p.name, value) === 'ok';
      case 'bacnet': {
        const o = this.objects.get(pointId);
        if (!o?.priority) return false;
        o.priority[15] = typeof value === 'boolean' ? Number(value) : Number(value);
        return true;
      }
      default:
        return false;
    }
  }

  /** A point's value now in its engineering unit, as the hub would read it; undefined: not simulated here. */
  read(pointId: string): PointValue | undefined {
    const p = this.site.pointById.get(pointId);
    if (!p?.deviceId) return undefined;
    switch (p.protocol) {
      case 'modbus': {
        let values = this.cache.get(p.deviceId);
        if (!values) {
          values = this.modbus.devices.get(p.deviceId)?.values(this.now);
          if (!values) return undefined;
          this.cache.set(p.deviceId, values);
        }
        const v = values[(p.config as { from?: string }).from ?? p.name];
        if (v === undefined) return undefined;
        if (typeof v === 'boolean') return v;
        // a profile's value is in the profile's unit: the hub scales and converts it (W → kW)
        if (!this.profiled.has(p.deviceId)) return v;
        return this.transforms.forward(p, v / (this.scale.get(p.id) ?? 1));
      }
      case 'opcua': {
        const m = this.equipment.get(p.assetId);
        return m?.has(p.name) ? m.value(p.name) : undefined;
      }
      case 'bacnet': {
        const o = this.objects.get(pointId);
        if (!o) return undefined;
        const v = presentValue(o);
        return p.type === 'boolean' ? v === 1 : v;
      }
      case 'mqtt':
        return this.mqttValue(p);
      default:
        return undefined;
    }
  }

  private mqttValue(p: PointDef): PointValue | undefined {
    if (p.kind === 'command') return undefined;
    const zone = this.site.assetById.get(p.assetId)?.zone ?? '';
    if (this.physics.hasZone(zone)) {
      if (p.name === 'temp_c') return Math.round(this.physics.temperature(zone) * 100) / 100;
      if (p.name === 'co2_ppm') return Math.round(this.physics.co2(zone));
    }
    if (this.site.assetById.get(p.assetId)?.kind === 'gate') return undefined; // the gates speak for themselves
    const profile = /b2-f1|canteen/.test(zone) ? 'canteen' : /b2-f2|dorm/.test(zone) ? 'dormitory' : 'office';
    return curveValue(p, siteHour(this.now, this.site.site.timezone), profile, this.curveState);
  }

  /** Readings of the given points now (those the replay simulates), quality good. */
  readings(points: readonly PointDef[]): Reading[] {
    const out: Reading[] = [];
    for (const p of points) {
      const value = this.read(p.id);
      if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) continue;
      out.push({ pointId: p.id, value, quality: 'good', ts: this.now });
    }
    return out;
  }
}
