import { PropertyIdentifier as P } from '@bacnet-js/client';
import {
  type Driver,
  type DriverContext,
  DriverError,
  type DriverPoint,
  type PushSink,
  type ReadOutcome,
  type SubscribeResult,
} from '../../core/devices/driver.js';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { PointDef } from '../../core/model/site-model.js';
import type { BacnetClient, BacnetDevice, CovValue, PropertyResult } from './bacnet-client.js';
import type { BacnetDeviceConfig, BacnetPointFields } from './bacnet-schema.js';
import type { PropertyRead } from './read-plan.js';
import { qualityOf, statusFlags } from './status.js';
import { type ObjectRef, objectKey, type PlainValue, parseObjectKey } from './values.js';

/** The hub's BACnet sockets, one per local address and port, shared by the device links that use it. */
export interface BacnetSockets {
  acquire(config: BacnetDeviceConfig, ctx: DriverContext): Promise<BacnetClient>;
  release(config: BacnetDeviceConfig): Promise<void>;
}

/** A device's polled objects: present value, status flags and reliability of each, in few requests. */
export interface BacnetPlan {
  points: { point: PointDef; object: ObjectRef }[];
  reads: PropertyRead[];
}

const READ = [P.PRESENT_VALUE, P.STATUS_FLAGS, P.RELIABILITY];

/**
 * One BACnet/IP device (a link of its own, on a socket shared with the other devices): found by Who-Is unless
 * its address is given, its points subscribed by COV where it takes it and read by ReadPropertyMultiple where
 * not, and written at a priority of its priority array (null relinquishes).
 */
export class BacnetDriver implements Driver<BacnetPlan> {
  private client?: BacnetClient;
  private device?: BacnetDevice;
  private subscriptions: { cancel(): Promise<void> }[] = [];

  constructor(
    private readonly config: BacnetDeviceConfig,
    private readonly sockets: BacnetSockets,
    private readonly ctx: DriverContext,
  ) {}

  async connect(): Promise<void> {
    const c = this.config;
    this.client = await this.sockets.acquire(c, this.ctx);
    const address = c.address && withPort(c.address);
    // Who-Is straight to a known address, else broadcast or through the BBMD: the I-Am tells the max APDU
    const [found] = await this.client.whoIs(c.timeoutMs, { low: c.instance, high: c.instance }, address);
    if (!found) throw new DriverError('timeout', `no I-Am from device ${c.instance}`);
    this.device = address ? { ...found, address } : found;
  }

  async close(): Promise<void> {
    // cancellations go out at once; a device that is gone would make waiting for each answer take a timeout
    for (const s of this.subscriptions.splice(0)) void s.cancel();
    this.device = undefined;
    if (this.client) await this.sockets.release(this.config);
    this.client = undefined;
  }

  /** COV per object; the first refusal means the device does not take it: the rest are polled. */
  async subscribe(points: readonly DriverPoint[], sink: PushSink): Promise<SubscribeResult> {
    const { client, device } = this.ready();
    const pollInstead: string[] = [];
    const lifetimeS = this.config.covLifetimeS;
    let refused = !this.config.cov;
    for (const { point } of points) {
      if (refused || (point.config as unknown as BacnetPointFields).cov === false) {
        pollInstead.push(point.id);
        continue;
      }
      const onValue = (v: CovValue) => {
        const r = reading(point, v.value, v.flags && qualityOf(v.flags), this.ctx.clock.now());
        if (typeof r === 'string') sink.bad([point.id], r);
        else sink.values(this.config.id, [r]);
      };
      try {
        this.subscriptions.push(
          await client.subscribeCov(device, objectOf(point), lifetimeS, onValue, {
            onLost: (err) => sink.bad([point.id], `COV renewal failed: ${err.message}`),
            onRenewed: () => sink.alive(),
          }),
        );
      } catch (err) {
        if ((err as DriverError).code !== 'refused') throw err;
        this.ctx.log.info(
          { device: this.config.id, reason: (err as Error).message },
          'no COV: polling instead',
        );
        refused = true;
        pollInstead.push(point.id);
      }
    }
    return { keepAliveMs: lifetimeS * 750, pollInstead };
  }

