import { ObjectType } from '@bacnet-js/client';
import type { AssetConfig } from '../core/config/site-schema.js';
import type { SiteModel } from '../core/model/site-model.js';
import { presentValue, type SimModel } from './bacnet-models.js';
import { dayFactor, occupancy, siteWall } from './curves.js';
import { EquipmentModel } from './equipment-models.js';
import { seededRandom } from './meter-models.js';

/**
 * What ties the simulated devices of a site together: the outdoor air, each floor's occupancy, CO₂ and
 * temperature (set by the AHUs serving it), and the electrical loads behind each meter. The Modbus, OPC UA,
 * BACnet and MQTT simulators register their equipment here and read from it, so a lighting circuit switched
 * off lowers the lighting and incomer meters' power, a closed outdoor-air damper lets CO₂ rise, an AHU stopped at
 * night lets its floors drift toward outdoor. The demo's history generator (hub/demo-history.ts) drives the same
 * object with simulated time.
 *
 * Everything advances lazily to `clock()` when read, in steps of at most a minute.
 */

/** An AHU as the zones see it. */
export interface AhuView {
  assetId: string;
  running(): boolean;
  /** Outdoor-air damper, %. */
  oaPct(): number;
  /** The zone temperature it holds while running, °C. */
  zoneSetpointC(): number;
}

/** An electrical load: its asset (kind and zone place it behind meters) and its power now. */
export interface Load {
  assetId: string;
  kind: string;
  zone: string;
  kw(now: number): number;
}

interface ZoneAir {
  zone: string;
  profile: 'office' | 'canteen' | 'dormitory';
  co2: number;
  temp: number;
  ahu?: AhuView;
}

const OUTDOOR_CO2 = 420;
/** ppm per hour a fully occupied floor adds to its air (people breathe ~20 L CO₂ an hour each). */
const CO2_GENERATION = 1000;
const HVAC_KINDS = new Set(['ahu', 'chiller', 'pump', 'cooling-tower']);

/** Monthly mean outdoor temperature in Hefei-like climate (°C), January first. */
const MONTHLY_MEAN = [3, 5, 10, 16, 22, 26, 29, 28, 24, 18, 11, 5];

export class SitePhysics {
  readonly timeZone: string;
  private readonly zones = new Map<string, ZoneAir>();
  private readonly ahus = new Map<string, AhuView>();
  private readonly loads: Load[] = [];
  private last: number;
  private readonly rnd: () => number;
  private wall?: { at: number; hour: number; weekday: number; date: string };

  constructor(
    private readonly site: SiteModel,
    readonly clock: () => number = Date.now,
    /** Days the offices are closed (statutory holidays), YYYY-MM-DD; weekends always are. */
    private readonly holidays: ReadonlySet<string> = new Set(),
  ) {
    this.timeZone = site.site.timezone;
    this.rnd = seededRandom(`physics-${site.site.id}`);
    this.last = clock();
    for (const z of site.zones)
      if (z.kind === 'floor')
        this.zones.set(z.id, {
          zone: z.id,
          profile: /canteen|kitchen/i.test(`${z.id} ${z.name}`)
            ? 'canteen'
            : /dorm/i.test(`${z.id} ${z.name}`)
              ? 'dormitory'
              : 'office',
          co2: OUTDOOR_CO2 + 30,
          temp: 22,
        });
  }

  /** The building (a `building` zone) an asset or zone is in. */
  buildingOf(zoneId: string): string | undefined {
    let z = this.site.zoneById.get(zoneId);
    while (z && z.kind !== 'building') z = z.parent ? this.site.zoneById.get(z.parent) : undefined;
    return z?.id;
  }

  private at(now: number) {
    if (!this.wall || Math.abs(now - this.wall.at) > 30_000)
      this.wall = { at: now, ...siteWall(now, this.timeZone) };
    return this.wall;
  }

  /** Outdoor air, °C: the month's mean, ±4 K over the day (coolest at dawn), a slow weather wander. */
  outdoorC(now = this.clock()): number {
    const month = new Date(now).getUTCMonth();
    const { hour } = this.at(now);
    const weather = 2.5 * Math.sin(now / 2.6e8) + 1.2 * Math.sin(now / 7.1e7 + 1);
    return MONTHLY_MEAN[month]! + 4 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + weather;
  }

  /** 0..1: how full a floor is now (its curve, weekends and holidays). */
  occupancy(zoneId: string, now = this.clock()): number {
    const z = this.zones.get(zoneId);
    const profile = z?.profile ?? 'office';
    const { hour, weekday, date } = this.at(now);
    const day = this.holidays.has(date) && profile === 'office' ? 0.08 : dayFactor(weekday, profile);
    return occupancy(hour, profile) * day;
  }

