import type { SiteModel } from '../core/model/site-model.js';
import { parseSiteText } from '../hub/site-file.js';
import { tempDataDir } from './hub-harness.js';

/**
 * A small site in YAML, for tests: one building, two MQTT sensors, one gate. Each call gets a fresh data dir
 * unless one is given (a hub that restarts keeps its users and sessions).
 */
export function testSiteYaml(
  opts: { httpPort?: number; mqttPort?: number; mqtt?: string; dataDir?: string } = {},
): string {
  return `
site: { id: t1, name: Test site }
hub:
  http: { host: 127.0.0.1, port: ${opts.httpPort ?? 0} }
  dataDir: ${opts.dataDir ?? tempDataDir()}
  liveIntervalMs: 50
  logLevel: silent
mqtt: ${opts.mqtt ?? `{ mode: embedded, host: 127.0.0.1, port: ${opts.mqttPort ?? 0} }`}
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
devices:
  - { id: env-1, protocol: mqtt, clientId: env-1 }
  - { id: env-2, protocol: mqtt }
  - { id: gate-ctl, protocol: mqtt, clientId: gate-ctl }
assets:
  - id: room-1
    name: Room 1
    kind: env-sensor
    zone: b1-f1
    device: env-1
    points:
      - { name: temp_c, unit: degC, min: -20, max: 60, intervalMs: 1000 }
      - { name: humidity_pct, unit: '%', min: 0, max: 100, intervalMs: 1000 }
      - { name: co2_ppm, unit: ppm, path: air.co2, intervalMs: 1000 }
  - id: room-2
    name: Room 2
    kind: env-sensor
    zone: b1-f1
    device: env-2
    points:
      - { name: temp_c, unit: degC, topic: legacy/room2/temp, path: $, intervalMs: 1000 }
  - id: gate-a
    name: Gate A
    kind: gate
    zone: b1
    device: gate-ctl
    points:
      - { name: door_open, type: boolean, kind: state }
      - { name: last_card, type: string, kind: state }
      - { name: open_cmd, type: boolean, kind: command }
  - id: ahu-1
    name: AHU 1
    kind: ahu
    zone: b1
    device: env-2
    points:
      - { name: supply_temp_sp_c, unit: degC, kind: command, min: 10, max: 30 }
`;
}

export function testSite(opts: Parameters<typeof testSiteYaml>[0] = {}): SiteModel {
  return parseSiteText(testSiteYaml(opts), 'test-site.yaml');
}

/** Two visitor gates, north and south, each on its own controller. */
export const NORTH_SOUTH = [
  ['gate-north', 'North gate', 'north-ctl'],
  ['gate-south', 'South gate', 'south-ctl'],
] as const;

/**
 * A campus with visitor gates on MQTT gate controllers (`[asset id, name, controller id]`, each controller's
 * client id its own id) and the `visitors:` section given, indented by two spaces.
 */
export function gateSiteYaml(opts: {
  id: string;
  name: string;
  mqttPort: number;
  gates: readonly (readonly [asset: string, name: string, controller: string])[];
  visitors: string;
}): string {
  const devices = opts.gates.map(([, , c]) => `  - { id: ${c}, protocol: mqtt, clientId: ${c} }`);
  const assets = opts.gates.map(
    ([id, name, c]) =>
      `  - { id: ${id}, name: ${name}, kind: gate, zone: campus, device: ${c}, points: [{ name: door_open, type: boolean, kind: state }] }`,
  );
  return `
site: { id: ${opts.id}, name: ${opts.name}, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: ${opts.mqttPort} }
zones: [{ id: campus, name: Campus, kind: campus }]
devices:
${devices.join('\n')}
assets:
${assets.join('\n')}
visitors:
${opts.visitors}
`;
}
