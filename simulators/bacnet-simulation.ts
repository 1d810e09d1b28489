import { EngineeringUnits, Reliability } from '@bacnet-js/client';
import type { BacnetDeviceConfig, BacnetPointFields } from '../adapters/bacnet/bacnet-schema.js';
import { hubUnit } from '../adapters/bacnet/units.js';
import { objectKey, parseObjectKey } from '../adapters/bacnet/values.js';
import type { PointDef, SiteModel } from '../core/model/site-model.js';
import { SimulatedBacnetDevice } from './bacnet-devices.js';
import type { MalformedKind } from './bacnet-frames.js';
import {
  ahuModel,
  genericModel,
  isAnalog,
  isBinary,
  lightingModel,
  presentValue,
  type SimModel,
  type SimObject,
  siteObject,
} from './bacnet-models.js';
import { siteHour } from './curves.js';
import { type SitePhysics, simModelLoads } from './site-physics.js';

const BACNET_PORT = 47808;

const httpError = (statusCode: 400 | 404, message: string) =>
  Object.assign(new Error(message), { statusCode });

export interface SimBacnetStatus {
  deviceId: string;
  protocol: 'bacnet';
  /** The Device object's instance number. */
  instance: number;
  /** `host:port` it answers on: the site file's address, unless the simulation was told otherwise. */
  address: string;
  model: SimModel['kind'];
  /** online: answers; offline: bound but silent (a hung controller). */
  state: 'online' | 'offline';
  frozen: boolean;
  slowMs: number;
  /** false: SubscribeCOV is rejected. */
  cov: boolean;
  maxApdu: number;
  covSubscriptions: number;
  /** The addresses that sent it something in the last minute (the hub's socket). */
  peers: string[];
  whoIs: number;
  reads: number;
  writes: number;
  subscribes: number;
  notifications: number;
  aborts: number;
}

/** An object as the control API shows it: present value, who commands it, its health. */
export interface SimBacnetObjectStatus {
  object: string;
  name: string;
  presentValue: number;
  /** Commandable objects: the priorities set (1 highest … 16), and the value when none is. */
  priorities?: Record<string, number>;
  relinquishDefault?: number;
  reliability: string;
  outOfService: boolean;
  inAlarm: boolean;
  overridden: boolean;
}

export interface BacnetSimulationOptions {
  /** The address every device binds (0.0.0.0 in a container); default each device's own address's host. */
  host?: string;
  /** A device's port in the site file → the port to answer on (tests use free ones; 0: any free port). */
  portOf?: (port: number) => number;
  /** How often the models step (default 1,000 ms; 0: only when tick() is called). */
  tickMs?: number;
  /** The controllers' own time programs at priority 16 (default on). */
  programs?: boolean;
  /** The site's shared physics: an AHU's fan and a lighting controller's zones are loads behind the meters. */
  physics?: SitePhysics;
}

/** The reliability names the fault route takes: `no-sensor`, `over-range`, `no-fault-detected` (clears) … */
export function reliabilityOf(name: string): Reliability | undefined {
  if (/^\d+$/.test(name)) return Reliability[Number(name)] === undefined ? undefined : Number(name);
  const n = (Reliability as unknown as Record<string, number | undefined>)[
    name.toUpperCase().replaceAll('-', '_')
  ];
  return typeof n === 'number' ? n : undefined;
}

const reliabilityName = (r: number) => Reliability[r]?.toLowerCase().replaceAll('_', '-') ?? String(r);

/**
 * Every BACnet/IP device of a site file that has an address, as a SimulatedBacnetDevice on that address (a UDP
 * port each): the model fits its asset (an ahu gets the air handler, lighting the lighting controller, any
 * other kind only the objects its points name), and every object a site point names is served. The
 * controllers run their own time programs at priority 16, BACnet's lowest: the AHU's fan 06:00–22:00, the
 * lighting zones 07:00–19:00 (mode Occupied, else Night), site time; anything written at a higher priority
 * (the hub's operator at 8) wins. Devices found only by Who-Is (no address) are not simulated.
 */
