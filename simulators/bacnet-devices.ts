import {
  AbortReason,
  type BACNetAppData,
  type BACNetObjectID,
  type BACNetReadAccess,
  BvlcResultPurpose,
  ErrorClass,
  ErrorCode,
  ObjectType,
  PropertyIdentifier as P,
  RejectReason,
  ConfirmedServiceChoice as S,
  Segmentation,
  ServicesSupported,
  ServicesSupportedBitString,
  StatusFlagsBitString,
  ApplicationTag as T,
} from '@bacnet-js/client';
import { Library as Client } from '../adapters/bacnet/bacnet-client.js';
import { UdpTransport } from '../adapters/bacnet/udp-transport.js';
import { objectKey } from '../adapters/bacnet/values.js';
import { abortFrame, iAmFrame, type MalformedKind, malformedFrame, rejectFrame } from './bacnet-frames.js';
import { presentValue, type SimModel, type SimObject } from './bacnet-models.js';
import {
  element,
  enumerated,
  type Failure,
  fail,
  OBJECT_PROPERTIES,
  objectProperty,
  oid,
  statusBits,
  text,
  typed,
  uint,
  type Values,
  writeObject,
} from './bacnet-properties.js';

type Library = InstanceType<typeof Client>;
const ALL = 0xffffffff;
const ANY_DEVICE = 0x3fffff; // "this device" in a request
const MAX_APDU_OCTETS = [50, 128, 206, 480, 1024, 1476]; // the 4-bit code in a confirmed request
const DEVICE_PROPERTIES = [
  ...[P.OBJECT_IDENTIFIER, P.OBJECT_NAME, P.OBJECT_TYPE, P.SYSTEM_STATUS, P.VENDOR_NAME, P.VENDOR_IDENTIFIER],
  ...[
    P.MODEL_NAME,
    P.FIRMWARE_REVISION,
    P.APPLICATION_SOFTWARE_VERSION,
    P.PROTOCOL_VERSION,
    P.PROTOCOL_REVISION,
  ],
  ...[P.PROTOCOL_SERVICES_SUPPORTED, P.OBJECT_LIST, P.MAX_APDU_LENGTH_ACCEPTED, P.SEGMENTATION_SUPPORTED],
  ...[P.APDU_TIMEOUT, P.NUMBER_OF_APDU_RETRIES, P.DATABASE_REVISION],
];

/** The simulator's socket: it can fall silent or answer late, and it cannot send a segmented answer. */
class SimTransport extends UdpTransport {
  muted = false;
  /** Every datagram goes out this many ms late (a slow or overloaded controller). */
  delayMs = 0;
  /** While set, an answer (ComplexAck) longer than this many octets becomes an Abort, as on a device without segmented transmit. */
  replyLimit?: number;
  aborts = 0;
  /** Who sent this device something, and when (ms since the epoch). */
  readonly heard = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  override send(buffer: Buffer, length: number, receiver?: string): void {
    // the APDU starts after the BVLL (4) and an NPDU without routing (2): this device answers direct peers only
    if (this.replyLimit !== undefined && buffer[6]! >> 4 === 3 && length - 6 > this.replyLimit && receiver) {
      this.aborts++;
      this.sendRaw(abortFrame(buffer[7]!, AbortReason.SEGMENTATION_NOT_SUPPORTED), receiver);
    } else super.send(buffer, length, receiver);
  }

  override sendRaw(bytes: Buffer, to: string): void {
    if (this.muted) return;
    if (this.delayMs <= 0) {
      super.sendRaw(bytes, to);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.muted) super.sendRaw(bytes, to); // fell silent while the answer was on its way: none
    }, this.delayMs);
    this.timers.add(timer);
  }

  override close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    super.close();
  }

  protected override receive(msg: Buffer, from: string): void {
    if (this.muted) return;
    this.heard.set(from, Date.now());
    super.receive(msg, from);
  }
}

interface Subscription {
  subscriber: string;
  processId: number;
  object: SimObject;
  confirmed: boolean;
  /** ms since the epoch; Infinity for a lifetime of 0 (indefinite). */
  expiresAt: number;
  last?: { value: number; flags: string };
}

export interface SimBacnetDeviceOptions {
  deviceId: number;
  name: string;
  model: SimModel;
  /** Loopback address to bind (default 127.0.0.1) and port (default 0: a free one). */
  host?: string;
  port?: number;
  /** 50, 128, 206, 480, 1024 or 1476 (default). */
  maxApdu?: number;
  vendorId?: number;
  /** Where this device's broadcasts go: on loopback, the BBMD that stands for the subnet. */
  broadcast?: string[];
  /** The model's step (default 1,000 ms; 0: only when `tick()` is called). */
  tickMs?: number;
}

