import { mqttAdapterFactory } from './mqtt/mqtt-adapter.js';
import type { AdapterFactory } from './types.js';

/** protocol → factory. Modbus and OPC UA join here. */
export const adapterFactories: ReadonlyMap<string, AdapterFactory> = new Map([
  [mqttAdapterFactory.protocol, mqttAdapterFactory],
]);
