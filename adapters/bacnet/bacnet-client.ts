import bacnet, {
  ApplicationTag,
  type BACNetAppData,
  type BACNetReadAccessSpecification,
  type BACnetMessageHeader,
  ErrorClass,
  ErrorCode,
  type IAMResult,
  ObjectType,
  PropertyIdentifier as P,
  type Segmentation,
} from '@bacnet-js/client';
import { AdapterError } from '../../core/devices/driver.js';
import { type PropertyRead, planReads } from './read-plan.js';
import { type StatusFlags, statusFlags } from './status.js';
import { normalizeAddress, UdpTransport, type UdpTransportOptions } from './udp-transport.js';
import { hubUnit } from './units.js';
import { encodeValue, type ObjectRef, objectKey, type PlainValue, plainValue } from './values.js';

// The library is CommonJS; its client class is the module's `default`.
const Client = bacnet.default;
type Library = InstanceType<typeof Client>;
const ALL = 0xffffffff; // "no array index" in the library's requests and answers
const ANALOG = new Set<number>([ObjectType.ANALOG_INPUT, ObjectType.ANALOG_OUTPUT, ObjectType.ANALOG_VALUE]);
const enumName = (e: Record<number, string>, n: number) =>
  e[n]?.toLowerCase().replaceAll('_', '-') ?? String(n);

export type { PropertyRead };

export interface BacnetClientOptions extends UdpTransportOptions {
  /** One request's answer time (default 3,000 ms, BACnet's usual APDU timeout). */
  timeoutMs?: number;
  /** Tries after the first when a request times out (default 1). */
  retries?: number;
  /** A renewal (COV subscription, foreign-device registration) or the socket failed later on. */
  onProblem?: (what: string, err: AdapterError) => void;
}

/** A device as its I-Am describes it. */
export interface BacnetDevice {
  deviceId: number;
  /** `host:port` */
  address: string;
  /** The longest APDU it takes (and sends). */
  maxApdu: number;
  segmentation: Segmentation;
  vendorId: number;
}

export interface PropertyResult extends PropertyRead {
  value?: PlainValue;
  /** The device's error for this property (`property/unknown-property`), or why it could not be read. */
  error?: string;
}

/** An object found by discovery, in the form of a site file's point. */
export interface DiscoveredObject {
  /** A point name made from the object's name. */
  name: string;
  object: string;
  unit?: string;
  objectName?: string;
  presentValue?: PlainValue;
}

export interface DiscoveredDevice extends BacnetDevice {
  name?: string;
  vendorName?: string;
  modelName?: string;
  objects: DiscoveredObject[];
  /** Why its objects could not be read. */
  error?: string;
}

export interface CovValue {
  value?: PlainValue;
  flags?: StatusFlags;
  /** Seconds the subscription has left, as the device says. */
  timeRemaining: number;
}

export interface CovSubscription {
  processId: number;
  cancel(): Promise<void>;
}

interface CovHandler {
  deviceId: number;
  object: ObjectRef;
  onValue: (v: CovValue) => void;
}

/**
 * The hub's BACnet/IP client: a thin typed layer over @bacnet-js/client on one UDP socket. It adds what the
 * driver needs and the library leaves to its users: requests sized to the device's max APDU, one request at a
 * time per device, retries on timeout, COV and foreign-device renewals, and AdapterError for every failure.
 */
export class BacnetClient {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly cov = new Map<number, CovHandler>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextProcessId = 1;
  private bbmd?: string;

  private constructor(
    private readonly lib: Library,
    private readonly transport: UdpTransport,
    private readonly options: BacnetClientOptions,
  ) {
    lib.on('error', (err) => options.onProblem?.('socket', AdapterError.from(err)));
    lib.on('covNotifyUnconfirmed', (c) => this.notified(c.payload));
    lib.on('covNotify', (c) => {
      this.notified(c.payload);
      if (c.header?.sender && c.invokeId !== undefined)
        lib.simpleAckResponse(c.header.sender, c.service!, c.invokeId);
    });
  }

  /** Bind the socket (an address and port of this host; port 0 takes a free one). */
  static async open(options: BacnetClientOptions = {}): Promise<BacnetClient> {
    const transport = new UdpTransport(options);
    const lib = new Client({ transport, apduTimeout: options.timeoutMs ?? 3000 });
    try {
      await transport.ready;
    } catch (err) {
      lib.close();
      const e = err as NodeJS.ErrnoException;
      throw new AdapterError(e.code === 'EADDRINUSE' ? 'refused' : 'bad-config', `bind: ${e.message}`, {
        cause: err,
      });
    }
    return new BacnetClient(lib, transport, options);
  }

