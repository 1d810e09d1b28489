import { seededRandom } from './meter-models.js';

/**
 * Physical models of the plant equipment the OPC UA simulators serve (chillers, AHUs, pumps, elevators),
 * keyed by point name and advanced by explicit time steps, so tests can step minutes in one call. A point
 * name the asset's model does not know follows the generic sequence: numbers +1 per step, booleans toggle,
 * strings `tick-N` (a benchmark can count every change). Faults are injected per point (stuck, drift,
 * status override) or per asset (fault code, filter clogging, vibration rise).
 */

export type Value = number | boolean | string;
export type WriteResult = 'ok' | 'read-only' | 'bad-type';

export interface ModelPoint {
  name: string;
  type: 'number' | 'boolean' | 'string';
  kind: 'measurement' | 'counter' | 'state' | 'command';
}

const HOUR_MS = 3_600_000;
const DAY_S = 86_400;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** The share of the way a first-order lag with time constant tauS covers in dtS. */
const lag = (dtS: number, tauS: number) => 1 - Math.exp(-dtS / tauS);
const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * What the rest of the simulated site tells a model (simulators/site-physics.ts): without it each model runs on
 * its own daily swing, as before.
 */
export interface ModelEnv {
  /** Chiller: the cooling the running AHUs ask of it, % of its capacity (0: nothing runs, it idles). */
  coolingLoadPct?(): number;
  /** AHU: the air coming back from the zones it serves, °C. */
  returnAirC?(): number | undefined;
}

/** One kind of equipment: its own state by point name, advanced in seconds. */
abstract class Physics {
  readonly state: Record<string, Value> = {};
  env: ModelEnv = {};
  readonly writable = new Set<string>();
  faultCode = 0;
  protected readonly rnd: () => number;
  /** Model time, seconds since the model started (drives the slow daily wander). */
  protected t = 0;

  constructor(seed: string) {
    this.rnd = seededRandom(seed);
  }
  protected noise(amplitude: number): number {
    return (this.rnd() * 2 - 1) * amplitude;
  }
  step(dtS: number): void {
    this.t += dtS;
    this.advance(dtS);
  }
  protected abstract advance(dtS: number): void;
  write(name: string, value: Value): WriteResult {
    if (!this.writable.has(name)) return 'read-only';
    if (typeof value !== typeof this.state[name]) return 'bad-type';
    this.state[name] = value;
    return 'ok';
  }
  setFault(code: number): void {
    this.faultCode = code;
    this.state.fault_code = code;
  }
  /** Filter clogging (AHU, Pa/h); false: this equipment has no filter. */
  setClogging(_paPerHour: number): boolean {
    return false;
  }
  /** Vibration rise (pump, mm/s per hour); false: not a pump. */
  setVibrationRise(_mmsPerHour: number): boolean {
    return false;
  }
  /** Electrical power drawn now, kW (0: not modelled). */
  powerKw(): number {
    return 0;
  }
}

/**
 * An 800 kW water-cooled chiller: the leaving water follows its setpoint, power follows the load; a warmer
 * setpoint raises its COP about 3 % per kelvin (the demand limiter's first shed). `run_cmd` stops it.
 */
class Chiller extends Physics {
  private readonly phase = this.rnd() * 2 * Math.PI;
  private walk = 0;
  private supply: number;

  constructor(seed: string) {
    super(seed);
    this.writable.add('chw_setpoint_c');
    this.writable.add('run_cmd');
    this.supply = 7 + this.noise(0.2);
    Object.assign(this.state, {
      running: true,
      run_cmd: true,
      chw_setpoint_c: 7,
      run_hours_h: round(2000 + this.rnd() * 6000, 3),
      fault_code: 0,
    });
    this.advance(0);
  }

  override powerKw(): number {
    return this.state.power_kw as number;
  }

