import bacnet, {
  ApplicationTag,
  type BACNetAppData,
  type BACNetReadAccessSpecification,
  type BACnetMessageHeader,
  type CovNotifyPayload,
  ErrorClass,
  ErrorCode,
  type IAMResult,
  PropertyIdentifier as P,
  type Segmentation,
} from '@bacnet-js/client';
import { DriverError } from '../../core/devices/driver.js';
import { type DiscoveredDevice, describe } from './discovery.js';
import { type PropertyRead, planReads } from './read-plan.js';
import { type StatusFlags, statusFlags } from './status.js';
import { normalizeAddress, UdpTransport, type UdpTransportOptions } from './udp-transport.js';
import { encodeValue, type ObjectRef, type PlainValue, plainValue } from './values.js';

/** The library's client class. CommonJS with an ES-module flag: Node's import puts it on `default`, vitest's unwraps it. */
export const Library = ((bacnet as { default?: unknown }).default ?? bacnet) as typeof bacnet.default;
const ALL = 0xffffffff; // "no array index" in the library's requests and answers

export interface BacnetClientOptions extends UdpTransportOptions {
  /** One request's answer time (default 3,000 ms, BACnet's usual APDU timeout). */
  timeoutMs?: number;
  /** Tries after the first when a request times out (default 1). */
  retries?: number;
  /** A renewal (COV, foreign-device registration) or the socket failed later on. */
  onProblem?: (what: string, err: DriverError) => void;
}

/** A device as its I-Am describes it; `address` is `host:port`, `maxApdu` the longest APDU it takes. */
export interface BacnetDevice {
  deviceId: number;
  address: string;
  maxApdu: number;
  segmentation: Segmentation;
  vendorId: number;
}

/** A value read, or the device's error for it (`property/unknown-property`) or why it could not be read. */
export type PropertyResult = PropertyRead & { value?: PlainValue; error?: string };
export type CovValue = { value?: PlainValue; flags?: StatusFlags; timeRemaining: number };
type CovHandler = { deviceId: number; object: ObjectRef; onValue: (v: CovValue) => void };

/**
 * The hub's BACnet/IP client: a thin typed layer over @bacnet-js/client on one UDP socket. It adds what the
 * library leaves to its users: requests sized to the device's max APDU, one request at a time per device,
 * retries on timeout, COV and foreign-device renewals, and an DriverError for every failure.
 */
export class BacnetClient {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly cov = new Map<number, CovHandler>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextProcessId = 1;
  private bbmd?: string;

  private constructor(
    private readonly lib: InstanceType<typeof Library>,
    private readonly transport: UdpTransport,
    private readonly options: BacnetClientOptions,
  ) {
    lib.on('error', (err) => options.onProblem?.('socket', DriverError.from(err)));
    lib.on('covNotifyUnconfirmed', (c) => this.notified(c.payload));
    lib.on('covNotify', (c) => {
      this.notified(c.payload);
      if (c.header?.sender && c.invokeId !== undefined)
        lib.simpleAckResponse(c.header.sender, c.service!, c.invokeId);
    });
  }

  /** Bind the socket to an address and port of this host (port 0 takes a free one). */
  static async open(options: BacnetClientOptions = {}): Promise<BacnetClient> {
    const transport = new UdpTransport(options);
    const lib = new Library({ transport, apduTimeout: options.timeoutMs ?? 3000 });
    try {
      await transport.ready;
    } catch (err) {
      lib.close();
      const code = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'refused' : 'bad-config';
      throw new DriverError(code, `bind: ${(err as Error).message}`, { cause: err });
    }
    return new BacnetClient(lib, transport, options);
  }

  /** The local `host:port`, and datagrams received, sent and malformed. */
  get address(): string {
    return this.transport.localAddress;
  }

  get stats() {
    return { ...this.transport.stats, subscriptions: this.cov.size };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    this.cov.clear();
    this.lib.close();
  }

