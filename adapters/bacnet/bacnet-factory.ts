import type { DriverContext, DriverFactory } from '../../core/devices/driver.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { BacnetClient } from './bacnet-client.js';
import { BacnetDriver, type BacnetSockets } from './bacnet-driver.js';
import { type BacnetDeviceConfig, BacnetDeviceSchema, bacnetPointShape } from './bacnet-schema.js';

/**
 * BACnet/IP: one link per device, so one silent controller never takes the others' state with it; the devices
 * share the hub's socket on their local address and port (BACnet/IP is one UDP port per host), opened by the
 * first link that connects and closed by the last. A BBMD registration belongs to the socket.
 */
export const bacnetDriverFactory: DriverFactory = {
  protocol: 'bacnet',
  deviceSchema: BacnetDeviceSchema,
  pointShape: bacnetPointShape,
  pushed: () => true,
  changesOnly: true,
  label: (d) => `device ${(d as BacnetDeviceConfig).instance}`,
  polling: (d) => d as BacnetDeviceConfig,
  links: (site) =>
    site.devicesOf('bacnet').map((d) => ({ linkId: `bacnet:${d.id}`, protocol: 'bacnet', devices: [d] })),
  checkSite(config) {
    const issues: { path: PropertyKey[]; message: string }[] = [];
    const seen = new Map<number, string>();
    config.devices.forEach((raw, i) => {
      if (raw.protocol !== 'bacnet') return;
      const d = raw as unknown as BacnetDeviceConfig;
      const first = seen.get(d.instance);
      if (first)
        issues.push({
          path: ['devices', i, 'instance'],
          message: `device ${d.instance} is already "${first}"`,
        });
      seen.set(d.instance, d.id);
    });
    return issues;
  },
  create(link, site, ctx) {
    return new BacnetDriver(link.devices[0] as BacnetDeviceConfig, socketsOf(site), ctx);
  },
};

const socketsBySite = new WeakMap<SiteModel, BacnetSockets>();

/** The site's sockets by local address and port, counted by the links that hold them. */
function socketsOf(site: SiteModel): BacnetSockets {
  let sockets = socketsBySite.get(site);
  if (sockets) return sockets;
  const open = new Map<string, { client: Promise<BacnetClient>; users: number }>();
  const keyOf = (c: BacnetDeviceConfig) => `${c.localAddress ?? '*'}:${c.localPort} ${c.bbmd ?? ''}`;
  sockets = {
    acquire(c: BacnetDeviceConfig, ctx: DriverContext) {
      const key = keyOf(c);
      let entry = open.get(key);
      if (!entry) {
        const client = BacnetClient.open({
          address: c.localAddress,
          port: c.localPort,
          broadcast: c.broadcast,
          timeoutMs: c.timeoutMs,
          retries: c.retries,
          onMalformed: (from, reason, sample) =>
            ctx.devices.malformed(undefined, `bacnet ${from}`, reason, sample.toString('hex')),
          onProblem: (what, err) => ctx.log.warn({ what, err: err.message }, 'BACnet socket problem'),
        }).then(async (client) => {
          if (c.bbmd)
            await client.registerForeignDevice(c.bbmd, c.bbmdTtlS).catch(async (err) => {
              await client.close();
              throw err;
            });
          return client;
        });
        entry = { client, users: 0 };
        open.set(key, entry);
        client.catch(() => open.get(key) === entry && open.delete(key)); // the next connect tries again
      }
      entry.users++;
      return entry.client.catch((err) => {
        entry!.users--;
        throw err;
      });
    },
    async release(c: BacnetDeviceConfig) {
      const key = keyOf(c);
      const entry = open.get(key);
      if (!entry || --entry.users > 0) return;
      open.delete(key);
      await (await entry.client).close();
    },
  };
  socketsBySite.set(site, sockets);
  return sockets;
}