  protected advance(dtS: number): void {
    const running = this.faultCode === 0 && this.state.run_cmd !== false;
    const setpoint = this.state.chw_setpoint_c as number;
    // the load wanders about a daily swing (or what the AHUs ask), a mean-reverting random walk on top
    this.walk += (-this.walk * dtS) / 1800 + this.noise(0.3 * Math.sqrt(Math.min(dtS, 600)));
    const asked = this.env.coolingLoadPct?.();
    const load = !running
      ? 0
      : asked === undefined
        ? clamp(55 + 25 * Math.sin((2 * Math.PI * this.t) / DAY_S + this.phase) + this.walk, 10, 100)
        : asked <= 0
          ? 0 // nothing asks for cooling: it idles on its loop
          : clamp(asked + this.walk / 5, 10, 100);
    // stopped, the loop water warms toward the building's ~14 °C
    this.supply += ((running ? setpoint : 14) - this.supply) * lag(dtS, 180);
    const cop = running && load > 0 ? (5.9 - 2.5 * (1 - load / 100) ** 2) * (1 + 0.03 * (setpoint - 7)) : 0;
    Object.assign(this.state, {
      running,
      load_pct: round(load, 1),
      chw_supply_temp_c: round(this.supply + this.noise(0.02), 2),
      chw_return_temp_c: round(this.supply + (running ? (5 * load) / 100 : 0.5) + this.noise(0.02), 2),
      cop: round(cop, 2),
      power_kw: round(running ? (load > 0 ? (800 * load) / 100 / cop : 3) : 0, 1),
      run_hours_h: round((this.state.run_hours_h as number) + (running ? dtS / 3600 : 0), 4),
    });
  }
}

/**
 * An air-handling unit: supply air follows its setpoint; the filter fouls slowly, or fast when clogging.
 * `run_cmd` starts and stops its fan (18.5 kW motor, power with the cube of the speed), `oa_damper_cmd` sets the
 * outdoor-air damper (without it the damper swings with the day), `zone_temp_setpoint_c` is the temperature
 * the zones it serves are held at while it runs (site-physics.ts).
 */
class Ahu extends Physics {
  private readonly phase = this.rnd() * 2 * Math.PI;
  private supply: number;
  private fouling = 115 + this.rnd() * 10;
  private cloggingPaPerHour = 0;
  private damperCommanded = false;

  constructor(seed: string) {
    super(seed);
    for (const w of ['supply_air_setpoint_c', 'run_cmd', 'oa_damper_cmd', 'zone_temp_setpoint_c'])
      this.writable.add(w);
    this.supply = 16 + this.noise(0.2);
    Object.assign(this.state, {
      running: true,
      run_cmd: true,
      supply_air_setpoint_c: 16,
      oa_damper_cmd: 70,
      zone_temp_setpoint_c: 24,
      fault_code: 0,
    });
    this.advance(0);
  }

  override write(name: string, value: Value): WriteResult {
    const r = super.write(name, value);
    if (r === 'ok' && name === 'oa_damper_cmd') this.damperCommanded = true;
    if (r === 'ok') this.advance(0);
    return r;
  }

  override powerKw(): number {
    return this.state.running ? 18.5 * ((this.state.fan_speed_pct as number) / 100) ** 3 + 0.4 : 0;
  }

  override setClogging(paPerHour: number): boolean {
    this.cloggingPaPerHour = paPerHour;
    return true;
  }

  protected advance(dtS: number): void {
    const daily = Math.sin((2 * Math.PI * this.t) / DAY_S + this.phase);
    const zones = this.env.returnAirC?.();
    const ret = (zones === undefined ? 25 + daily : zones + 0.5) + this.noise(0.05);
    const running = this.state.run_cmd !== false && this.faultCode === 0;
    // a clean filter gains about 2 Pa a day
    if (running) this.fouling += (dtS / 3600) * (2 / 24 + this.cloggingPaPerHour);
    // stopped, the coil does nothing: supply air drifts to the return air's temperature
    const target = running ? (this.state.supply_air_setpoint_c as number) : ret;
    this.supply += (target - this.supply) * lag(dtS, 120);
    const damper = !running
      ? 0
      : this.damperCommanded
        ? (this.state.oa_damper_cmd as number)
        : clamp(30 + 10 * daily + this.noise(0.5), 0, 100);
    Object.assign(this.state, {
      running,
      supply_air_temp_c: round(this.supply + this.noise(0.03), 2),
      return_air_temp_c: round(ret, 2),
      fan_speed_pct: running ? round(clamp(72 + 8 * daily + this.noise(1), 0, 100), 1) : 0,
      filter_dp_pa: round(clamp(running ? this.fouling + this.noise(1) : 0, 0, 1000), 1),
      damper_pct: round(damper, 1),
    });
  }
}

/** A condenser water pump: runs while commanded and healthy; vibration rises when a bearing wears. */
class Pump extends Physics {
  private pressure = 350;
  private vibrationRise = 0;
  private riseMmsPerHour = 0;

  constructor(seed: string) {
    super(seed);
    this.writable.add('run_command');
    Object.assign(this.state, { run_command: true, fault_code: 0 });
    this.advance(0);
  }

  override setVibrationRise(mmsPerHour: number): boolean {
    this.riseMmsPerHour = mmsPerHour;
    if (mmsPerHour === 0) this.vibrationRise = 0;
    return true;
  }

