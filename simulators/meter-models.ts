import { dayFactor, occupancy, siteWall } from './curves.js';

/**
 * Physical models of the field devices the Modbus simulators serve: what a real meter or drive would
 * measure at a moment, by the point names of the built-in profiles (in each profile point's unit). The
 * simulators encode these into the profile's registers; a name a model does not produce reads as 0.
 *
 * Models are advanced lazily: each sample integrates the counters over the time since the previous one,
 * so energy and volume grow with the power and flow, whatever the polling rate.
 */

export type Values = Record<string, number | boolean>;

/** office, canteen and dormitory are the daily curves of curves.ts; mixed is canteen and dormitory together. */
export type LoadCurve = 'office' | 'canteen' | 'dormitory' | 'mixed';

export type WriteResult = 'ok' | 'read-only' | 'illegal-value';

export interface DeviceModel {
  readonly kind: 'electricity-meter' | 'flow-meter' | 'vfd' | 'lighting-circuit';
  /** Every value the device shows now, advancing its counters to `now`. */
  sample(now: number): Values;
  /** A command from the bus (a setpoint, a run command). */
  write(name: string, value: number | boolean, now: number): WriteResult;
  /** The energy or volume counter starts again at 0, as when the meter is replaced. */
  resetCounter(now: number): void;
  /** Electrical power it draws now (kW), for the meters upstream of it; undefined: not an electrical load. */
  powerKw?(now: number): number;
  /** Its counters' state (a restart or the demo's history carries them on), and their restore. */
  counters(): Record<string, number>;
  setCounters(c: Record<string, number>): void;
}

/** Restore the counters that are numbers in `c` into `target` (names it does not know are ignored). */
function assignCounters(target: Record<string, number>, c: Record<string, number>): void {
  for (const k of Object.keys(target))
    if (typeof c[k] === 'number' && Number.isFinite(c[k])) target[k] = c[k]!;
}

/** 0..1: how busy the site is now, by its local time of day and day of the week (offices empty at weekends). */
export function loadFactor(now: number, timeZone: string, curve: LoadCurve): number {
  const { hour, weekday } = siteWall(now, timeZone);
  if (curve === 'mixed')
    return (
      (occupancy(hour, 'canteen') * dayFactor(weekday, 'canteen') +
        occupancy(hour, 'dormitory') * dayFactor(weekday, 'dormitory')) /
      2
    );
  return occupancy(hour, curve) * dayFactor(weekday, curve);
}

