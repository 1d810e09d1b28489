#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { MqttDevice } from '../adapters/mqtt/mqtt-schema.js';
import type { SiteModel } from '../core/model/site-model.js';
import { loadSiteFile } from '../hub/site-file.js';
import { BacnetSimulation } from './bacnet-simulation.js';
import { buildControlApi } from './control-api.js';
import { readCounters, restoreCounters, snapshotCounters, writeCounters } from './counters.js';
import { createGateSimulation, type GateControllerOptions, type GateSimulation } from './gate-controllers.js';
import type { DemoMessaging } from './messaging/demo-messaging.js';
import { ModbusSimulation } from './modbus-devices.js';
import { SimulatedMqttDevice } from './mqtt-devices.js';
import { OpcuaSimulation } from './opcua-servers.js';
import { SitePhysics } from './site-physics.js';

export interface Simulation {
  devices: Map<string, SimulatedMqttDevice>;
  /** What couples the devices (undefined when started with physics: false). */
  physics?: SitePhysics;
  /** The gate controllers (on their MQTT devices' connections) and the visitor traffic generator. */
  gates: GateSimulation;
  /** The Modbus TCP devices and the servers they answer on. */
  modbus: ModbusSimulation;
  /** One OPC UA server per OPC UA device, and the equipment models behind them. */
  opcua: OpcuaSimulation;
  /** One simulated BACnet/IP device per BACnet device with an address, each on its UDP port. */
  bacnet: BacnetSimulation;
  controlUrl: string;
  stop(): Promise<void>;
}

export interface SimulationOptions {
  /** The address the Modbus simulators bind (default 127.0.0.1). */
  modbusHost?: string;
  /** A Modbus device's port in the site file → the port to listen on (default: the same). */
  modbusPort?: (port: number) => number;
  /** The address the OPC UA servers bind (default 127.0.0.1). */
  opcuaHost?: string;
  /** An OPC UA device's endpoint port in the site file → the port to listen on (default: the same). */
  opcuaPort?: (port: number) => number;
  /** The address the BACnet devices bind (default: each device's own address's host). */
  bacnetHost?: string;
  /** A BACnet device's port in the site file (47808 when its address has none) → the UDP port to answer on. */
  bacnetPort?: (port: number) => number;
  /** Gate controllers' timings (decision timeout, door). */
  gates?: GateControllerOptions;
  /** Start the visitor traffic generator at this many scans an hour at the day's peak. */
  gateTrafficPerHour?: number;
  /** Counters to start from and to write back on stop (simulators/counters.ts): the demo's history ends there. */
  countersFile?: string;
  /**
   * Couple the devices through the site's physics (lights, fans and chillers in the meters, floors' CO₂ and
   * temperature following their AHUs); default on.
   */
  physics?: boolean;
}

/**
 * Start every simulated device of the site and the fault-injection API. `passwords` holds the MQTT password
 * the hub issued to each device (none for a broker that takes anonymous clients). The Modbus TCP devices are
 * served on their ports, one server per port, each OPC UA device by its own server, and each BACnet/IP device
 * with an address on its UDP port; it rejects when one of those ports cannot be bound.
 */