  /**
   * Who-Is (to `to` when the device's address is known; through the BBMD once registered as a foreign device;
   * else broadcast) and the I-Ams in `timeoutMs`.
   */
  async whoIs(
    timeoutMs: number,
    range?: { low: number; high: number },
    to?: string,
  ): Promise<BacnetDevice[]> {
    const found = new Map<number, BacnetDevice>();
    const onIAm = ({ header, payload: p }: { header?: BACnetMessageHeader; payload: IAMResult }) => {
      const from = header?.sender.forwardedFrom ?? header?.sender.address; // through a BBMD: the device's own
      if (!from || (range && (p.deviceId < range.low || p.deviceId > range.high))) return;
      const { deviceId, maxApdu, segmentation, vendorId } = p;
      found.set(deviceId, { deviceId, address: normalizeAddress(from), maxApdu, segmentation, vendorId });
    };
    this.lib.on('iAm', onIAm);
    try {
      const limits = range && { lowLimit: range.low, highLimit: range.high };
      if (to) this.lib.whoIs({ address: to }, limits);
      else if (this.bbmd) this.lib.whoIsThroughBBMD({ address: this.bbmd }, limits);
      else if (limits) this.lib.whoIs(limits);
      else this.lib.whoIs();
      await new Promise((r) => setTimeout(r, timeoutMs));
    } finally {
      this.lib.off('iAm', onIAm);
    }
    return [...found.values()].sort((a, b) => a.deviceId - b.deviceId);
  }

  /** whoIs, then each device's name and objects (name, units, present value), ready for a site file. */
  async discover(timeoutMs: number, range?: { low: number; high: number }): Promise<DiscoveredDevice[]> {
    const devices: DiscoveredDevice[] = [];
    for (const d of await this.whoIs(timeoutMs, range))
      devices.push(await describe(this, d).catch((e: Error) => ({ ...d, objects: [], error: e.message })));
    return devices;
  }

  /** Read properties in as few ReadPropertyMultiple requests as fit the device's max APDU. */
  async readMultiple(device: BacnetDevice, reads: readonly PropertyRead[]): Promise<PropertyResult[]> {
    if (reads.some((r) => r.index === 0))
      throw new DriverError('bad-config', 'array index 0: not in ReadPropertyMultiple');
    const results = new Map<PropertyRead, PropertyResult>();
    for (const chunk of planReads(reads, device.maxApdu)) await this.readChunk(device, chunk, results);
    return reads.map((r) => results.get(r)!);
  }