export interface SimSubscriptionStatus {
  subscriber: string;
  processId: number;
  object: string;
  confirmed: boolean;
  /** Seconds left; null for an indefinite subscription. */
  remainingS: number | null;
}

/**
 * One simulated BACnet/IP device on @bacnet-js/client's server side: Who-Is, ReadProperty(Multiple),
 * WriteProperty with the 16-level priority array, SubscribeCOV with lifetimes; and a control API for tests.
 */
export class SimulatedBacnetDevice {
  readonly stats = {
    whoIs: 0,
    reads: 0,
    writes: 0,
    subscribes: 0,
    notifications: 0,
    notificationFailures: 0,
  };
  /** false: SubscribeCOV is rejected (unrecognized service), as on a device without COV. */
  covEnabled = true;
  /** true: the model stands still (tick() moves nothing); writes and faults still apply. */
  frozen = false;
  maxApdu: number;
  private answering = true;
  private delayMs = 0;
  private lib?: Library;
  private transport?: SimTransport;
  private timer?: NodeJS.Timeout;
  private subscriptions: Subscription[] = [];
  private readonly objects = new Map<string, SimObject>();
  private t = 0;
  private port: number;
  private broadcast: string[];

  constructor(readonly options: SimBacnetDeviceOptions) {
    this.maxApdu = options.maxApdu ?? 1476;
    this.port = options.port ?? 0;
    this.broadcast = options.broadcast ?? [];
    for (const o of options.model.objects) this.objects.set(objectKey(o), o);
  }

  get deviceId(): number {
    return this.options.deviceId;
  }