  /** The local `host:port`. */
  get address(): string {
    return this.transport.localAddress;
  }

  get stats() {
    return { ...this.transport.stats, subscriptions: this.cov.size };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.cov.clear();
    this.lib.close();
  }

  /**
   * Who-Is (through the BBMD once registered as a foreign device, else broadcast), the I-Ams that come within
   * `timeoutMs`, and unless `objects` is false each device's objects with name, units and present value.
   */
  async discover(timeoutMs: number, range?: { low: number; high: number }, objects = true) {
    const found = new Map<number, BacnetDevice>();
    const onIAm = ({ header, payload: p }: { header?: BACnetMessageHeader; payload: IAMResult }) => {
      const from = header?.sender.forwardedFrom ?? header?.sender.address;
      if (!from || (range && (p.deviceId < range.low || p.deviceId > range.high))) return;
      const { deviceId, maxApdu, segmentation, vendorId } = p;
      found.set(deviceId, { deviceId, address: normalizeAddress(from), maxApdu, segmentation, vendorId });
    };
    this.lib.on('iAm', onIAm);
    try {
      const limits = range && { lowLimit: range.low, highLimit: range.high };
      if (this.bbmd) this.lib.whoIsThroughBBMD({ address: this.bbmd }, limits);
      else if (limits) this.lib.whoIs(limits);
      else this.lib.whoIs();
      await new Promise((r) => setTimeout(r, timeoutMs));
    } finally {
      this.lib.off('iAm', onIAm);
    }
    const devices: DiscoveredDevice[] = [];
    for (const d of [...found.values()].sort((a, b) => a.deviceId - b.deviceId)) {
      if (!objects) devices.push({ ...d, objects: [] });
      else
        devices.push(
          await this.describe(d).catch((err: Error) => ({ ...d, objects: [], error: err.message })),
        );
    }
    return devices;
  }

  /** Read properties of a device in as few ReadPropertyMultiple requests as fit its max APDU. */
  async readMultiple(device: BacnetDevice, reads: readonly PropertyRead[]): Promise<PropertyResult[]> {
    const results = new Map<PropertyRead, PropertyResult>();
    // the library's ReadPropertyMultiple drops an array index of 0 (an array's length): ask those one by one
    for (const r of reads.filter((r) => r.index === 0)) results.set(r, await this.readProperty(device, r));
    const rest = reads.filter((r) => r.index !== 0);
    for (const chunk of planReads(rest, device.maxApdu)) await this.readChunk(device, chunk, results);
    return reads.map((r) => results.get(r)!);
  }

  /**
   * SubscribeCOV for `lifetimeS` seconds (0: for good), renewed at three quarters of it. A device that
   * answers with an error, reject or abort throws `refused` (poll it instead); a renewal that fails goes to
   * `onLost` and is tried again at the next period.
   */
  async subscribeCov(
    device: BacnetDevice,
    object: ObjectRef,
    lifetimeS: number,
    onValue: (v: CovValue) => void,
    opts: { confirmed?: boolean; onLost?: (err: AdapterError) => void } = {},
  ): Promise<CovSubscription> {
    const processId = this.nextProcessId++ % 0x3fffff;
    const send = (cancel: boolean) =>
      this.request(device.address, 'SubscribeCOV', (to) =>
        this.lib.subscribeCov(to, object, processId, cancel, !!opts.confirmed, lifetimeS),
      );
    this.cov.set(processId, { deviceId: device.deviceId, object, onValue });
    try {
      await send(false);
    } catch (err) {
      this.cov.delete(processId);
      const e = err as AdapterError;
      throw e.code === 'exception'
        ? new AdapterError('refused', `COV refused: ${e.message}`, { cause: e })
        : e;
    }
    const renew = this.every(lifetimeS * 750, () => send(false).catch((e: AdapterError) => opts.onLost?.(e)));
    return {
      processId,
      cancel: async () => {
        if (renew) this.cancelTimer(renew);
        this.cov.delete(processId);
        await send(true).catch(() => undefined);
      },
    };
  }

  /** WriteProperty at a priority (1–16) to the present value, or to `property`. */
  async write(
    device: BacnetDevice,
    object: ObjectRef,
    value: number | boolean | null,
    priority: number,
    property: number = P.PRESENT_VALUE,
  ): Promise<void> {
    if (!Number.isInteger(priority) || priority < 1 || priority > 16)
      throw new AdapterError('bad-config', `priority ${priority}: expected 1 to 16`);
    const data = [encodeValue(object.type, value)];
    await this.request(device.address, 'WriteProperty', (to) =>
      this.lib.writeProperty(to, object, property, data, { priority }),
    );
  }

