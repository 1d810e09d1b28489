import { type IServiceVector, ServerTCP } from 'modbus-serial';
import { bytesToRegisters, decodeValue, encodeValue, registersToBytes } from '../adapters/modbus/decode.js';
import {
  type ModbusDevice,
  type ModbusProfile,
  type ModbusSource,
  type ModbusTable,
  type ModbusType,
  registersOf,
} from '../adapters/modbus/modbus-schema.js';
import { loadProfile } from '../adapters/modbus/profiles/index.js';
import { resolveSources } from '../adapters/modbus/sources.js';
import type { AssetConfig } from '../core/config/site-schema.js';
import { PointTransforms } from '../core/devices/transform.js';
import type { PointDef, SiteModel } from '../core/model/site-model.js';
import { type CurveState, curveValue, siteHour } from './curves.js';
import {
  type DeviceModel,
  ElectricityMeterModel,
  FlowMeterModel,
  LightingCircuitModel,
  type LoadCurve,
  type Values,
  VfdModel,
} from './meter-models.js';
import type { SitePhysics } from './site-physics.js';

/** Thrown inside a request handler: modbus-serial answers it as that Modbus exception. */
interface ModbusException {
  modbusErrorCode: number;
  msg: string;
}

const exception = (code: number, msg: string): ModbusException => ({ modbusErrorCode: code, msg });
const isException = (e: unknown): e is ModbusException =>
  typeof e === 'object' && e !== null && typeof (e as ModbusException).modbusErrorCode === 'number';

/** Modbus exception codes the simulators answer with. */
export const ILLEGAL_DATA_ADDRESS = 2;
export const ILLEGAL_DATA_VALUE = 3;
export const DEVICE_FAILURE = 4;
export const GATEWAY_TARGET_FAILED = 11;

/** One register-map entry the device serves: physical value = raw register value × mul + add. */
interface ServedPoint {
  name: string;
  source: ModbusSource;
  kind: 'measurement' | 'counter' | 'state' | 'command';
  mul: number;
  add: number;
  /** Devices without a profile: the site point whose registers these are. */
  def?: PointDef;
}

export interface SimModbusStatus {
  deviceId: string;
  protocol: 'modbus';
  host: string;
  /** The port it listens on (the site file's, unless the simulation was told otherwise). */
  port: number;
  unitId: number;
  profile?: string;
  model: string;
  /** online: answers; offline: does not answer at all. */
  state: 'online' | 'offline';
  /** Its port accepts connections (false once every unit behind it is offline). */
  listening: boolean;
  frozen: boolean;
  slowMs: number;
  exception: { code: number; register?: number } | null;
  garbagePending: number;
  reads: number;
  writes: number;
  exceptions: number;
}

/**
 * One simulated Modbus device (a unit id on a port): it serves its profile's whole register map from a
 * physical model (or, without a profile, its site points' own registers from the daily curves), takes
 * writes to its command registers, and misbehaves on request.
 */
export class SimulatedModbusDevice {
  private readonly points: ServedPoint[];
  /** The physical model behind its registers (none: the daily curves). */
  readonly model?: DeviceModel;
  private readonly curve: LoadCurve;
  private readonly curveState: CurveState = { counters: new Map(), flags: new Map() };
  /** Devices without a model: command values written from the bus (or first drawn from the curve). */
  private readonly held = new Map<string, number | boolean>();
  private frozenValues?: Values;
  private exceptionRule: { code: number; register?: number } | null = null;
  readonly status: SimModbusStatus;