  override powerKw(): number {
    return ((this.state.current_a as number) * 400 * Math.sqrt(3) * 0.85) / 1000;
  }

  protected advance(dtS: number): void {
    const running = this.state.run_command === true && this.faultCode === 0;
    if (running) this.vibrationRise += (this.riseMmsPerHour * dtS) / 3600;
    // stopped, the outlet falls back to the static head within seconds
    this.pressure += ((running ? 350 : 150) - this.pressure) * lag(dtS, 4);
    Object.assign(this.state, {
      running,
      outlet_pressure_kpa: round(this.pressure + (running ? this.noise(3) : 0), 1),
      current_a: running ? round(42 + this.noise(0.8), 1) : 0,
      vibration_mm_s: running ? round(clamp(2 + this.vibrationRise + this.noise(0.15), 0, 50), 2) : 0,
    });
  }
}

type LiftState = 'idle' | 'moving-up' | 'moving-down' | 'door-open' | 'recalled' | 'fault';

/**
 * An elevator serving floors -1..3: waits, travels 3 s a floor, opens its door 5 s at the stop. `recall_cmd`
 * (fire/evacuation recall) sends it to the ground floor (0), where it parks with its door open until released.
 */
class Elevator extends Physics {
  private phase: LiftState = 'idle';
  private left = 5;
  private target = 0;

  constructor(seed: string) {
    super(seed);
    this.writable.add('recall_cmd');
    Object.assign(this.state, {
      recall_cmd: false,
      floor: 0,
      door_cycles: Math.floor(this.rnd() * 50_000),
      fault_code: 0,
    });
    this.publish();
  }

  override setFault(code: number): void {
    super.setFault(code);
    this.phase = code === 0 ? 'idle' : 'fault';
    this.left = 5;
    this.publish();
  }

  protected advance(dtS: number): void {
    let dt = dtS;
    while (dt > 0 && this.phase !== 'fault') {
      const used = Math.min(dt, this.left);
      this.left -= used;
      dt -= used;
      if (this.left <= 0) this.next();
    }
    this.publish();
  }

  override write(name: string, value: Value): WriteResult {
    const r = super.write(name, value);
    if (r === 'ok' && name === 'recall_cmd') {
      if (value === false && this.phase === 'recalled') {
        this.phase = 'idle';
        this.left = 5;
      } else if (value === true && this.phase === 'idle') this.left = 0;
      this.publish();
    }
    return r;
  }

  private next(): void {
    const floor = this.state.floor as number;
    const recall = this.state.recall_cmd === true;
    if (this.phase === 'recalled') {
      this.left = 3600; // parked until released
      return;
    }
    if (recall && this.phase === 'idle') {
      if (floor === 0) {
        this.phase = 'recalled';
        this.left = 3600;
        return;
      }
      this.target = 0;
      this.phase = floor > 0 ? 'moving-down' : 'moving-up';
      this.left = 3;
      return;
    }
    if (recall && this.phase === 'door-open') {
      this.phase = 'idle';
      this.left = 0;
      return;
    }
    if (this.phase === 'idle') {
      do this.target = -1 + Math.floor(this.rnd() * 5);
      while (this.target === floor);
      this.phase = this.target > floor ? 'moving-up' : 'moving-down';
      this.left = 3;
    } else if (this.phase === 'moving-up' || this.phase === 'moving-down') {
      const now = floor + (this.phase === 'moving-up' ? 1 : -1);
      this.state.floor = now;
      if (recall && now === 0) {
        this.phase = 'recalled';
        this.state.door_cycles = (this.state.door_cycles as number) + 1;
        this.left = 3600;
      } else if (now === this.target) {
        this.phase = 'door-open';
        this.state.door_cycles = (this.state.door_cycles as number) + 1;
        this.left = 5;
      } else this.left = 3;
    } else {
      this.phase = 'idle';
      this.left = 5 + this.rnd() * 15;
    }
  }

  private publish(): void {
    Object.assign(this.state, {
      state: this.phase,
      moving: this.phase === 'moving-up' || this.phase === 'moving-down',
      door_open: this.phase === 'door-open' || this.phase === 'recalled',
    });
  }
}

/** No physics: every point is a generic sequence. */
class NoPhysics extends Physics {
  protected advance(): void {}
}

const PHYSICS: Record<string, new (seed: string) => Physics> = {
  chiller: Chiller,
  ahu: Ahu,
  pump: Pump,
  elevator: Elevator,
};

/** The asset kinds with a physical model; any other kind is generic. */
export const MODELLED_KINDS = Object.keys(PHYSICS);

