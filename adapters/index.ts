import type { AdapterFactory } from '../core/devices/driver.js';
import { modbusAdapterFactory } from './modbus/modbus-adapter.js';
import { mqttAdapterFactory } from './mqtt/mqtt-adapter.js';
import { opcuaAdapterFactory } from './opcua/opcua-factory.js';

/** protocol → factory. */
export const adapterFactories: ReadonlyMap<string, AdapterFactory> = new Map([
  [mqttAdapterFactory.protocol, mqttAdapterFactory],
  [modbusAdapterFactory.protocol, modbusAdapterFactory],
  [opcuaAdapterFactory.protocol, opcuaAdapterFactory],
]);