export class BacnetSimulation {
  readonly devices = new Map<string, SimulatedBacnetDevice>();
  readonly tickMs: number;
  ticks = 0;
  /** Time stands still while paused: no model moves, no program switches. */
  paused = false;
  private readonly programs = new Map<string, (now: number) => void>();
  private readonly instances = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(site: SiteModel, options: BacnetSimulationOptions = {}) {
    this.tickMs = options.tickMs ?? 1000;
    for (const d of site.devicesOf('bacnet') as unknown as BacnetDeviceConfig[]) {
      if (!d.address) continue;
      const [ownHost, ownPort] = d.address.split(':');
      const port = ownPort ? Number(ownPort) : BACNET_PORT;
      const points = site.pointsByDevice.get(d.id) ?? [];
      const asset =
        site.assetById.get(points[0]?.assetId ?? '') ?? site.assets.find((a) => a.device === d.id);
      const model = bacnetModelFor(asset?.kind, points);
      if (options.physics && asset) simModelLoads(options.physics, asset, model);
      const device = new SimulatedBacnetDevice({
        deviceId: d.instance,
        name: d.name ?? d.id,
        model,
        host: options.host ?? ownHost,
        port: options.portOf?.(port) ?? port,
        tickMs: 0, // the simulation steps them all on one timer
      });
      this.devices.set(d.id, device);
      this.instances.set(d.id, d.instance);
      const program = options.programs === false ? undefined : programFor(model, device, site.site.timezone);
      if (program) this.programs.set(d.id, program);
    }
  }

