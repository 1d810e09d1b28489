#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { MqttDevice } from '../adapters/mqtt/mqtt-schema.js';
import { loadSiteFile } from '../hub/config/load-config.js';
import type { SiteModel } from '../hub/model/site-model.js';
import { buildControlApi } from './control-api.js';
import { SimulatedMqttDevice } from './mqtt-devices.js';

export interface Simulation {
  devices: Map<string, SimulatedMqttDevice>;
  controlUrl: string;
  stop(): Promise<void>;
}

/**
 * Start every simulated device of the site and the fault-injection API. `passwords` holds the MQTT password
 * the hub issued to each device (none for a broker that takes anonymous clients).
 */
export async function startSimulation(
  site: SiteModel,
  brokerUrl: string,
  control: { host: string; port: number },
  passwords: Record<string, string> = {},
): Promise<Simulation> {
  const devices = new Map<string, SimulatedMqttDevice>();
  for (const d of site.devicesOf('mqtt') as MqttDevice[])
    devices.set(d.id, new SimulatedMqttDevice(site, d, brokerUrl, passwords[d.id]));
  for (const d of devices.values()) d.start();
  const api = buildControlApi(devices);
  const controlUrl = await api.listen(control);
  return {
    devices,
    controlUrl,
    async stop() {
      await api.close();
      await Promise.all([...devices.values()].map((d) => d.stop()));
    },
  };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      broker: { type: 'string', default: process.env.SIM_BROKER_URL ?? 'mqtt://127.0.0.1:1883' },
      'control-port': { type: 'string', default: process.env.SIM_CONTROL_PORT ?? '8090' },
      'control-host': { type: 'string', default: '127.0.0.1' },
      /** JSON file { "<device id>": "<password>" }, as `npm run admin -- device-credentials --all` writes. */
      credentials: { type: 'string', default: process.env.SIM_CREDENTIALS_FILE },
    },
  });
  const site = await loadSiteFile(positionals[0] ?? 'config/demo-site.yaml');
  const passwords = values.credentials
    ? (JSON.parse(readFileSync(values.credentials, 'utf8')) as Record<string, string>)
    : {};
  const sim = await startSimulation(
    site,
    values.broker!,
    { host: values['control-host']!, port: Number(values['control-port']) },
    passwords,
  );
  process.stdout.write(
    `simulators: ${sim.devices.size} MQTT devices → ${values.broker}; control API ${sim.controlUrl}\n`,
  );
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1]?.endsWith('simulators/main.ts') || process.argv[1]?.endsWith('simulators/main.js'))
  void main();