  constructor(
    private readonly site: SiteModel,
    readonly device: ModbusDevice,
    port: number,
    host: string,
    physics?: SitePhysics,
    /** When the models start (default now): a replay of the past starts them there. */
    start?: number,
  ) {
    const asset = assetOf(site, device.id);
    this.curve = curveOf(asset);
    const profile = device.profile ? loadProfile(device.profile) : undefined;
    if (typeof profile === 'string') throw new Error(`device ${device.id}: ${profile}`);
    this.points = profile ? profilePoints(profile) : ownPoints(site, device.id);
    this.model = profile
      ? modelFor(profile, asset, device, site.site.timezone, this.curve, physics, start)
      : asset?.kind === 'lighting'
        ? // a relay and dimmer per circuit: its own points (on_cmd, dim_cmd, on, dim_pct, power_kw, energy_kwh)
          new LightingCircuitModel({ ratedKw: ratedKwOf(asset, 4.5), ...(start ? { now: start } : {}) })
        : undefined;
    const model = this.model;
    if (physics && asset && model?.powerKw)
      physics.addLoad({
        assetId: asset.id,
        kind: asset.kind,
        zone: asset.zone,
        kw: (now) => model.powerKw!(now),
      });
    this.status = {
      deviceId: device.id,
      protocol: 'modbus',
      host,
      port,
      unitId: device.unitId,
      profile: device.profile,
      model: this.model?.kind ?? 'curves',
      state: 'online',
      listening: false,
      frozen: false,
      slowMs: 0,
      exception: null,
      garbagePending: 0,
      reads: 0,
      writes: 0,
      exceptions: 0,
    };
  }

  get online(): boolean {
    return this.status.state === 'online';
  }

  setOnline(on: boolean): void {
    this.status.state = on ? 'online' : 'offline';
  }

  freeze(on: boolean): void {
    this.status.frozen = on;
    if (!on) this.frozenValues = undefined;
  }

  slow(ms: number): void {
    this.status.slowMs = ms;
  }

  /** code 0 clears; without a register every read is answered with the exception. */
  setException(code: number, register?: number): void {
    this.exceptionRule = code === 0 ? null : register === undefined ? { code } : { code, register };
    this.status.exception = this.exceptionRule;
  }

  garbage(count: number): void {
    this.status.garbagePending += count;
  }

  /** The energy or volume counter restarts at 0 (a replaced meter). False: this device counts nothing. */
  resetCounter(now = Date.now()): boolean {
    this.frozenValues = undefined;
    if (this.model) {
      this.model.resetCounter(now);
      return true;
    }
    let any = false;
    for (const p of this.points)
      if (p.def?.kind === 'counter') {
        this.curveState.counters.set(p.def.id, 0);
        any = true;
      }
    return any;
  }

  /** Every value the device shows now, in its points' units. */
  values(now = Date.now()): Values {
    if (this.frozenValues) return this.frozenValues;
    const values: Values = this.model ? this.model.sample(now) : {};
    if (!this.model) {
      const hour = siteHour(now, this.site.site.timezone);
      for (const p of this.points) {
        if (!p.def) continue;
        if (p.kind === 'command') {
          if (!this.held.has(p.name))
            this.held.set(p.name, curveValue(p.def, hour, curveFor(this.curve), this.curveState));
          values[p.name] = this.held.get(p.name)!;
        } else values[p.name] = curveValue(p.def, hour, curveFor(this.curve), this.curveState);
      }
    }
    if (this.status.frozen) this.frozenValues = values;
    return values;
  }

  /** FC3 / FC4. Throws a ModbusException for a read it answers with one. */
  readRegisters(table: 'holding' | 'input', address: number, count: number, now = Date.now()): number[] {
    this.status.reads++;
    this.check(address, count, 125);
    if (this.status.garbagePending > 0) {
      this.status.garbagePending--;
      return Array.from({ length: count }, () => Math.floor(Math.random() * 0x10000));
    }
    return this.image(table, address, count, now);
  }

  /** FC1 / FC2, one bit (modbus-serial asks bit by bit). */
  readBit(table: 'coil' | 'discrete', address: number, now = Date.now()): boolean {
    this.status.reads++;
    this.check(address, 1, 2000);
    const p = this.points.find((x) => x.source.table === table && x.source.register === address);
    if (!p) return false;
    const v = this.values(now)[p.name];
    return v === true || (typeof v === 'number' && v !== 0);
  }