  /**
   * Register an AHU. It serves the floor it stands in, or (in a plant room or on the roof) its building's floors
   * that no floor AHU serves, shared round-robin between the building's AHUs in the site file's order.
   */
  addAhu(view: AhuView): void {
    this.ahus.set(view.assetId, view);
    this.assignAhus();
  }

  private assignAhus() {
    for (const z of this.zones.values()) z.ahu = undefined;
    const byBuilding = new Map<string, AhuView[]>();
    for (const ahu of this.ahus.values()) {
      const asset = this.site.assetById.get(ahu.assetId);
      if (!asset) continue;
      const own = this.zones.get(asset.zone);
      if (own) {
        own.ahu = ahu;
        continue;
      }
      const b = this.buildingOf(asset.zone);
      if (!b) continue;
      byBuilding.set(b, [...(byBuilding.get(b) ?? []), ahu]);
    }
    for (const [b, list] of byBuilding) {
      const floors = [...this.zones.values()].filter((z) => !z.ahu && this.buildingOf(z.zone) === b);
      floors.forEach((z, i) => {
        z.ahu = list[i % list.length];
      });
    }
  }

  /** The floors an AHU serves. */
  zonesOf(ahuId: string): string[] {
    return [...this.zones.values()].filter((z) => z.ahu?.assetId === ahuId).map((z) => z.zone);
  }

  /** Whether the physics models a floor's air (it is a floor zone). */
  hasZone(zoneId: string): boolean {
    return this.zones.has(zoneId);
  }

  /** A floor's CO₂, ppm, now. */
  co2(zoneId: string, now = this.clock()): number {
    this.advance(now);
    return this.zones.get(zoneId)?.co2 ?? OUTDOOR_CO2;
  }

  /** A floor's air temperature, °C, now. */
  temperature(zoneId: string, now = this.clock()): number {
    this.advance(now);
    return this.zones.get(zoneId)?.temp ?? 22;
  }

  /** The mean temperature of the floors an AHU serves (its return air), or undefined when it serves none. */
  returnAirC(ahuId: string, now = this.clock()): number | undefined {
    const zones = this.zonesOf(ahuId);
    if (!zones.length) return undefined;
    this.advance(now);
    return zones.reduce((s, z) => s + this.zones.get(z)!.temp, 0) / zones.length;
  }

  /**
   * The cooling a building's running AHUs ask of each of its chillers, % of one chiller's capacity: their
   * floors' people and equipment, and the outdoor air they bring in (the further from 22 °C, the more it costs
   * to treat; the simulated chillers stand for the plant's heat pumps in winter). 0 when no AHU runs.
   */
  coolingLoadPct(building: string, now = this.clock()): number {
    const ahus = [...this.ahus.values()].filter((a) => {
      const asset = this.site.assetById.get(a.assetId);
      return asset && this.buildingOf(asset.zone) === building;
    });
    const running = ahus.filter((a) => a.running());
    if (!running.length) return 0;
    const dT = Math.abs(this.outdoorC(now) - 22);
    let total = 0;
    for (const a of running) {
      const zones = this.zonesOf(a.assetId);
      const occ = zones.length ? zones.reduce((s, z) => s + this.occupancy(z, now), 0) / zones.length : 0.5;
      // a warmer room setpoint asks less of the plant (the demand limiter's room-setpoint shed)
      total += Math.max(5, 15 + 35 * occ + 0.03 * a.oaPct() * dT + 3 * (24 - a.zoneSetpointC()));
    }
    // shared between the building's chillers
    const chillers = this.site.assets.filter(
      (x) => x.kind === 'chiller' && this.buildingOf(x.zone) === building,
    ).length;
    return Math.min(100, total / Math.max(1, chillers));
  }

  /** Register an electrical load (a lighting circuit, an AHU's fan, a chiller, a pump). */
  addLoad(load: Load): void {
    this.loads.push(load);
  }

  /**
   * The loads a meter measures, by what the meter is (its id and name): an HVAC sub-meter the HVAC equipment
   * of its building, a lighting sub-meter the lighting, an incomer (main) everything in its building; any
   * other meter none. Undefined when it measures none of the registered loads.
   */
  loadsBehind(meter: AssetConfig): ((now: number) => number) | undefined {
    const building = this.buildingOf(meter.zone);
    const key = `${meter.id} ${meter.name}`.toLowerCase();
    const kinds = /hvac/.test(key)
      ? (k: string) => HVAC_KINDS.has(k)
      : /light/.test(key)
        ? (k: string) => k === 'lighting'
        : /main|incomer/.test(key)
          ? () => true
          : undefined;
    if (!kinds || !building) return undefined;
    const mine = () =>
      this.loads.filter(
        (l) => kinds(l.kind) && this.buildingOf(l.zone) === building && l.assetId !== meter.id,
      );
    // loads register after the meters are built: look them up when read
    return (now) => mine().reduce((s, l) => s + l.kw(now), 0);
  }