  /** Write NULL at `priority`: the command there is withdrawn and the next one (or the default) takes over. */
  relinquish(device: BacnetDevice, object: ObjectRef, priority: number): Promise<void> {
    return this.write(device, object, null, priority);
  }

  /**
   * Register with a BBMD as a foreign device for `ttlS` seconds and again every half of it; discovery then
   * goes through it (Distribute-Broadcast-To-Network).
   */
  async registerForeignDevice(bbmd: string, ttlS: number): Promise<void> {
    const register = () =>
      this.lib.registerForeignDevice({ address: bbmd }, ttlS).catch((err: unknown) => {
        throw libraryError(err, `register with BBMD ${bbmd}`, this.options.timeoutMs ?? 3000);
      });
    await register();
    this.bbmd = normalizeAddress(bbmd);
    this.every(ttlS * 500, () =>
      register().catch((e: AdapterError) => this.options.onProblem?.('foreign-device registration', e)),
    );
  }

  private async describe(d: BacnetDevice): Promise<DiscoveredDevice> {
    const device = { type: ObjectType.DEVICE, instance: d.deviceId };
    const list = (await this.objectList(d)).filter((o) => o.type !== ObjectType.DEVICE);
    const reads: PropertyRead[] = [P.OBJECT_NAME, P.VENDOR_NAME, P.MODEL_NAME].map((property) => ({
      object: device,
      property,
    }));
    for (const object of list) {
      reads.push({ object, property: P.OBJECT_NAME }, { object, property: P.PRESENT_VALUE });
      if (ANALOG.has(object.type)) reads.push({ object, property: P.UNITS });
    }
    const res = await this.readMultiple(d, reads);
    const text = (i: number) => (typeof res[i]?.value === 'string' ? (res[i].value as string) : undefined);
    const objects = list.map((object): DiscoveredObject => {
      const of = (p: number) => res.find((r) => r.object === object && r.property === p)?.value;
      const objectName = of(P.OBJECT_NAME) as string | undefined;
      const units = of(P.UNITS);
      return {
        name: (objectName ?? objectKey(object))
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_|_$/g, ''),
        object: objectKey(object),
        unit: typeof units === 'number' ? hubUnit(units) : undefined,
        objectName,
        presentValue: of(P.PRESENT_VALUE),
      };
    });
    return { ...d, name: text(0), vendorName: text(1), modelName: text(2), objects };
  }

  /** The device's object list; element by element when the whole does not fit one APDU. */
  private async objectList(d: BacnetDevice): Promise<ObjectRef[]> {
    const object = { type: ObjectType.DEVICE, instance: d.deviceId };
    const [whole] = await this.readMultiple(d, [{ object, property: P.OBJECT_LIST }]);
    if (Array.isArray(whole?.value)) return whole.value as ObjectRef[];
    const [count] = await this.readMultiple(d, [{ object, property: P.OBJECT_LIST, index: 0 }]);
    if (typeof count?.value !== 'number') throw new AdapterError('protocol', `object list: ${whole?.error}`);
    const reads = Array.from({ length: count.value }, (_, i) => ({
      object,
      property: P.OBJECT_LIST,
      index: i + 1,
    }));
    return (await this.readMultiple(d, reads)).flatMap((r) => (r.value ? [r.value as ObjectRef] : []));
  }

  private async readProperty(d: BacnetDevice, r: PropertyRead): Promise<PropertyResult> {
    try {
      const ack = await this.request(d.address, 'ReadProperty', (to) =>
        this.lib.readProperty(to, r.object, r.property, { arrayIndex: r.index }),
      );
      return { ...r, value: plainValue(r.object.type, r.property, ack.values, r.index === undefined) };
    } catch (err) {
      if ((err as AdapterError).code !== 'exception') throw err;
      return { ...r, error: (err as Error).message };
    }
  }

  private async readChunk(
    d: BacnetDevice,
    chunk: PropertyRead[],
    out: Map<PropertyRead, PropertyResult>,
  ): Promise<void> {
    const specs: BACNetReadAccessSpecification[] = [];
    for (const r of chunk) {
      const last = specs.at(-1);
      const property = { id: r.property, index: r.index ?? ALL };
      if (last?.objectId.type === r.object.type && last.objectId.instance === r.object.instance)
        last.properties.push(property);
      else specs.push({ objectId: r.object, properties: [property] });
    }
    let ack: Awaited<ReturnType<Library['readPropertyMultiple']>>;
    try {
      ack = await this.request(d.address, 'ReadPropertyMultiple', (to) =>
        this.lib.readPropertyMultiple(to, specs),
      );
    } catch (err) {
      if (!tooLong(err)) throw err;
      if (chunk.length === 1) return void out.set(chunk[0]!, { ...chunk[0]!, error: (err as Error).message });
      const half = Math.ceil(chunk.length / 2);
      await this.readChunk(d, chunk.slice(0, half), out);
      return this.readChunk(d, chunk.slice(half), out);
    }
    for (const r of chunk) {
      const obj = ack.values.find(
        (v) => v.objectId.type === r.object.type && v.objectId.instance === r.object.instance,
      );
      const found = obj?.values.find((v) => v.id === r.property && v.index === (r.index ?? ALL));
      const first = found?.value[0] as BACNetAppData | undefined;
      if (!found) out.set(r, { ...r, error: 'not in the answer' });
      else if (first?.type === ApplicationTag.ERROR) out.set(r, { ...r, error: errorName(first.value) });
      else
        out.set(r, {
          ...r,
          value: plainValue(r.object.type, r.property, found.value, r.index === undefined),
        });
    }
  }

  private notified(p: {
    subscriberProcessId: number;
    initiatingDeviceId: number | ObjectRef; // the library's type says number; it decodes an object id
    monitoredObjectId: ObjectRef;
    timeRemaining: number;
    values: { property: { id: number }; value: BACNetAppData[] }[];
  }) {
    const h = this.cov.get(p.subscriberProcessId);
    const o = p.monitoredObjectId;
    const from =
      typeof p.initiatingDeviceId === 'number' ? p.initiatingDeviceId : p.initiatingDeviceId.instance;
    if (!h || h.deviceId !== from || h.object.type !== o.type || h.object.instance !== o.instance) return;
    const of = (id: number) => p.values.find((v) => v.property.id === id)?.value;
    const pv = of(P.PRESENT_VALUE);
    const flags = of(P.STATUS_FLAGS);
    h.onValue({
      value: pv && plainValue(o.type, P.PRESENT_VALUE, pv),
      flags: flags && statusFlags(plainValue(o.type, P.STATUS_FLAGS, flags) as boolean[]),
      timeRemaining: p.timeRemaining,
    });
  }

  /** One request at a time per device (small controllers take one), retried on timeout. */
  private request<T>(address: string, what: string, fn: (to: { address: string }) => Promise<T>): Promise<T> {
    const run = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await fn({ address });
        } catch (err) {
          const e = libraryError(err, `${what} to ${address}`, this.options.timeoutMs ?? 3000);
          if (e.code !== 'timeout' || attempt >= (this.options.retries ?? 1)) throw e;
        }
      }
    };
    const result = (this.queues.get(address) ?? Promise.resolve()).then(run, run);
    this.queues.set(
      address,
      result.catch(() => undefined),
    );
    return result;
  }

  private every(ms: number, fn: () => unknown): NodeJS.Timeout | undefined {
    if (ms <= 0) return undefined;
    const timer = setInterval(fn, ms).unref();
    this.timers.add(timer);
    return timer;
  }

  private cancelTimer(timer: NodeJS.Timeout) {
    clearInterval(timer);
    this.timers.delete(timer);
  }
}