export async function startSimulation(
  site: SiteModel,
  brokerUrl: string,
  control: { host: string; port: number },
  passwords: Record<string, string> = {},
  options: SimulationOptions = {},
): Promise<Simulation> {
  const physics = options.physics === false ? undefined : new SitePhysics(site);
  const modbus = new ModbusSimulation(site, {
    host: options.modbusHost,
    portOf: options.modbusPort,
    physics,
  });
  await modbus.start();
  const opcua = new OpcuaSimulation(site, { host: options.opcuaHost, portOf: options.opcuaPort, physics });
  const saved = options.countersFile ? readCounters(options.countersFile) : undefined;
  if (saved) restoreCounters(saved, modbus, opcua.models);
  const bacnet = new BacnetSimulation(site, {
    host: options.bacnetHost,
    portOf: options.bacnetPort,
    physics,
  });
  try {
    await opcua.start();
    await bacnet.start();
  } catch (err) {
    await Promise.all([modbus.stop(), opcua.stop()]);
    throw err;
  }
  const devices = new Map<string, SimulatedMqttDevice>();
  for (const d of site.devicesOf('mqtt') as MqttDevice[])
    devices.set(d.id, new SimulatedMqttDevice(site, d, brokerUrl, passwords[d.id], physics));
  const gates = createGateSimulation(site, devices, options.gates);
  for (const d of devices.values()) d.start();
  if (options.gateTrafficPerHour) gates.traffic.start(options.gateTrafficPerHour);
  const api = buildControlApi(devices, modbus, opcua, gates, bacnet, { host: control.host });
  const stopDevices = () =>
    Promise.all([modbus.stop(), opcua.stop(), bacnet.stop(), ...[...devices.values()].map((d) => d.stop())]);
  let controlUrl: string;
  try {
    controlUrl = await api.listen(control);
  } catch (err) {
    gates.stop();
    await stopDevices();
    throw err;
  }
  return {
    devices,
    physics,
    gates,
    modbus,
    opcua,
    bacnet,
    controlUrl,
    async stop() {
      if (options.countersFile) writeCounters(options.countersFile, snapshotCounters(modbus, opcua.models));
      await api.close();
      gates.stop();
      await stopDevices();
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
      /** Where the Modbus simulators listen (0.0.0.0 in a container the hub reaches by name). */
      'modbus-host': { type: 'string', default: process.env.SIM_MODBUS_HOST ?? '127.0.0.1' },
      /** Added to every Modbus device's port (to run beside something that holds the site's ports). */
      'modbus-port-offset': { type: 'string', default: process.env.SIM_MODBUS_PORT_OFFSET ?? '0' },
      /** Where the OPC UA servers listen; added to every OPC UA device's endpoint port. */
      'opcua-host': { type: 'string', default: process.env.SIM_OPCUA_HOST ?? '127.0.0.1' },
      'opcua-port-offset': { type: 'string', default: process.env.SIM_OPCUA_PORT_OFFSET ?? '0' },
      /** Where the BACnet devices bind (default each one's own address in the site file); added to their UDP ports. */
      'bacnet-host': { type: 'string', default: process.env.SIM_BACNET_HOST },
      'bacnet-port-offset': { type: 'string', default: process.env.SIM_BACNET_PORT_OFFSET ?? '0' },
      /** Visitor scans an hour at the day's peak at the gates (0: none; QR payloads or codes via POST /gates/visitors). */
      'gate-traffic': { type: 'string', default: process.env.SIM_GATE_TRAFFIC ?? '0' },
      /** JSON file { "<gate id>": "<hex key>" }: each gate's allow-list key (GET /api/v1/gates/:id/allowlist-key). */
      'gate-keys': { type: 'string', default: process.env.SIM_GATE_KEYS_FILE },
      /** JSON file of the counters to start from, written again on stop (the demo's history ends there). */
      counters: { type: 'string', default: process.env.SIM_COUNTERS_FILE },
      /** Also the messaging vendors (WeCom, DingTalk, Feishu, SMS gateway, mail) the demo site's actions use. */
      messaging: { type: 'boolean', default: process.env.SIM_MESSAGING === '1' },
    },
  });
  const site = await loadSiteFile(positionals[0] ?? 'config/demo-site.yaml');
  const passwords = values.credentials
    ? (JSON.parse(readFileSync(values.credentials, 'utf8')) as Record<string, string>)
    : {};
  const offset = Number(values['modbus-port-offset']);
  if (!Number.isInteger(offset)) throw new Error(`--modbus-port-offset: expected an integer, got ${offset}`);
  const opcuaOffset = Number(values['opcua-port-offset']);
  if (!Number.isInteger(opcuaOffset))
    throw new Error(`--opcua-port-offset: expected an integer, got ${values['opcua-port-offset']}`);
  const bacnetOffset = Number(values['bacnet-port-offset']);
  if (!Number.isInteger(bacnetOffset))
    throw new Error(`--bacnet-port-offset: expected an integer, got ${values['bacnet-port-offset']}`);
  const gateTraffic = Number(values['gate-traffic']);
  if (!(gateTraffic >= 0))
    throw new Error(`--gate-traffic: expected scans an hour, got ${values['gate-traffic']}`);
  const sim = await startSimulation(
    site,
    values.broker!,
    { host: values['control-host']!, port: Number(values['control-port']) },
    passwords,
    {
      modbusHost: values['modbus-host'],
      modbusPort: (port) => port + offset,
      opcuaHost: values['opcua-host'],
      opcuaPort: (port) => port + opcuaOffset,
      bacnetHost: values['bacnet-host'] || undefined,
      bacnetPort: (port) => port + bacnetOffset,
      gateTrafficPerHour: gateTraffic,
      ...(values.counters ? { countersFile: values.counters } : {}),
      gates: {
        keys: values['gate-keys']
          ? (JSON.parse(readFileSync(values['gate-keys'], 'utf8')) as Record<string, string>)
          : undefined,
      },
    },
  );
  let messaging: DemoMessaging | undefined;
  if (values.messaging) {
    // loaded only when asked: its mail sink needs smtp-server, a dev dependency the production image prunes
    const { startDemoMessaging } = await import('./messaging/demo-messaging.js');
    messaging = await startDemoMessaging(process.env);
    process.stdout.write(`simulators: messaging vendors up; delivered messages at ${messaging.inboxUrl}\n`);
  }
  const endpoints = [...sim.opcua.servers.values()].map((s) => s.endpointUrl).join(', ');
  const ports = sim.modbus.servers.map((s) => s.port).join(', ');
  const bacnet = [...sim.bacnet.devices.values()].map((d) => `${d.deviceId}@${d.address}`).join(', ');
  process.stdout.write(
    `simulators: ${sim.devices.size} MQTT devices → ${values.broker}; ` +
      `${sim.modbus.devices.size} Modbus devices on ${values['modbus-host']} port ${ports || '(none)'}; ` +
      `${sim.opcua.servers.size} OPC UA servers at ${endpoints || '(none)'}; ` +
      `${sim.bacnet.devices.size} BACnet devices ${bacnet || '(none)'}; ` +
      `${sim.gates.controllers.size} gate controllers; ` +
      `control API ${sim.controlUrl}\n`,
  );
  // the BACnet devices answer a few seconds more, until a hub stopping beside them has cancelled its COV
  // subscriptions (Ctrl-C reaches both; `npm run demo` stops the simulators, then the hub)
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sim.bacnet
      .unsubscribed(5_000)
      .then(() => Promise.all([sim.stop(), messaging?.stop()]))
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1]?.endsWith('simulators/main.ts') || process.argv[1]?.endsWith('simulators/main.js'))
  void main();