  /**
   * SubscribeCOV for `lifetimeS` seconds (0: for good), renewed at three quarters of it. A device that answers
   * with an error, reject or abort throws `refused` (poll it instead); a failed renewal goes to `onLost` and is
   * tried again at the next period.
   */
  async subscribeCov(
    device: BacnetDevice,
    object: ObjectRef,
    lifetimeS: number,
    onValue: (v: CovValue) => void,
    opts: { confirmed?: boolean; onLost?: (err: DriverError) => void; onRenewed?: () => void } = {},
  ): Promise<{ processId: number; cancel(): Promise<void> }> {
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
      const e = err as DriverError;
      throw e.code === 'exception'
        ? new DriverError('refused', `COV refused: ${e.message}`, { cause: e })
        : e;
    }
    const renew = this.every(lifetimeS * 750, () =>
      send(false).then(opts.onRenewed, (e: DriverError) => opts.onLost?.(e)),
    );
    return {
      processId,
      cancel: async () => {
        clearInterval(renew);
        this.cov.delete(processId);
        await send(true).catch(() => undefined);
      },
    };
  }

  /** WriteProperty to the present value at a priority (1–16); null relinquishes that priority. */
  async write(device: BacnetDevice, object: ObjectRef, value: number | boolean | null, priority: number) {
    if (!Number.isInteger(priority) || priority < 1 || priority > 16)
      throw new DriverError('bad-config', `priority ${priority}: expected 1 to 16`);
    const values = [encodeValue(object.type, value)];
    await this.request(device.address, 'WriteProperty', (to) =>
      this.lib.writeProperty(to, object, P.PRESENT_VALUE, values, { priority }),
    );
  }

  /** Write NULL at `priority`: the command there is withdrawn, the next one (or the default) takes over. */
  relinquish(device: BacnetDevice, object: ObjectRef, priority: number): Promise<void> {
    return this.write(device, object, null, priority);
  }

  /** Register with a BBMD for `ttlS` seconds, again every half of it; whoIs then goes through it. */
  async registerForeignDevice(bbmd: string, ttlS: number): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 3000;
    const register = () =>
      this.lib.registerForeignDevice({ address: bbmd }, ttlS).catch((err: unknown) => {
        throw libraryError(err, `register with BBMD ${bbmd}`, timeoutMs);
      });
    await register();
    this.bbmd = normalizeAddress(bbmd);
    this.every(ttlS * 500, () => register().catch((e) => this.options.onProblem?.('foreign device', e)));
  }

  /** One ReadPropertyMultiple; an answer too long for the device is asked again in halves. */
  private async readChunk(
    d: BacnetDevice,
    chunk: PropertyRead[],
    out: Map<PropertyRead, PropertyResult>,
  ): Promise<void> {
    const specs: BACNetReadAccessSpecification[] = [];
    for (const r of chunk) {
      const last = specs.at(-1);
      const property = { id: r.property, index: r.index ?? ALL };
      if (last && sameObject(last.objectId, r.object)) last.properties.push(property);
      else specs.push({ objectId: r.object, properties: [property] });
    }
    const ack = await this.request(d.address, 'ReadPropertyMultiple', (to) =>
      this.lib.readPropertyMultiple(to, specs),
    ).catch((err: DriverError) => {
      if (!/reason (1|4|11)$/.test(err.message)) throw err; // buffer-overflow, segmentation-not-supported, apdu-too-long
      return err;
    });
    if (ack instanceof DriverError) {
      if (chunk.length === 1) return void out.set(chunk[0]!, { ...chunk[0]!, error: ack.message });
      const half = Math.ceil(chunk.length / 2);
      await this.readChunk(d, chunk.slice(0, half), out);
      return this.readChunk(d, chunk.slice(half), out);
    }
    for (const r of chunk) {
      const values = ack.values.find((v) => sameObject(v.objectId, r.object))?.values;
      const found = values?.find((v) => v.id === r.property && v.index === (r.index ?? ALL));
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

  private notified(p: CovNotifyPayload): void {
    const h = this.cov.get(p.subscriberProcessId);
    // the library's type says number; it decodes an object identifier
    const from = p.initiatingDeviceId as number | ObjectRef;
    const deviceId = typeof from === 'number' ? from : from.instance;
    if (!h || h.deviceId !== deviceId || !sameObject(h.object, p.monitoredObjectId)) return;
    const of = (id: number) => p.values.find((v) => v.property.id === id)?.value;
    const [value, flags] = [of(P.PRESENT_VALUE), of(P.STATUS_FLAGS)];
    h.onValue({
      value: value && plainValue(h.object.type, P.PRESENT_VALUE, value),
      flags: flags && statusFlags(plainValue(h.object.type, P.STATUS_FLAGS, flags) as boolean[]),
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
}

const sameObject = (a: ObjectRef, b: ObjectRef) => a.type === b.type && a.instance === b.instance;
const enumName = (e: Record<number, string>, n: number) => e[n]?.toLowerCase().replaceAll('_', '-') ?? n;

/** `object/unknown-object`: the names BACnet documents use. */
function errorName(e: { errorClass: number; errorCode: number }): string {
  return `${enumName(ErrorClass, e.errorClass)}/${enumName(ErrorCode, e.errorCode)}`;
}

/** The library's errors are messages: `BacnetError - Class:2 - Code:32`, `BacnetAbort - Reason:4`, `ERR_TIMEOUT`. */
function libraryError(err: unknown, what: string, timeoutMs: number): DriverError {
  if (err instanceof DriverError) return err;
  const message = (err as Error)?.message ?? String(err);
  const error = /BacnetError - Class:(\d+) - Code:(\d+)/.exec(message);
  const abort = /BacnetAbort - Reason:(\d+)/.exec(message);
  if (message === 'ERR_TIMEOUT') return new DriverError('timeout', `${what}: no answer in ${timeoutMs} ms`);
  if (message === 'ERR_CLOSED') return new DriverError('closed', `${what}: the client is closed`);
  if (error)
    return new DriverError(
      'exception',
      `${what}: ${errorName({ errorClass: +error[1]!, errorCode: +error[2]! })}`,
    );
  // the library decodes a Reject as an Abort: the number is either's reason
  if (abort) return new DriverError('exception', `${what}: abort or reject, reason ${abort[1]}`);
  return DriverError.from(err, 'protocol');
}
