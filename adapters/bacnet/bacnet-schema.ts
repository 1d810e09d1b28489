import { z } from 'zod';
import { idSchema, intIn, portSchema, positiveMs } from '../../core/config/zod-helpers.js';
import { parseObjectKey } from './values.js';

const hostPort = z.string().regex(/^[\w.-]+(:\d{1,5})?$/, { error: 'expected host or host:port' });

export const BacnetDeviceSchema = z.strictObject({
  id: idSchema,
  protocol: z.literal('bacnet'),
  name: z.string().optional(),
  /** The device's instance number (its Device object). */
  instance: intIn(0, 4_194_302),
  /** host:port of the device; without it, found by Who-Is. */
  address: hostPort.optional(),
  /** The hub's own BACnet/IP socket: an interface address (default all) and port (BACnet's 47808; 0: any). */
  localAddress: z.string().optional(),
  localPort: portSchema.default(47808),
  /** Where a Who-Is goes: the subnet's broadcast address, or a list (default 255.255.255.255). */
  broadcast: z.array(hostPort).optional(),
  /** A BBMD to register with as a foreign device when the devices are on another subnet (host:port). */
  bbmd: hostPort.optional(),
  bbmdTtlS: intIn(30, 65_535).default(300),
  /** Subscribe to changes of value where the device takes it (renewed at ¾ of the lifetime); poll otherwise. */
  cov: z.boolean().default(true),
  covLifetimeS: intIn(2, 86_400).default(300),
  intervalMs: positiveMs().default(10_000),
  timeoutMs: positiveMs().default(3_000),
  retries: intIn(0, 10).default(1),
  breakerFailures: intIn(1, 100).default(3),
  offlineAfterMs: positiveMs().optional(),
});

export type BacnetDeviceConfig = z.infer<typeof BacnetDeviceSchema>;

export const bacnetPointShape = {
  /** The object whose present value the point is: `analog-input:1`, `binary-output:3`, `multi-state-value:2`. */
  object: z
    .string({ error: 'expected an object such as analog-input:1' })
    .refine((s) => parseObjectKey(s) !== undefined, {
      error: 'expected an object such as analog-input:1 (type-name:instance)',
    }),
  /** false: poll this point even when its device takes COV subscriptions. */
  cov: z.boolean().optional(),
};

export interface BacnetPointFields {
  object: string;
  cov?: boolean;
}