  /** `host:port` while running. */
  get address(): string {
    return `${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  get running(): boolean {
    return this.lib !== undefined;
  }

  /** Bind and answer; the port stays the same across stop and start. */
  async start(): Promise<void> {
    if (this.lib) return;
    const transport = new SimTransport({ address: this.options.host ?? '127.0.0.1', port: this.port });
    const lib = new Client({ transport, apduTimeout: 3000 });
    try {
      this.port = Number((await transport.ready).split(':')[1]);
    } catch (err) {
      lib.close();
      throw err;
    }
    lib.on('error', () => undefined); // a send to a closed port; the peer times out
    lib.on('whoIs', (c) => this.onWhoIs(c.payload, c.header?.sender.address, c.header?.func));
    lib.on('readProperty', (c) => this.onReadProperty(c));
    lib.on('readPropertyMultiple', (c) => this.onReadPropertyMultiple(c));
    lib.on('writeProperty', (c) => this.onWriteProperty(c));
    lib.on('subscribeCov', (c) => this.onSubscribeCov(c));
    this.lib = lib;
    this.transport = transport;
    transport.muted = !this.answering;
    transport.delayMs = this.delayMs;
    const tickMs = this.options.tickMs ?? 1000;
    if (tickMs > 0) this.timer = setInterval(() => this.tick(tickMs / 1000), tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.lib?.close();
    this.lib = undefined;
    this.transport = undefined;
    this.subscriptions = [];
  }

  // ---- control API ----

  /** Stop answering anything (the socket stays bound, as with a hung controller), or answer again. */
  setAnswering(on: boolean): void {
    this.answering = on;
    if (this.transport) this.transport.muted = !on;
  }

  /** Answering (not muted by setAnswering(false)). */
  get isAnswering(): boolean {
    return this.answering;
  }

  /** Send everything `ms` late (0: at once again); an answer later than the client's timeout is a lost one. */
  slow(ms: number): void {
    this.delayMs = ms;
    if (this.transport) this.transport.delayMs = ms;
  }

  get slowMs(): number {
    return this.delayMs;
  }

  /** The addresses that sent this device something in the last `withinMs` (the hub's socket, a client's). */
  peers(withinMs = 60_000): string[] {
    const since = Date.now() - withinMs;
    return [...(this.transport?.heard ?? [])].filter(([, at]) => at >= since).map(([address]) => address);
  }

  /** Forget every COV subscription, as a controller does when it restarts; returns how many there were. */
  dropSubscriptions(): number {
    const n = this.subscriptions.length;
    this.subscriptions = [];
    return n;
  }

  /** Health of an object: a reliability (`no-sensor` → fault), out of service, in alarm, overridden. */
  fault(
    key: string,
    f: Partial<Pick<SimObject, 'reliability' | 'outOfService' | 'inAlarm' | 'overridden'>>,
  ): void {
    Object.assign(this.object(key), f);
    this.covCheck();
  }

  /**
   * An input's (or non-commandable value's) value, which the model moves on unless the object is out of
   * service; a commandable object's value at priority 16 (null relinquishes it).
   */
  setValue(key: string, value: number | null): void {
    const o = this.object(key);
    if (o.priority) o.priority[15] = value;
    else if (value !== null) o.value = value;
    else throw new Error(`${key} on device ${this.deviceId} has no priority array to relinquish`);
    this.covCheck();
  }

  /** Every object, in the order of the object list. */
  objectList(): SimObject[] {
    return [...this.objects.values()];
  }

  /** 1476 … 50: the I-Am says it, and longer answers become an Abort (segmentation not supported). */
  setMaxApdu(octets: number): void {
    if (!MAX_APDU_OCTETS.includes(octets)) throw new Error(`max APDU ${octets}: expected ${MAX_APDU_OCTETS}`);
    this.maxApdu = octets;
  }

  /** Where this device's broadcasts go (the BBMD, once it is bound). */
  broadcastTo(targets: string[]): void {
    this.broadcast = targets;
  }

  /** Send a broken frame to `to` (`host:port`); returns the bytes. */
  sendMalformed(to: string, kind: MalformedKind): Buffer {
    const bytes = malformedFrame(kind);
    this.transport?.sendRaw(bytes, to);
    return bytes;
  }

  object(key: string): SimObject {
    const o = this.objects.get(key);
    if (!o) throw new Error(`no object ${key} on device ${this.deviceId}`);
    return o;
  }

  get aborts(): number {
    return this.transport?.aborts ?? 0;
  }

  covSubscriptions(): SimSubscriptionStatus[] {
    this.expire();
    return this.subscriptions.map((s) => ({
      subscriber: s.subscriber,
      processId: s.processId,
      object: objectKey(s.object),
      confirmed: s.confirmed,
      remainingS: Number.isFinite(s.expiresAt) ? Math.max(0, (s.expiresAt - Date.now()) / 1000) : null,
    }));
  }

  /** Advance the model by `dt` seconds and send the COV notifications that are due. */
  tick(dt: number): void {
    if (!this.frozen) {
      this.t += dt;
      this.options.model.step(dt, this.t);
    }
    this.covCheck();
  }

  // ---- services ----

  private onWhoIs(p: { lowLimit?: number; highLimit?: number }, sender?: string, func?: number): void {
    if (
      p.lowLimit !== undefined &&
      (this.deviceId < p.lowLimit || this.deviceId > (p.highLimit ?? p.lowLimit))
    )
      return;
    this.stats.whoIs++;
    // through a BBMD the I-Am goes out as a broadcast on this subnet (the BBMD forwards it); else straight back
    const viaBbmd = func === BvlcResultPurpose.FORWARDED_NPDU;
    const iAm = iAmFrame(this.deviceId, this.maxApdu, Segmentation.NO_SEGMENTATION, this.vendorId, viaBbmd);
    for (const to of viaBbmd ? this.broadcast : sender ? [sender] : []) this.transport?.sendRaw(iAm, to);
  }

  private onReadProperty(
    c: Request<{ objectId: BACNetObjectID; property: { id: number; index: number } }>,
  ): void {
    this.stats.reads++;
    const { objectId, property } = c.payload;
    const r = this.read(objectId, property.id, property.index);
    const id = objectId.instance === ANY_DEVICE ? { ...objectId, instance: this.deviceId } : objectId;
    if ('error' in r) this.error(c, S.READ_PROPERTY, r);
    else this.reply(c, (lib, to, invokeId) => lib.readPropertyResponse(to, invokeId, id, property, r));
  }

  private onReadPropertyMultiple(
    c: Request<{ properties: { objectId: BACNetObjectID; properties: { id: number; index: number }[] }[] }>,
  ): void {
    this.stats.reads++;
    const results: BACNetReadAccess[] = c.payload.properties.map(({ objectId, properties }) => {
      const o = this.find(objectId);
      const expanded = properties.flatMap((p) =>
        p.id === P.ALL || p.id === P.REQUIRED || p.id === P.OPTIONAL
          ? this.propertyList(o).map((id) => ({ id, index: ALL }))
          : [p],
      );
      return {
        objectId: o === 'device' ? { type: ObjectType.DEVICE, instance: this.deviceId } : objectId,
        values: expanded.map((p) => {
          const r = this.read(objectId, p.id, p.index);
          const value =
            'error' in r
              ? [
                  {
                    type: T.ERROR,
                    value: { type: 'BacnetError', errorClass: r.error[0], errorCode: r.error[1] },
                  },
                ]
              : r;
          return { property: p, value };
        }),
      };
    });
    this.reply(c, (lib, to, invokeId) => lib.readPropertyMultipleResponse(to, invokeId, results));
  }

  private onWriteProperty(
    c: Request<{
      objectId: BACNetObjectID;
      value: { property: { id: number }; value: Values; priority: number };
    }>,
  ): void {
    this.stats.writes++;
    const { objectId, value } = c.payload;
    const r = this.write(objectId, value.property.id, value.value[0], value.priority);
    if (r) this.error(c, S.WRITE_PROPERTY, r);
    else {
      this.ack(c, S.WRITE_PROPERTY);
      this.covCheck();
    }
  }

  private onSubscribeCov(c: Request<SubscribeCovRequest>): void {
    this.stats.subscribes++;
    const sender = c.header?.sender.address;
    if (!sender || c.invokeId === undefined) return;
    const o = this.find(c.payload.monitoredObjectId);
    if (!this.covEnabled)
      this.transport?.sendRaw(rejectFrame(c.invokeId, RejectReason.UNRECOGNIZED_SERVICE), sender);
    else if (!o) this.error(c, S.SUBSCRIBE_COV, fail(ErrorClass.OBJECT, ErrorCode.UNKNOWN_OBJECT));
    else if (o === 'device')
      this.error(c, S.SUBSCRIBE_COV, fail(ErrorClass.OBJECT, ErrorCode.OPTIONAL_FUNCTIONALITY_NOT_SUPPORTED));
    else this.subscribe(c, sender, o);
  }

  private subscribe(c: Request<SubscribeCovRequest>, sender: string, o: SimObject): void {
    const p = c.payload;
    const same = (s: Subscription) =>
      s.subscriber === sender && s.processId === p.subscriberProcessId && s.object === o;
    this.subscriptions = this.subscriptions.filter((s) => !same(s));
    if (!p.cancellationRequest) {
      this.subscriptions.push({
        subscriber: sender,
        processId: p.subscriberProcessId,
        object: o,
        confirmed: p.issueConfirmedNotifications,
        expiresAt: p.lifetime > 0 ? Date.now() + p.lifetime * 1000 : Number.POSITIVE_INFINITY,
      });
    }
    this.ack(c, S.SUBSCRIBE_COV);
    this.covCheck(); // a new subscription gets the current value at once
  }

  // ---- objects ----

  private get vendorId(): number {
    return this.options.vendorId ?? 999;
  }

  private find(id: BACNetObjectID): SimObject | 'device' | undefined {
    if (id.type === ObjectType.DEVICE)
      return id.instance === this.deviceId || id.instance === ANY_DEVICE ? 'device' : undefined;
    return this.objects.get(objectKey(id));
  }

  private propertyList(o: SimObject | 'device' | undefined): number[] {
    if (o === undefined) return [];
    return (o === 'device' ? DEVICE_PROPERTIES : OBJECT_PROPERTIES).filter(
      (p) => this.property(o, p) !== undefined,
    );
  }

  private read(id: BACNetObjectID, property: number, index: number): Values | Failure {
    const o = this.find(id);
    if (!o) return fail(ErrorClass.OBJECT, ErrorCode.UNKNOWN_OBJECT);
    return element(this.property(o, property), property, index);
  }

  private property(o: SimObject | 'device', id: number): Values | undefined {
    return o === 'device' ? this.deviceProperty(id) : objectProperty(o, id);
  }

  private write(id: BACNetObjectID, property: number, data: BACNetAppData | undefined, priority: number) {
    const o = this.find(id);
    if (!o) return fail(ErrorClass.OBJECT, ErrorCode.UNKNOWN_OBJECT);
    if (o === 'device' || !data) return fail(ErrorClass.PROPERTY, ErrorCode.WRITE_ACCESS_DENIED);
    return writeObject(o, property, data, priority);
  }

  private deviceProperty(id: number): Values | undefined {
    const { deviceId, name, model } = { ...this.options, deviceId: this.deviceId };
    const services = [ServicesSupported.I_AM, ServicesSupported.WHO_IS, ServicesSupported.READ_PROPERTY];
    services.push(ServicesSupported.READ_PROPERTY_MULTIPLE, ServicesSupported.WRITE_PROPERTY);
    if (this.covEnabled) services.push(ServicesSupported.SUBSCRIBE_COV);
    switch (id) {
      case P.OBJECT_IDENTIFIER:
        return [oid(ObjectType.DEVICE, deviceId)];
      case P.OBJECT_NAME:
        return [text(name)];
      case P.OBJECT_TYPE:
        return [enumerated(ObjectType.DEVICE)];
      case P.SYSTEM_STATUS:
        return [enumerated(0)]; // operational
      case P.VENDOR_NAME:
        return [text('facility-hub simulator')];
      case P.VENDOR_IDENTIFIER:
        return [uint(this.vendorId)];
      case P.MODEL_NAME:
        return [text(`sim-${model.kind}`)];
      case P.FIRMWARE_REVISION:
      case P.APPLICATION_SOFTWARE_VERSION:
        return [text('1.0')];
      case P.PROTOCOL_VERSION:
        return [uint(1)];
      case P.PROTOCOL_REVISION:
        return [uint(14)];
      case P.PROTOCOL_SERVICES_SUPPORTED:
        return [{ type: T.BIT_STRING, value: new ServicesSupportedBitString(...services) }];
      case P.OBJECT_LIST:
        return [
          oid(ObjectType.DEVICE, deviceId),
          ...[...this.objects.values()].map((o) => oid(o.type, o.instance)),
        ];
      case P.MAX_APDU_LENGTH_ACCEPTED:
        return [uint(this.maxApdu)];
      case P.SEGMENTATION_SUPPORTED:
        return [enumerated(Segmentation.NO_SEGMENTATION)];
      case P.APDU_TIMEOUT:
        return [uint(3000)];
      case P.NUMBER_OF_APDU_RETRIES:
        return [uint(3)];
      case P.DATABASE_REVISION:
        return [uint(1)];
    }
    return undefined;
  }

  // ---- COV ----

  private expire(): void {
    const now = Date.now();
    this.subscriptions = this.subscriptions.filter((s) => s.expiresAt > now);
  }

  /** Notify where the present value moved by the COV increment (any change if none) or the status flags changed. */
  private covCheck(): void {
    this.expire();
    for (const s of this.subscriptions) {
      const value = presentValue(s.object);
      const flags = statusBits(s.object).join();
      const step = s.object.covIncrement ?? 0;
      const moved = !s.last || (step > 0 ? Math.abs(value - s.last.value) >= step : value !== s.last.value);
      if (!moved && s.last?.flags === flags) continue;
      s.last = { value, flags };
      this.notify(s);
    }
  }

  private notify(s: Subscription): void {
    const lib = this.lib;
    if (!lib) return;
    const o = s.object;
    const values = [
      { property: { id: P.PRESENT_VALUE }, value: [typed(o, presentValue(o))] },
      {
        property: { id: P.STATUS_FLAGS },
        value: [{ type: T.BIT_STRING, value: new StatusFlagsBitString(...statusBits(o)) }],
      },
    ];
    const remaining = Number.isFinite(s.expiresAt) ? Math.ceil((s.expiresAt - Date.now()) / 1000) : 0;
    const to = { address: s.subscriber };
    const objectId = { type: o.type, instance: o.instance };
    this.stats.notifications++;
    if (!s.confirmed)
      lib.unconfirmedCOVNotification(to, s.processId, this.deviceId, objectId, remaining, values);
    else
      lib
        .confirmedCOVNotification(to, objectId, s.processId, this.deviceId, remaining, values)
        .catch(() => this.stats.notificationFailures++);
  }

  // ---- answers ----

  /** Answer to the sender directly (not back through a BBMD), within the requester's and this device's max APDU. */
  private reply(
    c: Request<unknown>,
    send: (lib: Library, to: { address: string }, invokeId: number) => void,
  ): void {
    const sender = c.header?.sender.address;
    if (!this.lib || !this.transport || !sender || c.invokeId === undefined) return;
    this.transport.replyLimit = Math.min(this.maxApdu, MAX_APDU_OCTETS[c.maxApdu ?? 5] ?? 1476);
    try {
      send(this.lib, { address: sender }, c.invokeId);
    } finally {
      this.transport.replyLimit = undefined;
    }
  }

  private ack(c: Request<unknown>, service: S): void {
    this.reply(c, (lib, to, invokeId) => lib.simpleAckResponse(to, service, invokeId));
  }

  private error(c: Request<unknown>, service: S, f: Failure): void {
    this.reply(c, (lib, to, invokeId) => lib.errorResponse(to, service, invokeId, f.error[0], f.error[1]));
  }
}

interface SubscribeCovRequest {
  subscriberProcessId: number;
  monitoredObjectId: BACNetObjectID;
  issueConfirmedNotifications: boolean;
  lifetime: number;
  cancellationRequest?: boolean;
}

/** What the library hands a request handler: the decoded request, who sent it, and the APDU header. */
interface Request<P> {
  header?: { sender: { address?: string }; func?: number };
  payload: P;
  invokeId?: number;
  maxApdu?: number;
}