  /** Bind every device; rejects (with none left bound) when one of the ports cannot be bound. */
  async start(): Promise<void> {
    try {
      await Promise.all([...this.devices.values()].map((d) => d.start()));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.runPrograms();
    if (this.tickMs > 0) this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.devices.values()].map((d) => d.stop()));
  }

  /**
   * Resolves once no answering device holds a COV subscription (true), or after `timeoutMs` (false). On a
   * shutdown the devices answer until then: a hub stopping at the same time cancels its subscriptions and is
   * not left waiting for answers from devices that are already gone.
   */
  async unsubscribed(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    const held = () =>
      [...this.devices.values()].some((d) => d.running && d.isAnswering && d.covSubscriptions().length > 0);
    while (held()) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Step every model one tick (a frozen device's stands still) and send the COV notifications due. */
  tick(): void {
    if (this.paused) return;
    this.ticks++;
    this.runPrograms();
    for (const d of this.devices.values()) d.tick(this.tickMs / 1000);
  }

  private runPrograms(now = Date.now()): void {
    for (const [id, run] of this.programs) if (!this.device(id).frozen) run(now);
  }

  device(id: string): SimulatedBacnetDevice {
    const d = this.devices.get(id);
    if (!d) throw httpError(404, `no simulated BACnet device "${id}"`);
    return d;
  }

  object(id: string, key: string): SimObject {
    const d = this.device(id);
    const ref = parseObjectKey(key);
    const o = ref && d.objectList().find((x) => x.type === ref.type && x.instance === ref.instance);
    if (!o) throw httpError(404, `no object "${key}" on simulated BACnet device "${id}"`);
    return o;
  }

  status(id: string): SimBacnetStatus {
    const d = this.device(id);
    return {
      deviceId: id,
      protocol: 'bacnet',
      instance: this.instances.get(id)!,
      address: d.address,
      model: d.options.model.kind,
      state: d.isAnswering ? 'online' : 'offline',
      frozen: d.frozen,
      slowMs: d.slowMs,
      cov: d.covEnabled,
      maxApdu: d.maxApdu,
      covSubscriptions: d.running ? d.covSubscriptions().length : 0,
      peers: d.peers(),
      ...d.stats,
      aborts: d.aborts,
    };
  }

  objects(id: string): SimBacnetObjectStatus[] {
    return this.device(id)
      .objectList()
      .map((o) => this.objectStatus(o));
  }

  objectStatus(o: SimObject): SimBacnetObjectStatus {
    const priorities = o.priority
      ? Object.fromEntries(o.priority.flatMap((v, i) => (v === null ? [] : [[String(i + 1), v]])))
      : undefined;
    return {
      object: objectKey(o),
      name: o.name,
      presentValue: presentValue(o),
      ...(priorities && { priorities, relinquishDefault: o.relinquishDefault }),
      reliability: reliabilityName(o.reliability),
      outOfService: o.outOfService,
      inAlarm: o.inAlarm,
      overridden: o.overridden,
    };
  }

  /** Stop answering anything (the port stays bound, as with a hung controller), or answer again. */
  setAnswering(id: string, on: boolean): SimBacnetStatus {
    this.device(id).setAnswering(on);
    return this.status(id);
  }

  /** The device's model stands still (its values with it), or moves again. */
  freeze(id: string, on: boolean): SimBacnetStatus {
    this.device(id).frozen = on;
    return this.status(id);
  }

  slow(id: string, ms: number): SimBacnetStatus {
    this.device(id).slow(ms);
    return this.status(id);
  }

  /** Broken datagrams to everyone who talked to the device in the last minute (the hub's socket). */
  garbage(id: string, kind: MalformedKind, count: number): { sent: number; to: string[] } {
    const d = this.device(id);
    const to = d.peers();
    if (!to.length) throw httpError(400, `nobody has sent BACnet device "${id}" anything in the last minute`);
    for (let i = 0; i < count; i++) for (const peer of to) d.sendMalformed(peer, kind);
    return { sent: count * to.length, to };
  }

  /** An object's health: a reliability other than no-fault-detected is a fault; out of service, in alarm, overridden. */
  fault(
    id: string,
    key: string,
    f: Partial<Pick<SimObject, 'reliability' | 'outOfService' | 'inAlarm' | 'overridden'>>,
  ): SimBacnetObjectStatus {
    const o = this.object(id, key);
    this.device(id).fault(objectKey(o), f);
    return this.objectStatus(o);
  }

  /** An input's value (the model moves it on unless out of service); a commandable object's at priority 16. */
  setValue(id: string, key: string, value: number | null): SimBacnetObjectStatus {
    const o = this.object(id, key);
    if (value === null && !o.priority) throw httpError(400, `${key} has no priority array: give a value`);
    this.device(id).setValue(objectKey(o), value);
    return this.objectStatus(o);
  }

  /** false: SubscribeCOV is rejected from now on (the subscriptions there are run on until they lapse). */
  setCov(id: string, on: boolean): SimBacnetStatus {
    this.device(id).covEnabled = on;
    return this.status(id);
  }

  /** The device forgets its COV subscriptions, as on a restart; the subscriber's next renewal brings them back. */
  dropSubscriptions(id: string): { dropped: number } {
    return { dropped: this.device(id).dropSubscriptions() };
  }

  setMaxApdu(id: string, octets: number): SimBacnetStatus {
    try {
      this.device(id).setMaxApdu(octets);
    } catch (err) {
      throw httpError(400, (err as Error).message);
    }
    return this.status(id);
  }
}

/** Serve the objects the site's points name that the model lacks, as they are written there. */
/** The simulated controller for an asset of a kind: its model's objects, and every object its site points name. */
export function bacnetModelFor(kind: string | undefined, points: PointDef[]): SimModel {
  const model = kind === 'ahu' ? ahuModel() : kind === 'lighting' ? lightingModel() : genericModel();
  addSiteObjects(model, points);
  return model;
}

function addSiteObjects(model: SimModel, points: PointDef[]): void {
  const have = new Set(model.objects.map(objectKey));
  for (const p of points) {
    const ref = parseObjectKey((p.config as unknown as BacnetPointFields).object);
    if (!ref || have.has(objectKey(ref))) continue;
    have.add(objectKey(ref));
    const middle = p.min !== undefined && p.max !== undefined ? (p.min + p.max) / 2 : (p.min ?? 0);
    model.objects.push(
      siteObject(ref.type, ref.instance, p.label ?? p.name, {
        command: p.kind === 'command',
        value: isAnalog(ref.type) ? middle : isBinary(ref.type) ? 0 : 1,
        units: unitsOf(p.unit),
        states: p.max,
      }),
    );
  }
}

let unitTable: Map<string, EngineeringUnits> | undefined;

/** The BACnet units for a hub unit (`degC` → degrees-celsius), where there is one. */
function unitsOf(unit: string): EngineeringUnits | undefined {
  unitTable ??= new Map(
    Object.values(EngineeringUnits)
      .filter((u): u is EngineeringUnits => typeof u === 'number')
      .flatMap((u) => {
        const name = hubUnit(u);
        return name ? [[name, u] as const] : [];
      }),
  );
  return unit ? unitTable.get(unit) : undefined;
}

/**
 * A controller's own time program: it commands at priority 16 when its state changes (as a BACnet schedule
 * does), so a value written at 16 by hand holds until the next change, and a higher priority always wins.
 */
function programFor(
  model: SimModel,
  device: SimulatedBacnetDevice,
  timeZone: string,
): ((now: number) => void) | undefined {
  const plan: Record<string, { from: number; to: number; on: [string, number][]; off: [string, number][] }> =
    {
      ahu: { from: 6, to: 22, on: [['binary-value:1', 1]], off: [['binary-value:1', 0]] },
      lighting: {
        from: 7,
        to: 19,
        on: [...zones(1), ['multi-state-value:1', 2]],
        off: [...zones(0), ['multi-state-value:1', 4]],
      },
    };
  const p = plan[model.kind];
  if (!p) return undefined;
  let last: boolean | undefined;
  return (now) => {
    const hour = siteHour(now, timeZone);
    const on = hour >= p.from && hour < p.to;
    if (on === last) return;
    last = on;
    for (const [key, value] of on ? p.on : p.off) device.setValue(key, value);
  };
}

function zones(value: number): [string, number][] {
  return Array.from({ length: 8 }, (_, i) => [`binary-output:${i + 1}`, value]);
}