  /** FC6 / FC16: every register written must belong to a command point. */
  writeRegisters(address: number, words: number[], now = Date.now()): void {
    this.status.writes++;
    const end = address + words.length;
    const hit = this.points.filter(
      (p) => p.source.table === 'holding' && overlaps(p.source, address, words.length),
    );
    for (let a = address; a < end; a++) {
      const owner = hit.find((p) => overlaps(p.source, a, 1));
      if (owner?.kind !== 'command') {
        this.status.exceptions++;
        throw exception(ILLEGAL_DATA_ADDRESS, `register ${a} is not writable`);
      }
    }
    // the written words over what the registers hold now, so a 32-bit value may come in halves (FC6)
    const first = Math.min(...hit.map((p) => p.source.register));
    const last = Math.max(...hit.map((p) => p.source.register + width(p.source)));
    const regs = this.image('holding', first, last - first, now);
    words.forEach((w, i) => {
      regs[address - first + i] = w & 0xffff;
    });
    for (const p of hit) {
      const at = p.source.register - first;
      const raw = decodeValue(
        registersToBytes(regs.slice(at, at + width(p.source))),
        p.source.dataType,
        p.source.order,
        p.source.bit,
      );
      const value = typeof raw === 'number' ? raw * p.mul + p.add : raw;
      this.command(p, value as number | boolean, now);
    }
  }

  /** FC5 / FC15 (modbus-serial passes the coils of FC15 one by one). */
  writeCoil(address: number, on: boolean, now = Date.now()): void {
    this.status.writes++;
    const p = this.points.find((x) => x.source.table === 'coil' && x.source.register === address);
    if (p?.kind !== 'command') {
      this.status.exceptions++;
      throw exception(ILLEGAL_DATA_ADDRESS, `coil ${address} is not writable`);
    }
    this.command(p, on, now);
  }

  private command(p: ServedPoint, value: number | boolean, now: number) {
    this.frozenValues = undefined;
    if (!this.model) {
      this.held.set(p.name, value);
      return;
    }
    const result = this.model.write(p.name, value, now);
    if (result === 'ok') return;
    this.status.exceptions++;
    throw result === 'illegal-value'
      ? exception(ILLEGAL_DATA_VALUE, `${p.name}: ${String(value)} is out of range`)
      : exception(ILLEGAL_DATA_ADDRESS, `${p.name} is read-only`);
  }

  private check(address: number, count: number, max: number) {
    if (count < 1 || count > max) {
      this.status.exceptions++;
      throw exception(ILLEGAL_DATA_VALUE, `quantity ${count} is not 1–${max}`);
    }
    if (address + count > 0x10000) {
      this.status.exceptions++;
      throw exception(ILLEGAL_DATA_ADDRESS, `${address}+${count} runs past the last address`);
    }
    const rule = this.exceptionRule;
    if (
      rule &&
      (rule.register === undefined || (rule.register >= address && rule.register < address + count))
    ) {
      this.status.exceptions++;
      throw exception(rule.code, 'injected exception');
    }
  }

  /** The registers [address, address + count) of a table as the device holds them now; undefined ones are 0. */
  private image(table: ModbusTable, address: number, count: number, now: number): number[] {
    const regs = new Array<number>(count).fill(0);
    const inRange = this.points.filter((p) => p.source.table === table && overlaps(p.source, address, count));
    if (!inRange.length) return regs;
    const values = this.values(now);
    for (const p of inRange) {
      const value = values[p.name];
      if (value === undefined) continue;
      const words = encodePoint(p, value);
      for (let i = 0; i < words.length; i++) {
        const at = p.source.register + i - address;
        if (at < 0 || at >= count) continue;
        regs[at] = p.source.bit !== undefined ? regs[at]! | words[i]! : words[i]!;
      }
    }
    return regs;
  }
}

function width(s: ModbusSource): number {
  return s.table === 'coil' || s.table === 'discrete' ? 1 : registersOf(s.dataType, s.length);
}

function overlaps(s: ModbusSource, address: number, count: number): boolean {
  return s.register < address + count && s.register + width(s) > address;
}

const INTEGER_RANGE: Partial<Record<ModbusType, [number, number]>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** A physical value → the point's registers: the inverse of its scale, rounded and clamped to its type. */
function encodePoint(p: ServedPoint, value: number | boolean): number[] {
  const { dataType, order, bit, length } = p.source;
  if (dataType === 'bool') {
    const on = value === true || (typeof value === 'number' && value !== 0);
    return [bit === undefined ? (on ? 1 : 0) : on ? 1 << bit : 0];
  }
  if (dataType === 'string') return bytesToRegisters(encodeValue(String(value), 'string', order, length));
  let raw = ((typeof value === 'boolean' ? Number(value) : value) - p.add) / p.mul;
  const range = INTEGER_RANGE[dataType];
  if (range) raw = Math.min(range[1], Math.max(range[0], Math.round(raw)));
  return bytesToRegisters(encodeValue(raw, dataType, order, length));
}

