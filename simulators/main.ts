#!/usr/bin/env node
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

/** Start every simulated device of the site and the fault-injection API. */
export async function startSimulation(
  site: SiteModel,
  brokerUrl: string,
  control: { host: string; port: number },
): Promise<Simulation> {
  const devices = new Map<string, SimulatedMqttDevice>();
  for (const d of site.devicesOf('mqtt') as MqttDevice[])
    devices.set(d.id, new SimulatedMqttDevice(site, d, brokerUrl));
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
    },
  });
  const site = await loadSiteFile(positionals[0] ?? 'config/demo-site.yaml');
  const sim = await startSimulation(site, values.broker!, {
    host: values['control-host']!,
    port: Number(values['control-port']),
  });
  process.stdout.write(
    `simulators: ${sim.devices.size} MQTT devices → ${values.broker}; control API ${sim.controlUrl}\n`,
  );
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1]?.endsWith('simulators/main.ts') || process.argv[1]?.endsWith('simulators/main.js'))
  void main();