/** `object/unknown-object`: the names BACnet documents use. */
function errorName(e: { errorClass: number; errorCode: number }): string {
  return `${enumName(ErrorClass, e.errorClass)}/${enumName(ErrorCode, e.errorCode)}`;
}

/** The library's errors are messages (`BacnetError - Class:2 - Code:32`, `BacnetAbort - Reason:4`, `ERR_TIMEOUT`). */
function libraryError(err: unknown, what: string, timeoutMs: number): AdapterError {
  if (err instanceof AdapterError) return err;
  const message = (err as Error)?.message ?? String(err);
  const error = /BacnetError - Class:(\d+) - Code:(\d+)/.exec(message);
  const abort = /BacnetAbort - Reason:(\d+)/.exec(message);
  if (message === 'ERR_TIMEOUT') return new AdapterError('timeout', `${what}: no answer in ${timeoutMs} ms`);
  if (message === 'ERR_CLOSED') return new AdapterError('closed', `${what}: the client is closed`);
  if (error)
    return new AdapterError(
      'exception',
      `${what}: ${errorName({ errorClass: +error[1]!, errorCode: +error[2]! })}`,
    );
  // the library decodes a Reject as an Abort: the reason's number has either meaning
  if (abort)
    return new AdapterError('exception', `${what}: abort or reject, reason ${abort[1]}`, { cause: err });
  return AdapterError.from(err, 'protocol');
}

/** Abort reasons meaning "the answer does not fit": buffer-overflow, segmentation-not-supported, apdu-too-long. */
function tooLong(err: unknown): boolean {
  const reason = /reason (\d+)$/.exec((err as Error).message)?.[1];
  return reason === '1' || reason === '4' || reason === '11';
}