function profilePoints(profile: ModbusProfile): ServedPoint[] {
  return Object.entries(profile.points).map(([name, p]) => ({
    name,
    source: p,
    kind: p.kind ?? 'measurement',
    mul: p.scale ?? 1,
    add: 0,
  }));
}

/** A device without a profile serves the registers its site points name, in the site points' units. */
function ownPoints(site: SiteModel, deviceId: string): ServedPoint[] {
  const { sources } = resolveSources(site);
  const transforms = new PointTransforms(site);
  const out: ServedPoint[] = [];
  for (const def of site.pointsByDevice.get(deviceId) ?? []) {
    const source = sources.get(def.id);
    if (!source) continue;
    const { factor, addend } = transforms.of(def);
    out.push({ name: def.name, source, kind: def.kind, mul: factor || 1, add: addend, def });
  }
  return out;
}

function assetOf(site: SiteModel, deviceId: string): AssetConfig | undefined {
  const point = site.pointsByDevice.get(deviceId)?.[0];
  return (point && site.assetById.get(point.assetId)) ?? site.assets.find((a) => a.device === deviceId);
}

function curveOf(asset: AssetConfig | undefined): LoadCurve {
  const where = `${asset?.zone ?? ''} ${asset?.id ?? ''} ${asset?.name ?? ''}`.toLowerCase();
  if (/b2-f1|canteen|kitchen/.test(where)) return 'canteen';
  if (/b2-f2|dorm/.test(where)) return 'dormitory';
  if (/^b2/.test(asset?.zone ?? '')) return 'mixed';
  return 'office';
}

function curveFor(curve: LoadCurve): 'office' | 'canteen' | 'dormitory' {
  return curve === 'mixed' ? 'dormitory' : curve;
}

/** Loads by what the asset is: [pattern on its id and name, night kW, peak kW]. */
const ELECTRIC_LOADS: [RegExp, number, number][] = [
  [/b2.*main|main.*b2/, 22, 180],
  [/main|incomer/, 35, 260],
  [/hvac|chiller|air/, 10, 120],
  [/light/, 3, 38],
  [/kitchen|canteen/, 6, 90],
];

/**
 * With the site physics, a meter that has commanded loads behind it measures them plus only what nobody
 * commands (plug loads, lifts, emergency lighting): [pattern, night kW, peak kW] of that remainder.
 */
const UNCONTROLLED_LOADS: [RegExp, number, number][] = [
  [/b2.*main|main.*b2/, 20, 160],
  [/main|incomer/, 25, 110],
  [/hvac|chiller|air/, 1, 3],
  [/light/, 1.2, 1.8],
];

/** A lighting circuit's rated kW from its asset (`model: '… 6 kW'`), else the default. */
function ratedKwOf(asset: AssetConfig, fallback: number): number {
  const m = /(\d+(?:\.\d+)?)\s*kW/i.exec(`${asset.model ?? ''}`);
  return m ? Number(m[1]) : fallback;
}

