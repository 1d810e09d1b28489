import type { SiteModel } from '../core/model/site-model.js';
import { parseSiteText } from '../hub/site-file.js';
import { BacnetSimulation } from '../simulators/bacnet-simulation.js';
import { buildControlApi } from '../simulators/control-api.js';
import { tempDataDir } from './hub-harness.js';

/** The BACnet controllers of the control tests' building, each its own simulated device. */
export const CONTROLLERS = {
  'ahu-ctl': 1101,
  'env-ctl': 1102,
  'lc-ctl': 1103,
  'plant-ctl': 1104,
  'meter-ctl': 1105,
  'gate-ctl': 1106,
  'lift-ctl': 1107,
} as const;
export type ControllerId = keyof typeof CONTROLLERS;

export interface ControlSiteOptions {
  /** Each controller's host:port (default `<simHost>:47808`, for the simulator, which binds free ports). */
  address?: (id: ControllerId) => string;
  /** The loopback address the hub's BACnet sockets bind. */
  hubHost?: string;
  simHost?: string;
  /** The `control:` section, indented by two spaces (without the key). */
  control?: string;
  dataDir?: string;
  /** Other top-level keys (schedules:, energy:, ...). */
  extra?: string;
}

/**
 * A building on BACnet/IP for the control tests: an AHU on floor 2 (outdoor-air damper, supply setpoint, fan,
 * smoke mode), floor 2's CO₂ and motion sensor, lighting on both floors, a chiller and a pump, the main
 * electricity meter (power and energy), a visitor gate with a hold-open command and an elevator.
 */
export function controlSiteYaml(o: ControlSiteOptions = {}): string {
  const simHost = o.simHost ?? '127.0.0.1';
  const address = o.address ?? (() => `${simHost}:47808`);
  const devices = Object.entries(CONTROLLERS).map(
    ([id, instance]) =>
      `  - { id: ${id}, protocol: bacnet, instance: ${instance}, address: '${address(id as ControllerId)}', localAddress: ${o.hubHost ?? '127.0.0.1'}, localPort: 0, intervalMs: 1000, timeoutMs: 500, retries: 0, covLifetimeS: 3600 }`,
  );
  return `
site: { id: ctl, name: Control test site, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${o.dataDir ?? tempDataDir()}, logLevel: silent }
mqtt: { mode: off }
storage: { mode: off }
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
  - { id: b1-f2, name: Floor 2, kind: floor, parent: b1 }
devices:
${devices.join('\n')}
assets:
  - id: ahu-2
    name: AHU 2
    kind: ahu
    zone: b1-f2
    device: ahu-ctl
    points:
      - { name: supply_temp, unit: degC, object: analog-input:1 }
      - { name: supply_temp_setpoint, unit: degC, kind: command, min: 10, max: 30, object: analog-value:1 }
      - { name: oa_damper_cmd, unit: '%', kind: command, min: 0, max: 100, object: analog-output:1 }
      - { name: fan_cmd, type: boolean, kind: command, object: binary-value:1 }
      - { name: smoke_mode, type: boolean, kind: command, object: binary-value:2 }
  - id: f2-env
    name: Floor 2 air
    kind: env-sensor
    zone: b1-f2
    device: env-ctl
    points:
      - { name: co2, unit: ppm, min: 0, max: 5000, object: analog-input:1 }
      - { name: occupied, type: boolean, kind: state, object: binary-input:1 }
  - id: f2-lights
    name: Floor 2 lighting
    kind: lighting
    zone: b1-f2
    device: lc-ctl
    points:
      - { name: on_cmd, type: boolean, kind: command, object: binary-output:1 }
  - id: f1-lights
    name: Floor 1 lighting
    kind: lighting
    zone: b1-f1
    device: lc-ctl
    points:
      - { name: on_cmd, type: boolean, kind: command, object: binary-output:2 }
  - id: chiller-1
    name: Chiller 1
    kind: chiller
    zone: b1
    device: plant-ctl
    points:
      - { name: chw_setpoint, unit: degC, kind: command, min: 5, max: 12, object: analog-value:1 }
  - id: pump-2
    name: Pump 2
    kind: pump
    zone: b1
    device: plant-ctl
    points:
      - { name: run_cmd, type: boolean, kind: command, object: binary-value:1 }
  - id: main-meter
    name: Main meter
    kind: electricity-meter
    zone: b1
    device: meter-ctl
    points:
      - { name: power_kw, unit: kW, min: 0, max: 5000, object: analog-input:1 }
      - { name: energy_kwh, unit: kWh, kind: counter, object: analog-input:2 }
  - id: gate-north
    name: North gate
    kind: gate
    zone: b1
    device: gate-ctl
    points:
      - { name: hold_open, type: boolean, kind: command, object: binary-value:1 }
  - id: lift-1
    name: Elevator 1
    kind: elevator
    zone: b1
    device: lift-ctl
    points:
      - { name: floor_cmd, kind: command, min: 0, max: 20, object: analog-value:1 }
${o.extra ?? ''}
control:
${o.control ?? '  {}'}
`;
}

export function controlSite(o: ControlSiteOptions = {}): SiteModel {
  return parseSiteText(controlSiteYaml(o), 'control-site.yaml');
}

/** The errors a site file gets (empty when it is valid). */
export function controlSiteErrors(o: ControlSiteOptions): string[] {
  try {
    controlSite(o);
    return [];
  } catch (err) {
    const errors = (err as { errors?: string[] }).errors;
    if (!errors) throw err;
    return errors;
  }
}

/**
 * The simulated controllers, each on a free port of `simHost` (their models still: tickMs 0, no time
 * programs), with the simulator's control API; `site(...)` then gives the hub's site with their real addresses.
 */
export async function startControlSimulation(o: ControlSiteOptions & { simHost: string }) {
  const sim = new BacnetSimulation(controlSite(o), {
    host: o.simHost,
    portOf: () => 0,
    tickMs: 0,
    programs: false,
  });
  await sim.start();
  const api = buildControlApi(new Map(), undefined, undefined, undefined, sim);
  const address = (id: ControllerId) => sim.status(id).address;
  return {
    sim,
    api,
    address,
    site: (more: ControlSiteOptions = {}) => controlSite({ ...o, ...more, address }),
    /** The value of an input, through the simulator's control API. */
    async set(device: ControllerId, object: string, value: number) {
      const res = await api.inject({
        method: 'POST',
        url: `/bacnet/${device}/objects/${object}/value?value=${value}`,
      });
      if (res.statusCode !== 200) throw new Error(`${device} ${object}: ${res.statusCode} ${res.body}`);
    },
    /** An object's priority array (index 0 = level 1) and present value, as the device holds it. */
    object(device: ControllerId, object: string) {
      const o = sim.object(device, object);
      return { priority: o.priority ? [...o.priority] : undefined, value: o.value };
    },
    async stop() {
      await api.close();
      await sim.stop();
    },
  };
}