  plan(_device: unknown, points: readonly DriverPoint[]): BacnetPlan {
    const objects = points.map(({ point }) => ({ point, object: objectOf(point) }));
    return {
      points: objects,
      reads: objects.flatMap(({ object }) => READ.map((property) => ({ object, property }))),
    };
  }

  async read(plan: BacnetPlan): Promise<ReadOutcome> {
    const { client, device } = this.ready();
    const results = await client.readMultiple(device, plan.reads);
    const ts = this.ctx.clock.now();
    const out: Required<ReadOutcome> = { values: [], failed: [] };
    plan.points.forEach(({ point }, i) => {
      const [pv, flags, reliability] = results.slice(
        i * READ.length,
        (i + 1) * READ.length,
      ) as PropertyResult[];
      const status = qualityOf(
        Array.isArray(flags?.value) ? statusFlags(flags.value as boolean[]) : undefined,
        typeof reliability?.value === 'number' ? reliability.value : 0,
      );
      const r = pv?.error ? pv.error : reading(point, pv?.value, status, ts);
      if (typeof r === 'string') out.failed.push({ pointIds: [point.id], reason: r });
      else out.values.push(r);
    });
    return out;
  }

  /** WriteProperty at the priority (null: relinquish it), then the value the device now holds. */
  async write(point: PointDef, raw: PointValue | null, priority: number): Promise<RawReading | undefined> {
    const { client, device } = this.ready();
    if (typeof raw === 'string')
      throw new DriverError('bad-config', `${point.id}: BACnet takes numbers and booleans`);
    const object = objectOf(point);
    await client.write(device, object, raw, priority);
    const outcome = await this.read({
      points: [{ point, object }],
      reads: READ.map((property) => ({ object, property })),
    });
    return outcome.values[0];
  }

  /** Diagnostics: an object's value, who commands it (its priority array) and its state. */
  async browse(_deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const { client, device } = this.ready();
    const object = parseObjectKey(String(request.object ?? ''));
    if (!object) throw new DriverError('bad-config', 'expected object: analog-value:1 or the like');
    const properties = [P.OBJECT_NAME, ...READ, P.PRIORITY_ARRAY, P.RELINQUISH_DEFAULT, P.UNITS];
    const results = await client.readMultiple(
      device,
      properties.map((property) => ({ object, property })),
    );
    const names = [
      'name',
      'presentValue',
      'statusFlags',
      'reliability',
      'priorityArray',
      'relinquishDefault',
      'units',
    ];
    return {
      device: device.deviceId,
      object: objectKey(object),
      ...Object.fromEntries(results.map((r, i) => [names[i], r.value ?? { error: r.error }])),
    };
  }

  /** Who-Is on this device's socket (through its BBMD when it has one): devices and their objects, for the site file. */
  async discover(request: Record<string, unknown>): Promise<unknown> {
    const { client } = this.ready();
    const timeoutMs = Number(request.timeoutMs ?? 3_000);
    const low = Number(request.low ?? 0);
    const high = Number(request.high ?? 4_194_303);
    return client.discover(timeoutMs, { low, high });
  }

  stats() {
    return {
      ...this.client?.stats,
      address: this.client?.address ?? '',
      covSubscriptions: this.subscriptions.length,
      maxApdu: this.device?.maxApdu ?? 0,
    };
  }

  private ready(): { client: BacnetClient; device: BacnetDevice } {
    if (!this.client || !this.device) throw new DriverError('closed', 'not connected');
    return { client: this.client, device: this.device };
  }
}

function objectOf(point: PointDef): ObjectRef {
  return parseObjectKey((point.config as unknown as BacnetPointFields).object)!;
}

function withPort(address: string): string {
  return address.includes(':') ? address : `${address}:47808`;
}

/** A present value as a raw reading, or why it cannot be one. */
function reading(
  point: PointDef,
  value: PlainValue | undefined,
  status: ReturnType<typeof qualityOf> | undefined,
  ts: number,
): RawReading | string {
  if (status?.quality === 'bad') return status.reason ?? 'BACnet fault';
  if (typeof value !== 'number' && typeof value !== 'boolean')
    return `expected a number or a state, got ${JSON.stringify(value)}`;
  return { pointId: point.id, value, quality: status?.quality ?? 'good', reason: status?.reason, ts };
}