/** The model that fits a profile: by its name for the built-in ones, by its point names for a user's own. */
function modelFor(
  profile: ModbusProfile,
  asset: AssetConfig | undefined,
  device: ModbusDevice,
  timeZone: string,
  curve: LoadCurve,
  physics?: SitePhysics,
  now?: number,
): DeviceModel | undefined {
  const at = now === undefined ? {} : { now };
  const has = (name: string) => name in profile.points;
  const key = `${asset?.id ?? device.id} ${asset?.name ?? ''}`.toLowerCase();
  if (has('total_active_power_w') || has('import_energy_kwh')) {
    const controlledKw = asset && physics?.loadsBehind(asset);
    const table = controlledKw ? UNCONTROLLED_LOADS : ELECTRIC_LOADS;
    const [, baseKw, peakKw] = table.find(([re]) => re.test(key)) ?? [/./, 5, 50];
    const [, , nominalPeak] = ELECTRIC_LOADS.find(([re]) => re.test(key)) ?? [/./, 5, 50];
    return new ElectricityMeterModel({
      timeZone,
      curve,
      baseKw,
      peakKw,
      initialKwh: Math.round(nominalPeak * 150 + device.unitId * 37.5),
      seed: device.id,
      ...(controlledKw ? { controlledKw } : {}),
      ...at,
    });
  }
  if (has('volume_m3')) {
    const gas = asset?.kind === 'gas-meter';
    const [baseM3h, peakM3h, initialM3] = gas
      ? [0.15, 18, 31_250]
      : curve === 'office'
        ? [0.05, 6, 8_420]
        : [0.1, 9, 12_870];
    return new FlowMeterModel({
      timeZone,
      curve,
      baseM3h,
      peakM3h,
      initialM3,
      litresPerPulse: gas ? 10 : 1,
      ...at,
    });
  }
  if (has('speed_setpoint_hz')) {
    const small = /water|domestic|booster/.test(key);
    return new VfdModel({
      ratedKw: small ? 7.5 : 30,
      ratedCurrentA: small ? 15.5 : 57,
      setpointHz: small ? 38 : 45,
      // the second of a duty/standby pair stands by
      running: !/-2\b/.test(asset?.id ?? ''),
      staticKpa: small ? 250 : 150,
      headKpa: small ? 350 : 300,
      initialKwh: small ? 8_300 : 41_000,
      initialHours: small ? 5_210 : 9_870,
      ...at,
    });
  }
  return undefined;
}

/**
 * One Modbus TCP server (one host:port) and the units behind it: one device, or many behind a "gateway".
 * It stops accepting connections while every unit is offline, and listens again when one comes back.
 */
export class ModbusPortServer {
  private server?: ServerTCP;
  private transition: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly units = new Map<number, SimulatedModbusDevice>();

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  add(device: SimulatedModbusDevice): void {
    const taken = this.units.get(device.device.unitId);
    if (taken)
      throw new Error(
        `${this.host}:${this.port}: unit ${device.device.unitId} is both ${taken.device.id} and ${device.device.id}`,
      );
    this.units.set(device.device.unitId, device);
  }

  /** Listen while any unit is online, not while none is. */
  sync(): Promise<void> {
    this.transition = this.transition
      .catch(() => undefined)
      .then(() => ([...this.units.values()].some((u) => u.online) ? this.open() : this.close()));
    return this.transition;
  }

  async stop(): Promise<void> {
    for (const u of this.units.values()) u.setOnline(false);
    await this.sync();
  }

