import {
  AttributeIds,
  type ClientMonitoredItemGroup,
  type ClientSession,
  type ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  type DataValue,
  DeadbandType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua';
import { type Adapter, type AdapterContext, AdapterError } from '../../core/devices/driver.js';
import type { PointValue, Quality, RawReading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { browse } from './browse.js';
import { toServerNodeId } from './node-address.js';
import { type ClientPki, HUB_APPLICATION_URI, openClientPki, pkiDirOf } from './opcua-pki.js';
import type { OpcuaDevice } from './opcua-schema.js';
import type { OpcuaPoint } from './points.js';
import { checkServerCertificate } from './server-certificate.js';
import { qualityOf, statusText } from './status.js';
import { fromVariant, toVariant } from './variant.js';
import { withTimeout } from './with-timeout.js';

interface Item {
  op: OpcuaPoint;
  /** The node id with the namespace index the server uses in this session. */
  nodeId?: string;
  value?: PointValue;
  quality: Quality;
  reason?: string;
  publishedAt: number;
  /** The server said Bad (or refused the node): no value to pass on until a good one arrives. */
  bad: boolean;
}

/** Silence longer than this many keep-alive periods: the points turn uncertain; twice as long: bad, and reconnect. */
const UNCERTAIN_AFTER_KEEPALIVES = 2;
const LOST_AFTER_KEEPALIVES = 4;
/** Grace on top, for a busy event loop or a slow network. */
const SILENCE_GRACE_MS = 1_000;
const ITEMS_PER_REQUEST = 1_000;

type SilenceState = 'alive' | 'uncertain' | 'lost';

/**
 * One OPC UA server: a session, one subscription with a monitored item per subscribed point, and a read
 * every interval for the others. Subscriptions report changes only, so while the server keeps the
 * subscription alive (data or keep-alives) each point's value is passed on at least once per interval; when
 * the subscription goes silent the points turn uncertain and then bad and the link is reported lost. The
 * supervisor reconnects with backoff; every connect builds a new session and subscription and looks the
 * namespace indexes up again, so a restarted server is followed without a hub restart. node-opcua's own
 * reconnection is off: one owner for retries.
 */
export class OpcuaAdapter implements Adapter {
  private client?: OPCUAClient;
  private session?: ClientSession;
  private subscription?: ClientSubscription;
  private readonly items: Item[];
  private readonly byPoint = new Map<string, Item>();
  /** Each connect gets a number; callbacks from an older session are ignored. */
  private generation = 0;
  private timer: unknown;
  private lastAliveAt = 0;
  private keepAliveMs = 0;
  private silence: SilenceState = 'alive';
  private nextReadAt = 0;
  private reading = false;
  private pending: RawReading[] = [];
  private flushScheduled = false;
  private readonly counters = {
    dataChanges: 0,
    keepAlives: 0,
    badStatuses: 0,
    refusedNodes: 0,
    heartbeats: 0,
    reads: 0,
    silences: 0,
  };

  constructor(
    private readonly device: OpcuaDevice,
    private readonly site: SiteModel,
    private readonly ctx: AdapterContext,
    points: OpcuaPoint[],
  ) {
    this.items = points.map((op) => ({ op, quality: 'good', publishedAt: 0, bad: false }));
    for (const item of this.items) this.byPoint.set(item.op.point.id, item);
  }

  async connect(): Promise<void> {
    const gen = ++this.generation;
    // close() during a connect (the hub stopping) makes the rest of it moot: nothing may outlive the close
    const stale = () => gen !== this.generation;
    const closed = () => new AdapterError('closed', 'closed while connecting');
    const d = this.device;
    const pki = await openClientPki(pkiDirOf(this.site.hub.dataDir));
    if (stale()) throw closed();
    const serverCertificate =
      d.securityMode === 'None' ? undefined : await checkServerCertificate(d, pki, this.clientOptions(pki));
    if (stale()) throw closed();
    const client = OPCUAClient.create({
      ...this.clientOptions(pki),
      securityMode: MessageSecurityMode[d.securityMode],
      securityPolicy: SecurityPolicy[d.securityPolicy],
      serverCertificate,
      requestedSessionTimeout: d.sessionTimeoutMs,
      keepSessionAlive: false,
    });
    this.client = client;
    client.on('connection_lost', () => this.lost(gen, new AdapterError('closed', 'connection lost')));
    try {
      await withTimeout(client.connect(d.endpoint), d.timeoutMs, `connect to ${d.endpoint}`);
      if (stale()) throw closed();
      const session = await withTimeout(
        client.createSession(this.identity()),
        d.timeoutMs,
        'create a session',
      ).catch((err) => {
        throw loginError(err, d.username);
      });
      this.session = session;
      session.on('session_closed', () =>
        this.lost(gen, new AdapterError('closed', 'session closed by the server')),
      );
      const namespaces = await withTimeout(
        session.readNamespaceArray(),
        d.timeoutMs,
        'read the namespace array',
      );
      if (stale()) throw closed();
      this.resolveNodes(namespaces);
      await this.subscribe(session, gen);
      if (stale()) throw closed();
      this.silence = 'alive';
      this.lastAliveAt = this.ctx.clock.now();
      this.nextReadAt = 0;
      const tick = Math.max(50, Math.min(this.keepAliveMs, d.intervalMs) / 4);
      this.timer = this.ctx.clock.setInterval(() => this.onTick(gen), tick);
    } catch (err) {
      if (!stale()) this.generation++; // callbacks of this half-built session are ignored from now on
      await this.dispose(false);
      throw connectError(err);
    }
  }

  private clientOptions(pki: ClientPki) {
    const d = this.device;
    return {
      applicationName: 'facility-hub',
      applicationUri: HUB_APPLICATION_URI,
      clientCertificateManager: pki.manager,
      certificateFile: pki.certificateFile,
      privateKeyFile: pki.privateKeyFile,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      // node-opcua closes a socket idle this long; keep-alives may come only every 5 s, and the silence watch
      // (faster, and with quality on the way) is what notices a quiet server
      transportTimeout: Math.max(d.timeoutMs, 30_000),
      defaultTransactionTimeout: d.timeoutMs,
    };
  }

  private identity(): UserIdentityInfo {
    const { username, passwordEnv } = this.device;
    if (!username || !passwordEnv) return { type: UserTokenType.Anonymous };
    return { type: UserTokenType.UserName, userName: username, password: process.env[passwordEnv] ?? '' };
  }

  /** Namespace URIs → the indexes this server uses now. A namespace it lacks makes its points bad. */
  private resolveNodes(namespaces: string[]) {
    const missing = new Map<string, string[]>();
    for (const item of this.items) {
      item.nodeId = toServerNodeId(item.op.address, namespaces);
      if (item.nodeId) continue;
      const uri = item.op.address.namespaceUri!;
      missing.set(uri, [...(missing.get(uri) ?? []), item.op.point.id]);
    }
    for (const [uri, ids] of missing) {
      this.counters.refusedNodes += ids.length;
      this.markBad(ids, `the server has no namespace ${uri}`);
    }
  }

  private async subscribe(session: ClientSession, gen: number) {
    const d = this.device;
    const keepAliveCount = Math.max(
      1,
      Math.floor(Math.min(d.intervalMs, 10_000) / 2 / d.publishingIntervalMs),
    );
    const subscription = await withTimeout(
      session.createSubscription2({
        requestedPublishingInterval: d.publishingIntervalMs,
        requestedMaxKeepAliveCount: keepAliveCount,
        requestedLifetimeCount: keepAliveCount * 10,
        maxNotificationsPerPublish: 0,
        publishingEnabled: true,
        priority: 10,
      }),
      d.timeoutMs,
      'create a subscription',
    );
    this.subscription = subscription;
    this.keepAliveMs = subscription.publishingInterval * subscription.maxKeepAliveCount;
    subscription.on('keepalive', () => {
      if (gen !== this.generation) return;
      this.counters.keepAlives++;
      this.alive();
    });
    subscription.on('received_notifications', () => gen === this.generation && this.alive());
    subscription.on('terminated', () =>
      this.lost(gen, new AdapterError('closed', 'the server terminated the subscription')),
    );

    // one CreateMonitoredItems request per parameter set, at most ITEMS_PER_REQUEST items each
    const groups = new Map<string, Item[]>();
    for (const item of this.items) {
      if (item.op.mode !== 'subscribe' || !item.nodeId) continue;
      const key = JSON.stringify(this.parametersOf(item));
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    const refused: { id: string; reason: string }[] = [];
    for (const [key, all] of groups) {
      for (let i = 0; i < all.length; i += ITEMS_PER_REQUEST) {
        const chunk = all.slice(i, i + ITEMS_PER_REQUEST);
        const group: ClientMonitoredItemGroup = await withTimeout(
          subscription.monitorItems(
            chunk.map((x) => ({ nodeId: x.nodeId!, attributeId: AttributeIds.Value })),
            this.monitoringParameters(JSON.parse(key)),
            TimestampsToReturn.Both,
          ),
          d.timeoutMs * 2,
          'create monitored items',
        );
        group.monitoredItems.forEach((m, j) => {
          if (m.statusCode.isNotGood())
            refused.push({ id: chunk[j]!.op.point.id, reason: statusText(m.statusCode) });
        });
        group.on('changed', (_m, value, index) => {
          if (gen === this.generation) this.onValue(chunk[index]!, value);
        });
      }
    }
    if (refused.length) {
      this.counters.refusedNodes += refused.length;
      this.ctx.log.warn(
        { count: refused.length, first: refused.slice(0, 5) },
        'the server refused monitored items (wrong node ids?)',
      );
      for (const r of refused) this.markBad([r.id], `the server refused the node: ${r.reason}`);
    }
  }

  private parametersOf(item: Item) {
    const { op } = item;
    const numeric = op.point.type === 'number';
    // the point's deadband is in its own unit; on the server it applies to the raw value
    const absolute = numeric && op.point.deadband > 0 ? op.point.deadband / Math.abs(op.point.factor) : 0;
    return {
      samplingInterval: op.samplingIntervalMs,
      queueSize: op.queueSize,
      deadband:
        numeric && op.deadbandPercent ? { percent: op.deadbandPercent } : absolute ? { absolute } : null,
    };
  }

  private monitoringParameters(p: ReturnType<OpcuaAdapter['parametersOf']>) {
    const filter = p.deadband
      ? new DataChangeFilter({
          trigger: DataChangeTrigger.StatusValue,
          deadbandType: 'percent' in p.deadband ? DeadbandType.Percent : DeadbandType.Absolute,
          deadbandValue: 'percent' in p.deadband ? p.deadband.percent : p.deadband.absolute,
        })
      : null;
    return { samplingInterval: p.samplingInterval, queueSize: p.queueSize, discardOldest: true, filter };
  }

  /** A value from the subscription or a read. */
  private onValue(item: Item, dv: DataValue) {
    const now = this.ctx.clock.now();
    const point = item.op.point;
    this.counters.dataChanges++;
    const quality = qualityOf(dv.statusCode);
    if (quality === 'bad') {
      this.counters.badStatuses++;
      this.markBad([point.id], `OPC UA ${statusText(dv.statusCode)}`);
      return;
    }
    const value = fromVariant(dv.value, point.type);
    if (value === undefined) {
      this.ctx.devices.malformed(
        this.device.id,
        item.op.nodeIdText,
        `expected a ${point.type}, got ${dv.value.dataType === undefined ? 'nothing' : `a ${dv.value.dataType}`}`,
        String(dv.value.value).slice(0, 80),
      );
      return;
    }
    item.value = value;
    item.quality = quality;
    item.reason = quality === 'uncertain' ? `OPC UA ${statusText(dv.statusCode)}` : undefined;
    item.bad = false;
    item.publishedAt = now;
    const ts = dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? now;
    this.queue({ pointId: point.id, value, quality, reason: item.reason, ts });
  }

  private queue(r: RawReading) {
    this.pending.push(r);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const gen = this.generation;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.pending;
      this.pending = [];
      // values queued before the link was lost or closed would make bad points look good again
      if (!batch.length || gen !== this.generation) return;
      this.ctx.publish(batch);
      this.ctx.devices.seen(this.device.id, batch.length);
    });
  }

  private markBad(pointIds: string[], reason: string) {
    for (const id of pointIds) {
      const item = this.byPoint.get(id);
      if (item) item.bad = true;
    }
    this.ctx.pointsBad(pointIds, reason);
  }

  private alive() {
    this.lastAliveAt = this.ctx.clock.now();
    if (this.silence === 'uncertain') {
      this.silence = 'alive';
      this.ctx.log.info('the subscription is answering again');
      this.heartbeat(true);
    }
  }

  private onTick(gen: number) {
    if (gen !== this.generation) return;
    const now = this.ctx.clock.now();
    const silentMs = now - this.lastAliveAt;
    if (silentMs > LOST_AFTER_KEEPALIVES * this.keepAliveMs + 2 * SILENCE_GRACE_MS) {
      const reason = `subscription silent for ${(silentMs / 1000).toFixed(1)} s (keep-alive every ${this.keepAliveMs / 1000} s)`;
      this.lost(gen, new AdapterError('timeout', reason));
      return;
    }
    if (silentMs > UNCERTAIN_AFTER_KEEPALIVES * this.keepAliveMs + SILENCE_GRACE_MS) {
      if (this.silence !== 'alive') return;
      this.silence = 'uncertain';
      this.counters.silences++;
      const reason = `subscription silent for ${(silentMs / 1000).toFixed(1)} s: last value`;
      for (const item of this.items) {
        if (item.bad || item.value === undefined || item.op.mode !== 'subscribe') continue;
        this.queue({ pointId: item.op.point.id, value: item.value, quality: 'uncertain', reason, ts: now });
      }
      return;
    }
    this.heartbeat(false);
    if (now >= this.nextReadAt && !this.reading) {
      this.nextReadAt = now + this.device.intervalMs;
      void this.readPolled(gen);
    }
  }

  /** Unchanged values of a live subscription, passed on once per interval (all of them when forced). */
  private heartbeat(force: boolean) {
    const now = this.ctx.clock.now();
    const due = now - this.device.intervalMs * 0.9;
    for (const item of this.items) {
      if (item.bad || item.value === undefined || item.op.mode !== 'subscribe') continue;
      if (!force && item.publishedAt > due) continue;
      item.publishedAt = now;
      this.counters.heartbeats++;
      this.queue({
        pointId: item.op.point.id,
        value: item.value,
        quality: item.quality,
        reason: item.reason,
        ts: now,
      });
    }
  }

  /** Points in read mode: one Read request per interval (in chunks). */
  private async readPolled(gen: number) {
    const items = this.items.filter((i) => i.op.mode === 'read' && i.nodeId);
    const session = this.session;
    if (!items.length || !session) return;
    this.reading = true;
    try {
      for (let i = 0; i < items.length; i += ITEMS_PER_REQUEST) {
        const chunk = items.slice(i, i + ITEMS_PER_REQUEST);
        const values = await withTimeout(
          session.read(chunk.map((x) => ({ nodeId: x.nodeId!, attributeId: AttributeIds.Value }))),
          this.device.timeoutMs,
          'read',
        );
        if (gen !== this.generation) return;
        this.counters.reads++; // a Read answering says nothing of the subscription: not alive()
        for (let j = 0; j < values.length; j++) this.onValue(chunk[j]!, values[j]!);
      }
    } catch (err) {
      if (gen !== this.generation) return;
      this.markBad(
        items.map((i) => i.op.point.id),
        `read failed: ${(err as Error).message}`,
      );
    } finally {
      this.reading = false;
    }
  }

  private lost(gen: number, error: AdapterError) {
    if (gen !== this.generation) return;
    this.generation++; // later callbacks of this session are ignored
    if (this.timer !== undefined) this.ctx.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.silence = 'lost';
    this.markBad(
      this.items.map((i) => i.op.point.id),
      `link lost: ${error.message}`,
    );
    this.ctx.linkLost(error);
  }

  async write(pointId: string, value: PointValue): Promise<void> {
    const item = this.byPoint.get(pointId);
    if (!item) throw new AdapterError('bad-config', `${pointId} is not an OPC UA point of ${this.device.id}`);
    const session = this.session;
    if (!session) throw new AdapterError('closed', 'not connected');
    if (!item.nodeId)
      throw new AdapterError('bad-config', `${pointId}: the server has no node ${item.op.nodeIdText}`);
    const point = item.op.point;
    // the pipeline's scale, offset and unit conversion undone
    const raw = typeof value === 'number' ? (value - point.addend) / point.factor : value;
    const t = this.device.timeoutMs;
    const node = { nodeId: item.nodeId, attributeId: AttributeIds.Value };
    // the node's own data type (Float, Int16, ...), so the server gets exactly what it expects
    const current = await withTimeout(session.read(node), t, 'read before write');
    const variant = toVariant(raw, current.value.dataType);
    if (typeof variant === 'string') throw new AdapterError('bad-config', `${pointId}: ${variant}`);
    const status = await withTimeout(session.write({ ...node, value: { value: variant } }), t, 'write');
    if (status.isNotGood())
      throw new AdapterError(
        'exception',
        `the server refused the write to ${item.op.nodeIdText}: ${statusText(status)}`,
      );
    this.onValue(item, await withTimeout(session.read(node), t, 'read back'));
  }

  async inspect(_deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const session = this.session;
    if (!session) throw new AdapterError('closed', 'not connected');
    return browse(session, String(request.nodeId ?? 'i=85'), this.device.timeoutMs);
  }

  stats() {
    const subscribed = this.items.filter((i) => i.op.mode === 'subscribe' && i.nodeId).length;
    return {
      ...this.counters,
      monitoredItems: subscribed,
      readPoints: this.items.filter((i) => i.op.mode === 'read').length,
      keepAliveMs: this.keepAliveMs,
      silentMs: this.session ? this.ctx.clock.now() - this.lastAliveAt : 0,
      securityMode: this.device.securityMode,
    };
  }

  async close(): Promise<void> {
    const graceful = this.silence === 'alive' && this.generation > 0;
    this.generation++;
    await this.dispose(graceful);
  }

  private async dispose(graceful: boolean) {
    if (this.timer !== undefined) this.ctx.clock.clearInterval(this.timer);
    this.timer = undefined;
    const { client, session, subscription } = this;
    this.client = undefined;
    this.session = undefined;
    this.subscription = undefined;
    // a server that is gone would make each of these wait for its timeout
    if (graceful) {
      await withTimeout(subscription?.terminate() ?? Promise.resolve(), 1_000, 'terminate').catch(
        () => undefined,
      );
      await withTimeout(session?.close() ?? Promise.resolve(), 1_000, 'close session').catch(() => undefined);
    }
    client?.removeAllListeners();
    await withTimeout(client?.disconnect() ?? Promise.resolve(), 2_000, 'disconnect').catch(() => undefined);
  }
}

/** node-opcua's connect errors are paragraphs; the supervisor wants a code and one line. */
function connectError(err: unknown): AdapterError {
  if (err instanceof AdapterError) return err;
  const message = (err as Error)?.message ?? String(err);
  const errno = /\b(ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EPIPE)\b/.exec(message)?.[1];
  const code =
    errno === 'ECONNREFUSED'
      ? 'refused'
      : errno
        ? errno === 'ECONNRESET' || errno === 'EPIPE'
          ? 'closed'
          : 'timeout'
        : 'protocol';
  const line = errno ? `cannot connect: ${errno}` : (message.split('\n').find((l) => l.trim()) ?? message);
  return new AdapterError(code, line.trim(), { cause: err });
}

function loginError(err: unknown, username: string | undefined): AdapterError {
  const message = (err as Error)?.message ?? String(err);
  if (/BadUserAccessDenied|BadIdentityToken/i.test(message))
    return new AdapterError(
      'refused',
      username
        ? `the server refused the login of user "${username}": ${message}`
        : `anonymous login refused: ${message}`,
      { cause: err },
    );
  return AdapterError.from(err);
}