  /** Advance every floor's air to `now` (in steps of at most a minute). */
  advance(now = this.clock()): void {
    let dtS = (now - this.last) / 1000;
    if (dtS <= 0) return;
    if (dtS > 7 * 86_400) dtS = 7 * 86_400; // a clock jump: settle, do not integrate a month
    const outdoor = this.outdoorC(now);
    let t = this.last;
    while (dtS > 0) {
      const step = Math.min(60, dtS);
      t += step * 1000;
      dtS -= step;
      for (const z of this.zones.values()) this.stepZone(z, step, t, outdoor);
    }
    this.last = now;
  }

  private stepZone(z: ZoneAir, dtS: number, now: number, outdoor: number) {
    const occ = this.occupancy(z.zone, now);
    const running = z.ahu?.running() ?? false;
    const oa = running ? z.ahu!.oaPct() : 0;
    // air changes an hour of outdoor air: the AHU's fresh air, or infiltration
    const ach = running ? 0.5 + (4 * oa) / 100 : 0.25;
    const gen = CO2_GENERATION * occ;
    // dC/dt = gen − ach (C − outdoor): exact over the step
    const steady = OUTDOOR_CO2 + gen / ach;
    z.co2 = steady + (z.co2 - steady) * Math.exp((-ach * dtS) / 3600);
    z.co2 += (this.rnd() - 0.5) * 2;
    // temperature: held at the AHU's setpoint while it runs (people warm it a little), else drifting to a
    // free-running temperature over hours
    const target = running
      ? z.ahu!.zoneSetpointC() + 0.6 * occ
      : outdoor + 6 + 3 * occ + (z.profile === 'dormitory' ? 8 : 0);
    const tau = running ? 1800 : 4 * 3600;
    z.temp = target + (z.temp - target) * Math.exp(-dtS / tau);
  }
}

/**
 * A BACnet controller's model as loads (and an AHU) of the site: an AHU's fan (5.5 kW while its fan command is
 * on) serving its floor, a lighting controller's zones (1 kW each while on).
 */
export function simModelLoads(physics: SitePhysics, asset: AssetConfig, model: SimModel): void {
  const find = (type: ObjectType, instance: number) =>
    model.objects.find((o) => o.type === type && o.instance === instance);
  const base = { assetId: asset.id, kind: asset.kind, zone: asset.zone };
  if (model.kind === 'ahu') {
    const fan = find(ObjectType.BINARY_VALUE, 1);
    const damper = find(ObjectType.ANALOG_OUTPUT, 1);
    const running = () => (fan ? presentValue(fan) === 1 : false);
    physics.addLoad({ ...base, kw: () => (running() ? 5.5 : 0) });
    physics.addAhu({
      assetId: asset.id,
      running,
      oaPct: () => (damper ? presentValue(damper) : 30),
      zoneSetpointC: () => 24,
    });
  } else if (model.kind === 'lighting') {
    const zones = model.objects.filter((o) => o.type === ObjectType.BINARY_OUTPUT);
    physics.addLoad({ ...base, kw: () => zones.filter((z) => presentValue(z) === 1).length * 1 + 0.05 });
  }
}

/**
 * One equipment model per asset with OPC UA points, coupled to the site's physics when given: each AHU serves
 * floors (their CO₂ and temperature follow its fan, damper and setpoint), each chiller answers its building's
 * AHUs, and every model with an electrical model is a load behind its building's meters. The demo's history
 * generator builds the same models.
 */
export function equipmentModels(site: SiteModel, physics?: SitePhysics): Map<string, EquipmentModel> {
  const models = new Map<string, EquipmentModel>();
  for (const [assetId, defs] of site.pointsByAsset) {
    const own = defs.filter((d) => d.protocol === 'opcua');
    if (own.length === 0) continue;
    const asset = site.assetById.get(assetId)!;
    const building = physics?.buildingOf(asset.zone);
    const env = physics
      ? {
          ...(asset.kind === 'chiller' && building
            ? { coolingLoadPct: () => physics.coolingLoadPct(building) }
            : {}),
          ...(asset.kind === 'ahu' ? { returnAirC: () => physics.returnAirC(assetId) } : {}),
        }
      : undefined;
    const model = new EquipmentModel(asset.kind, own, assetId, env);
    models.set(assetId, model);
    if (!physics) continue;
    if (['chiller', 'ahu', 'pump'].includes(asset.kind))
      physics.addLoad({ assetId, kind: asset.kind, zone: asset.zone, kw: () => model.powerKw() });
    if (asset.kind === 'ahu')
      physics.addAhu({
        assetId,
        running: () => model.physicsValue('running') === true,
        oaPct: () => Number(model.physicsValue('damper_pct') ?? 0),
        zoneSetpointC: () => Number(model.physicsValue('zone_temp_setpoint_c') ?? 24),
      });
  }
  return models;
}