  private async open(): Promise<void> {
    if (this.server) return;
    const server = new ServerTCP(this.vector(), { host: this.host, port: this.port, unitID: 255 });
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('serverError', (err) =>
        reject(new Error(`Modbus simulator cannot listen on ${this.host}:${this.port}: ${err?.message}`)),
      );
    });
    // a client that goes away mid-answer is no concern of the device's
    server.on('socketError', () => undefined);
    server.on('error', () => undefined);
    server.on('serverError', () => undefined);
    this.server = server;
    this.mark();
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.mark();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private mark() {
    for (const u of this.units.values()) u.status.listening = this.listening;
  }

  private unit(unitId: number): SimulatedModbusDevice | undefined {
    const u = this.units.get(unitId);
    if (u) return u;
    // a single device on its own port answers the "any unit" ids of Modbus TCP too
    if (this.units.size === 1 && (unitId === 0 || unitId === 255)) return [...this.units.values()][0];
    return undefined;
  }

  /**
   * Run one request for a unit: an unknown unit gets the gateway's "target failed to respond", an offline
   * one no answer at all, a slow one its answer late.
   */
  private serve<T>(
    unitId: number,
    work: (u: SimulatedModbusDevice) => T,
    cb: (err: unknown, value: T) => void,
    none: T,
  ) {
    const u = this.unit(unitId);
    if (!u) {
      cb(exception(GATEWAY_TARGET_FAILED, `no unit ${unitId} behind ${this.port}`), none);
      return;
    }
    const answer = () => {
      if (!u.online) return; // switched off while the answer was on its way
      let value: T;
      try {
        value = work(u);
      } catch (err) {
        cb(isException(err) ? err : exception(DEVICE_FAILURE, String(err)), none);
        return;
      }
      cb(null, value);
    };
    if (!u.online) return;
    if (u.status.slowMs <= 0) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, u.status.slowMs);
    this.timers.add(timer);
  }

  private vector(): IServiceVector {
    type Cb<T> = (err: Error | null, value: T) => void;
    // modbus-serial reads an error's modbusErrorCode; for registers it wants an array along with it
    const registers =
      (table: 'holding' | 'input') => (addr: number, length: number, unitId: number, cb: Cb<number[]>) =>
        this.serve(
          unitId,
          (u) => u.readRegisters(table, addr, length),
          cb as (e: unknown, v: number[]) => void,
          [],
        );
    const register = (table: 'holding' | 'input') => (addr: number, unitId: number, cb: Cb<number>) =>
      this.serve(
        unitId,
        (u) => u.readRegisters(table, addr, 1)[0]!,
        cb as (e: unknown, v: number) => void,
        0,
      );
    const bit = (table: 'coil' | 'discrete') => (addr: number, unitId: number, cb: Cb<boolean>) =>
      this.serve(unitId, (u) => u.readBit(table, addr), cb as (e: unknown, v: boolean) => void, false);
    const done = (cb: (err: Error | null) => void) => (err: unknown) => cb(err as Error | null);
    return {
      getMultipleHoldingRegisters: registers('holding'),
      getMultipleInputRegisters: registers('input'),
      getHoldingRegister: register('holding'),
      getInputRegister: register('input'),
      getCoil: bit('coil'),
      getDiscreteInput: bit('discrete'),
      setRegister: (addr: number, value: number, unitId: number, cb: (err: Error | null) => void) =>
        this.serve(unitId, (u) => u.writeRegisters(addr, [value]), done(cb), undefined),
      setRegisterArray: (addr: number, values: number[], unitId: number, cb: (err: Error | null) => void) =>
        this.serve(unitId, (u) => u.writeRegisters(addr, values), done(cb), undefined),
      setCoil: (addr: number, value: boolean, unitId: number, cb: (err: Error | null) => void) =>
        this.serve(unitId, (u) => u.writeCoil(addr, value), done(cb), undefined),
    };
  }
}

/** Every simulated Modbus device of a site, and the servers they answer on. */
export class ModbusSimulation {
  readonly devices = new Map<string, SimulatedModbusDevice>();
  readonly servers: ModbusPortServer[] = [];

  /**
   * The site's Modbus TCP devices, one server per port. `portOf` maps a device's port in the site file to
   * the one to listen on (tests use free ports); `host` is the address to bind.
   */
  constructor(
    site: SiteModel,
    options: {
      host?: string;
      portOf?: (port: number) => number;
      physics?: SitePhysics;
      /** When the device models start (default now). */
      start?: number;
    } = {},
  ) {
    const host = options.host ?? '127.0.0.1';
    const byPort = new Map<number, ModbusPortServer>();
    for (const d of site.devicesOf('modbus') as ModbusDevice[]) {
      if (d.transport !== 'tcp') continue; // RTU lines and serial gateways are not simulated
      const port = options.portOf?.(d.port) ?? d.port;
      let server = byPort.get(port);
      if (!server) {
        server = new ModbusPortServer(host, port);
        byPort.set(port, server);
        this.servers.push(server);
      }
      const device = new SimulatedModbusDevice(site, d, port, host, options.physics, options.start);
      server.add(device);
      this.devices.set(d.id, device);
    }
  }

  async start(): Promise<void> {
    try {
      await Promise.all(this.servers.map((s) => s.sync()));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }

  serverOf(deviceId: string): ModbusPortServer | undefined {
    return this.servers.find((s) => [...s.units.values()].some((u) => u.device.id === deviceId));
  }

  /** Power a device off (it stops answering; its port closes when no unit behind it is left) or on. */
  async setOnline(deviceId: string, on: boolean): Promise<void> {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no simulated Modbus device "${deviceId}"`);
    device.setOnline(on);
    await this.serverOf(deviceId)?.sync();
  }
}
