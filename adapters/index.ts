import { modbusAdapterFactory } from './modbus/modbus-adapter.js';
import { mqttAdapterFactory } from './mqtt/mqtt-adapter.js';
import type { AdapterFactory } from './types.js';

/** protocol → factory. OPC UA joins here. */
export const adapterFactories: ReadonlyMap<string, AdapterFactory> = new Map([
  [mqttAdapterFactory.protocol, mqttAdapterFactory],
  [modbusAdapterFactory.protocol, modbusAdapterFactory],
]);
