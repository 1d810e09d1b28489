import { SimulatedBbmd } from './bacnet-bbmd.js';
import { SimulatedBacnetDevice } from './bacnet-devices.js';
import { ahuModel, lightingModel } from './bacnet-models.js';

export interface BacnetSiteOptions {
  /** Loopback addresses of the AHU, the lighting controller and the BBMD (default 127.0.0.1, .2, .3). */
  hosts?: [string, string, string];
  /** Their ports (default 0 each: free ones). */
  ports?: [number, number, number];
  /** The models' step (default 1,000 ms; 0: only when a test calls tick()). */
  tickMs?: number;
}

export type BacnetSite = Awaited<ReturnType<typeof startBacnetSite>>;

/**
 * A small BACnet/IP subnet on loopback: an air handler (device 1001), a lighting controller (device 2001), and
 * a BBMD for the two, through which a foreign device discovers them.
 */
export async function startBacnetSite(options: BacnetSiteOptions = {}) {
  const [ahuHost, lightingHost, bbmdHost] = options.hosts ?? ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  const [ahuPort, lightingPort, bbmdPort] = options.ports ?? [0, 0, 0];
  const tickMs = options.tickMs ?? 1000;
  const ahu = new SimulatedBacnetDevice({
    deviceId: 1001,
    name: 'AHU-1',
    model: ahuModel(),
    host: ahuHost,
    port: ahuPort,
    tickMs,
  });
  const lighting = new SimulatedBacnetDevice({
    deviceId: 2001,
    name: 'LC-1',
    model: lightingModel(),
    host: lightingHost,
    port: lightingPort,
    tickMs,
  });
  const bbmd = new SimulatedBbmd({ host: bbmdHost, port: bbmdPort, subnet: [] });
  const stop = () => Promise.all([ahu.stop(), lighting.stop(), bbmd.stop()]).then(() => undefined);
  try {
    await ahu.start();
    await lighting.start();
    bbmd.subnet.push(ahu.address, lighting.address);
    const bbmdAddress = await bbmd.start();
    ahu.broadcastTo([bbmdAddress]);
    lighting.broadcastTo([bbmdAddress]);
    return { ahu, lighting, bbmd, bbmdAddress, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