/** A small deterministic generator, so each device keeps its own imbalance and offsets across restarts. */
export function seededRandom(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const noise = (amplitude: number) => (Math.random() * 2 - 1) * amplitude;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const DEG = 180 / Math.PI;

/** The site's hour is looked up at most every few seconds (Intl formatting is not free). */
class SiteClock {
  private at = Number.NEGATIVE_INFINITY;
  private value = 0;
  constructor(
    private readonly timeZone: string,
    private readonly curve: LoadCurve,
  ) {}
  load(now: number): number {
    if (Math.abs(now - this.at) > 5_000) {
      this.value = loadFactor(now, this.timeZone, this.curve);
      this.at = now;
    }
    return this.value;
  }
}

export interface ElectricityMeterOptions {
  timeZone: string;
  curve: LoadCurve;
  /** Night-time load. */
  baseKw: number;
  /** Load at full occupancy. */
  peakKw: number;
  /** The register's reading when the simulation starts. */
  initialKwh: number;
  /** Per-device constants (phase imbalance, voltage offsets) are drawn from it. */
  seed: string;
  now?: number;
  /**
   * The commanded loads behind the meter (lighting circuits, AHU fans, chillers, pumps), kW now: added to the
   * daily curve (which is then only the loads nobody commands), so the power rises and falls as they are
   * switched.
   */
  controlledKw?: (now: number) => number;
}

/**
 * A three-phase four-wire supply (230/400 V, 50 Hz) feeding a load that follows a daily curve: the phases
 * a little unbalanced, the power factor 0.90–0.98 rising with the load, the voltages within ±2 % sagging a
 * little under load, the frequency wandering around 50 Hz; import energy integrates the power.
 */
export class ElectricityMeterModel implements DeviceModel {
  readonly kind = 'electricity-meter';
  private readonly clock: SiteClock;
  private readonly share: [number, number, number];
  private readonly vOffset: number[];
  private readonly pfOffset: number[];
  private readonly wobble: number;
  private last: number;
  private importKwh: number;
  private readonly phaseKwh: number[];
  private importKvarh: number;
  private demandW = 0;
  private maxDemandW = 0;

  constructor(private readonly o: ElectricityMeterOptions) {
    const rnd = seededRandom(o.seed);
    this.clock = new SiteClock(o.timeZone, o.curve);
    // phase shares around 1 (sum 3): single-phase loads are never spread evenly
    const raw = [1 + (rnd() - 0.5) * 0.12, 1 + (rnd() - 0.5) * 0.12, 1 + (rnd() - 0.5) * 0.12];
    const sum = raw[0]! + raw[1]! + raw[2]!;
    this.share = raw.map((x) => (3 * x) / sum) as [number, number, number];
    this.vOffset = [0, 1, 2].map(() => (rnd() - 0.5) * 0.012);
    this.pfOffset = [0, 1, 2].map(() => (rnd() - 0.5) * 0.02);
    this.wobble = rnd() * 2 * Math.PI;
    this.last = o.now ?? Date.now();
    this.importKwh = o.initialKwh;
    this.phaseKwh = this.share.map((s) => (o.initialKwh * s) / 3);
    this.importKvarh = o.initialKwh * 0.35;
    this.demandW = o.baseKw * 1000;
    this.maxDemandW = o.peakKw * 900;
  }

  sample(now: number): Values {
    const { baseKw, peakKw } = this.o;
    const occ = this.clock.load(now);
    const slow = Math.sin(now / 7.3e5 + this.wobble); // a ~75-minute swing of a few per cent
    const controlled = this.o.controlledKw?.(now) ?? 0;
    const totalW = Math.max(
      0,
      ((baseKw + (peakKw - baseKw) * occ) * (1 + 0.03 * slow + noise(0.01)) + controlled) * 1000,
    );
    const loadShare = clamp(totalW / ((peakKw + (this.o.controlledKw ? 300 : 0)) * 1000), 0, 1);
    const v: number[] = [];
    const i: number[] = [];
    const p: number[] = [];
    const q: number[] = [];
    const s: number[] = [];
    const pf: number[] = [];
    for (let k = 0; k < 3; k++) {
      const vk =
        230 * (1 + this.vOffset[k]! + 0.005 * Math.sin(now / 1.9e6 + k) - 0.008 * loadShare + noise(0.0015));
      v.push(clamp(vk, 230 * 0.98, 230 * 1.02));
      p.push((totalW * this.share[k]!) / 3);
      pf.push(clamp(0.9 + 0.07 * loadShare + this.pfOffset[k]! + noise(0.002), 0.9, 0.98));
      s.push(p[k]! / pf[k]!);
      q.push(Math.sqrt(Math.max(0, s[k]! ** 2 - p[k]! ** 2)));
      i.push(s[k]! / v[k]!);
    }
    const sum = (a: number[]) => a[0]! + a[1]! + a[2]!;
    const P = sum(p);
    const Q = sum(q);
    const S = Math.sqrt(P * P + Q * Q);
    const PF = S > 0 ? P / S : 1;

    // counters and the 15-minute demand, over the time since the last sample
    const dtS = Math.max(0, (now - this.last) / 1000);
    this.last = Math.max(this.last, now);
    this.importKwh += (P / 1000) * (dtS / 3600);
    for (let k = 0; k < 3; k++) this.phaseKwh[k]! += (p[k]! / 1000) * (dtS / 3600);
    this.importKvarh += (Q / 1000) * (dtS / 3600);
    this.demandW += (1 - Math.exp(-dtS / 900)) * (P - this.demandW);
    this.maxDemandW = Math.max(this.maxDemandW, this.demandW);

    // line-to-line: |Va∠0 − Vb∠−120°| = √(Va² + Vb² + Va·Vb); neutral: the phasor sum of the currents
    const ll = (a: number, b: number) => Math.sqrt(a * a + b * b + a * b);
    let nRe = 0;
    let nIm = 0;
    for (let k = 0; k < 3; k++) {
      const angle = (-2 * Math.PI * k) / 3 - Math.acos(pf[k]!);
      nRe += i[k]! * Math.cos(angle);
      nIm += i[k]! * Math.sin(angle);
    }
    const vLl = [ll(v[0]!, v[1]!), ll(v[1]!, v[2]!), ll(v[2]!, v[0]!)];
    const frequency =
      50 + 0.04 * Math.sin(now / 4.1e4 + this.wobble) + 0.015 * Math.sin(now / 9.7e3) + noise(0.004);
    const out: Values = {
      software_version: 204,
      ct_ratio: 1,
      pt_ratio: 1,
      voltage_avg_v: sum(v) / 3,
      current_avg_a: sum(i) / 3,
      current_sum_a: sum(i),
      total_active_power_w: P,
      total_apparent_power_va: S,
      total_reactive_power_var: Q,
      power_factor: PF,
      phase_angle_deg: Math.acos(PF) * DEG,
      frequency_hz: frequency,
      import_energy_kwh: this.importKwh,
      export_energy_kwh: 0,
      import_reactive_energy_kvarh: this.importKvarh,
      export_reactive_energy_kvarh: 0,
      total_energy_kwh: this.importKwh,
      total_reactive_energy_kvarh: this.importKvarh,
      power_demand_w: this.demandW,
      max_power_demand_w: this.maxDemandW,
      voltage_ll_avg_v: sum(vLl) / 3,
      voltage_l1_l2_v: vLl[0]!,
      voltage_l2_l3_v: vLl[1]!,
      voltage_l3_l1_v: vLl[2]!,
      current_n_a: Math.hypot(nRe, nIm),
    };
    for (let k = 0; k < 3; k++) {
      const n = k + 1;
      out[`voltage_l${n}_v`] = v[k]!;
      out[`current_l${n}_a`] = i[k]!;
      out[`active_power_l${n}_w`] = p[k]!;
      out[`apparent_power_l${n}_va`] = s[k]!;
      out[`reactive_power_l${n}_var`] = q[k]!;
      out[`power_factor_l${n}`] = pf[k]!;
      out[`phase_angle_l${n}_deg`] = Math.acos(pf[k]!) * DEG;
      out[`import_energy_l${n}_kwh`] = this.phaseKwh[k]!;
    }
    return out;
  }

  write(): WriteResult {
    return 'read-only';
  }

  counters(): Record<string, number> {
    const [l1, l2, l3] = this.phaseKwh as [number, number, number];
    return { importKwh: this.importKwh, importKvarh: this.importKvarh, l1, l2, l3 };
  }

  setCounters(c: Record<string, number>): void {
    const t = this.counters();
    assignCounters(t, c);
    this.importKwh = t.importKwh!;
    this.importKvarh = t.importKvarh!;
    this.phaseKwh.splice(0, 3, t.l1!, t.l2!, t.l3!);
  }

  resetCounter(now: number): void {
    this.sample(now); // settle the time up to now, then start from 0
    this.importKwh = 0;
    this.importKvarh = 0;
    this.phaseKwh.fill(0);
  }
}

export interface FlowMeterOptions {
  timeZone: string;
  curve: LoadCurve;
  /** Flow at night (a trickle: cisterns, a kitchen pilot flame). */
  baseM3h: number;
  /** Flow at full occupancy (on average: use comes in bursts). */
  peakM3h: number;
  initialM3: number;
  litresPerPulse: number;
  now?: number;
}

/** A water or gas meter: flow follows occupancy in bursts, the volume counts whole litres of it. */
export class FlowMeterModel implements DeviceModel {
  readonly kind = 'flow-meter';
  private readonly clock: SiteClock;
  private last: number;
  private litres: number;

  constructor(private readonly o: FlowMeterOptions) {
    this.clock = new SiteClock(o.timeZone, o.curve);
    this.last = o.now ?? Date.now();
    this.litres = o.initialM3 * 1000;
  }

  sample(now: number): Values {
    const { baseM3h, peakM3h, litresPerPulse } = this.o;
    const occ = this.clock.load(now);
    const flow = Math.max(
      0,
      baseM3h * (1 + noise(0.2)) + (peakM3h - baseM3h) * occ * (0.7 + Math.random() * 0.6),
    );
    const dtS = Math.max(0, (now - this.last) / 1000);
    this.last = Math.max(this.last, now);
    this.litres += flow * 1000 * (dtS / 3600);
    const whole = Math.floor(this.litres);
    return {
      volume_m3: whole / 1000,
      pulse_count: Math.floor(whole / litresPerPulse),
      flow_m3h: flow,
      litres_per_pulse: litresPerPulse,
      leak_alarm: false,
      reverse_flow: false,
      tamper: false,
    };
  }

  write(): WriteResult {
    return 'read-only';
  }

  counters(): Record<string, number> {
    return { litres: this.litres };
  }

  setCounters(c: Record<string, number>): void {
    const t = this.counters();
    assignCounters(t, c);
    this.litres = t.litres!;
  }

  resetCounter(now: number): void {
    this.sample(now);
    this.litres = 0;
  }
}

export interface VfdOptions {
  ratedKw: number;
  ratedCurrentA: number;
  maxHz?: number;
  setpointHz: number;
  running: boolean;
  /** Seconds from 0 to maxHz. */
  accelS?: number;
  decelS?: number;
  /** Outlet pressure with the pump stopped, and what it adds at full speed (∝ speed²). */
  staticKpa: number;
  headKpa: number;
  initialKwh: number;
  initialHours: number;
  now?: number;
}

/**
 * A pump on a variable-frequency drive: the output frequency ramps to the setpoint while the run command
 * is on (and to 0 when it is off), the shaft power goes with the cube of the speed (affinity laws), the
 * pressure with its square, the current follows from the power and the V/f voltage plus the magnetising
 * current; energy and run hours count up.
 */
export class VfdModel implements DeviceModel {
  readonly kind = 'vfd';
  private readonly maxHz: number;
  private freq: number;
  private setpoint: number;
  private run: boolean;
  private accelS: number;
  private decelS: number;
  private faultCode = 0;
  private energyKwh: number;
  private runSeconds: number;
  private last: number;

  constructor(private readonly o: VfdOptions) {
    this.maxHz = o.maxHz ?? 50;
    this.setpoint = o.setpointHz;
    this.run = o.running;
    this.freq = o.running ? o.setpointHz : 0;
    this.accelS = o.accelS ?? 10;
    this.decelS = o.decelS ?? 10;
    this.energyKwh = o.initialKwh;
    this.runSeconds = o.initialHours * 3600;
    this.last = o.now ?? Date.now();
  }

  private drawKw(freq: number): number {
    if (freq <= 0) return 0;
    const r = freq / this.maxHz;
    return this.o.ratedKw * (0.9 * r ** 3 + 0.02); // pump load plus the drive's and motor's losses
  }

  private advance(now: number) {
    const dtS = Math.max(0, (now - this.last) / 1000);
    this.last = Math.max(this.last, now);
    if (dtS === 0) return;
    const before = this.freq;
    const target = this.run && this.faultCode === 0 ? this.setpoint : 0;
    const rate = this.maxHz / (target > this.freq ? this.accelS : this.decelS);
    const step = rate * dtS;
    this.freq = target > this.freq ? Math.min(target, this.freq + step) : Math.max(target, this.freq - step);
    const meanKw = (this.drawKw(before) + this.drawKw(this.freq)) / 2;
    this.energyKwh += meanKw * (dtS / 3600);
    if (before > 0 || this.freq > 0) this.runSeconds += dtS;
  }

  sample(now: number): Values {
    this.advance(now);
    const { ratedKw, ratedCurrentA, staticKpa, headKpa } = this.o;
    const f = this.freq;
    const r = f / this.maxHz;
    const kw = f > 0 ? this.drawKw(f) * (1 + noise(0.01)) : 0;
    const volts = f > 0 ? Math.round(380 * Math.min(1, r)) : 0;
    const active = f > 0 ? (kw * 1000) / (Math.sqrt(3) * Math.max(volts, 20) * 0.86) : 0;
    const magnetising = f > 0 ? 0.3 * ratedCurrentA * Math.min(1, r * 1.5) : 0;
    return {
      running: f > 0,
      fault_active: this.faultCode !== 0,
      at_speed: this.run && f > 0 && Math.abs(f - this.setpoint) < 0.05,
      remote_control: true,
      output_frequency_hz: f,
      output_current_a: Math.hypot(active, magnetising),
      output_power_kw: kw,
      output_voltage_v: volts,
      dc_bus_voltage_v: 537 + noise(2),
      motor_speed_rpm: Math.round(1480 * r),
      fault_code: this.faultCode,
      heatsink_temp_c: 32 + 22 * (kw / ratedKw) + noise(0.2),
      outlet_pressure_kpa: Math.max(0, staticKpa + headKpa * r * r + (f > 0 ? noise(2) : 0)),
      energy_kwh: this.energyKwh,
      run_hours_h: Math.floor(this.runSeconds / 3600),
      speed_setpoint_hz: this.setpoint,
      accel_time_s: this.accelS,
      decel_time_s: this.decelS,
      max_frequency_hz: this.maxHz,
      run_command: this.run,
      fault_reset: false,
    };
  }

  write(name: string, value: number | boolean, now: number): WriteResult {
    this.advance(now);
    const n = Number(value);
    switch (name) {
      case 'speed_setpoint_hz':
        if (!(n >= 0 && n <= this.maxHz)) return 'illegal-value';
        this.setpoint = n;
        return 'ok';
      case 'accel_time_s':
      case 'decel_time_s':
        if (!(n >= 0.1 && n <= 3600)) return 'illegal-value';
        if (name === 'accel_time_s') this.accelS = n;
        else this.decelS = n;
        return 'ok';
      case 'run_command':
        this.run = value === true || n === 1;
        return 'ok';
      case 'fault_reset':
        if (value === true || n === 1) this.faultCode = 0;
        return 'ok';
      default:
        return 'read-only';
    }
  }

  powerKw(now: number): number {
    this.advance(now);
    return this.drawKw(this.freq);
  }

  counters(): Record<string, number> {
    return { energyKwh: this.energyKwh, runSeconds: this.runSeconds };
  }

  setCounters(c: Record<string, number>): void {
    const t = this.counters();
    assignCounters(t, c);
    this.energyKwh = t.energyKwh!;
    this.runSeconds = t.runSeconds!;
  }

  /** Trip the drive (it coasts to a stop until a fault reset). */
  trip(code: number): void {
    this.faultCode = code;
  }

  resetCounter(now: number): void {
    this.advance(now);
    this.energyKwh = 0;
  }
}

export interface LightingCircuitOptions {
  /** Power of the circuit's fittings at full brightness. */
  ratedKw: number;
  /** Switched on when the simulation starts (a building nobody automates leaves its lights on). */
  on?: boolean;
  now?: number;
}

/**
 * A lighting circuit on a relay with a dimmer (DALI gateway, 0–10 V): `on_cmd` switches it, `dim_cmd` sets its
 * level (%); the fittings draw their rated power × (0.1 + 0.9 × level) while on (drivers are not linear at
 * the bottom), a few watts of standby while off. `on` and `dim_pct` read back what the relay does, `power_kw`
 * what it draws, `energy_kwh` counts it.
 */
export class LightingCircuitModel implements DeviceModel {
  readonly kind = 'lighting-circuit';
  private on: boolean;
  private dim = 100;
  private energyKwh = 0;
  private last: number;

  constructor(private readonly o: LightingCircuitOptions) {
    this.on = o.on ?? true;
    this.last = o.now ?? Date.now();
  }

  private kw(): number {
    return this.on ? this.o.ratedKw * (0.1 + 0.9 * (this.dim / 100)) : 0.02;
  }

  private advance(now: number) {
    const dtS = Math.max(0, (now - this.last) / 1000);
    this.last = Math.max(this.last, now);
    this.energyKwh += this.kw() * (dtS / 3600);
  }

  powerKw(now: number): number {
    this.advance(now);
    return this.kw();
  }

  sample(now: number): Values {
    this.advance(now);
    return {
      on_cmd: this.on,
      dim_cmd: this.dim,
      on: this.on,
      dim_pct: this.on ? this.dim : 0,
      power_kw: Math.round(this.kw() * 1000) / 1000,
      energy_kwh: this.energyKwh,
    };
  }

  write(name: string, value: number | boolean, now: number): WriteResult {
    this.advance(now);
    if (name === 'on_cmd') {
      this.on = value === true || value === 1;
      return 'ok';
    }
    if (name === 'dim_cmd') {
      const n = Number(value);
      if (!(n >= 0 && n <= 100)) return 'illegal-value';
      this.dim = n;
      return 'ok';
    }
    return 'read-only';
  }

  counters(): Record<string, number> {
    return { energyKwh: this.energyKwh };
  }

  setCounters(c: Record<string, number>): void {
    const t = this.counters();
    assignCounters(t, c);
    this.energyKwh = t.energyKwh!;
  }

  resetCounter(now: number): void {
    this.advance(now);
    this.energyKwh = 0;
  }
}