/**
 * One asset as its controller reports it: its kind's physics, generic sequences for the points it does
 * not know, and the faults injected into it.
 */
export class EquipmentModel {
  private readonly physics: Physics;
  private readonly points = new Map<string, ModelPoint>();
  /** Generic points' own values. */
  private readonly generic = new Map<string, Value>();
  private ticks = 0;
  private readonly stuck = new Map<string, Value>();
  private readonly drift = new Map<string, { perHour: number; offset: number }>();
  private readonly statusOverride = new Map<string, string>();

  constructor(
    readonly kind: string,
    points: ModelPoint[],
    seed: string,
    env?: ModelEnv,
  ) {
    const P = PHYSICS[kind] ?? NoPhysics;
    this.physics = new P(seed);
    if (env) this.physics.env = env;
    for (const p of points) {
      this.points.set(p.name, p);
      if (!(p.name in this.physics.state))
        this.generic.set(p.name, p.type === 'boolean' ? false : p.type === 'string' ? 'tick-0' : 0);
    }
  }

  /** Advance the model by dtMs of model time (one tick for the generic sequences). */
  step(dtMs: number): void {
    this.physics.step(dtMs / 1000);
    this.ticks++;
    for (const [name, v] of this.generic) {
      if (this.points.get(name)!.kind === 'command') continue; // holds what was written
      this.generic.set(
        name,
        typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : `tick-${this.ticks}`,
      );
    }
    for (const d of this.drift.values()) d.offset += (d.perHour * dtMs) / HOUR_MS;
  }

  /** Electrical power it draws now, kW (0 where its kind has no electrical model). */
  powerKw(): number {
    return this.physics.powerKw();
  }

  /** Its counter points' values (run hours, door cycles), to carry them across a restart. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.points.values()) {
      const v = this.generic.get(p.name) ?? this.physics.state[p.name];
      if (p.kind === 'counter' && typeof v === 'number') out[p.name] = v;
    }
    return out;
  }

  setCounters(c: Record<string, number>): void {
    for (const [name, v] of Object.entries(c)) {
      if (this.points.get(name)?.kind !== 'counter' || !Number.isFinite(v)) continue;
      if (this.generic.has(name)) this.generic.set(name, v);
      else this.physics.state[name] = v;
    }
  }

  /** A physics state value (whether or not the site names the point). */
  physicsValue(name: string): Value | undefined {
    return this.physics.state[name];
  }

  /** A point's value as served: frozen when stuck, offset when drifting. */
  value(name: string): Value {
    const stuck = this.stuck.get(name);
    if (stuck !== undefined) return stuck;
    const v = this.generic.get(name) ?? this.physics.state[name] ?? 0;
    const d = this.drift.get(name);
    return d && typeof v === 'number' ? round(v + d.offset, 3) : v;
  }

  /** `Good`, or the OPC UA status name the point is overridden with. */
  status(name: string): string {
    return this.statusOverride.get(name) ?? 'Good';
  }

  has(name: string): boolean {
    return this.points.has(name);
  }

  /** A write from a client; only command points take one. */
  write(name: string, value: Value): WriteResult {
    const p = this.points.get(name);
    if (p?.kind !== 'command') return 'read-only';
    if (this.generic.has(name)) {
      if (typeof value !== typeof this.generic.get(name)) return 'bad-type';
      this.generic.set(name, value);
      return 'ok';
    }
    return this.physics.write(name, value);
  }

  setStuck(name: string, on: boolean): void {
    if (on) this.stuck.set(name, this.value(name));
    else this.stuck.delete(name);
  }

  /** Units per hour added to the value; 0 clears the drift and its offset. */
  setDrift(name: string, perHour: number): void {
    if (perHour === 0) this.drift.delete(name);
    else this.drift.set(name, { perHour, offset: this.drift.get(name)?.offset ?? 0 });
  }

  setStatus(name: string, status: string): void {
    if (status === 'Good') this.statusOverride.delete(name);
    else this.statusOverride.set(name, status);
  }

  /** A chiller or pump with a fault stops; an elevator goes to `fault`. 0 clears. */
  setFaultCode(code: number): void {
    this.physics.setFault(code);
    this.physics.step(0);
  }

  get faultCode(): number {
    return this.physics.faultCode;
  }

  /** False when the asset has no filter (not an AHU). */
  setFilterClogging(paPerHour: number): boolean {
    return this.physics.setClogging(paPerHour);
  }

  /** False when the asset is not a pump. */
  setVibrationRise(mmsPerHour: number): boolean {
    return this.physics.setVibrationRise(mmsPerHour);
  }
}
