import type { DriverFactory } from '../core/devices/driver.js';
import { bacnetDriverFactory } from './bacnet/bacnet-factory.js';
import { modbusDriverFactory } from './modbus/modbus-factory.js';
import { mqttDriverFactory } from './mqtt/mqtt-driver.js';
import { opcuaDriverFactory } from './opcua/opcua-factory.js';

/** protocol → factory. */
export const adapterFactories: ReadonlyMap<string, DriverFactory> = new Map([
  [mqttDriverFactory.protocol, mqttDriverFactory],
  [modbusDriverFactory.protocol, modbusDriverFactory],
  [opcuaDriverFactory.protocol, opcuaDriverFactory],
  [bacnetDriverFactory.protocol, bacnetDriverFactory],
]);
