import {
  AttributeIds,
  type ClientMonitoredItemGroup,
  type ClientSession,
  type ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  type DataType,
  type DataValue,
  DeadbandType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua';
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
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { browse } from './browse.js';
import { toServerNodeId } from './node-address.js';
import { type ClientPki, HUB_APPLICATION_URI, openClientPki, pkiDirOf } from './opcua-pki.js';
import type { OpcuaDevice } from './opcua-schema.js';
import type { OpcuaPoint } from './points.js';
import { checkServerCertificate } from './server-certificate.js';
import { qualityOf, statusText } from './status.js';
import { fromVariant, toVariant } from './variant.js';
import { withTimeout } from './with-timeout.js';
import { OpcuaWriteBatch } from './write-batch.js';

const ITEMS_PER_REQUEST = 1_000;

/** A point with the node id the server uses in this session (namespace indexes resolved at connect). */
interface Node {
  op: OpcuaPoint;
  nodeId?: string;
  /** The data type of the node's value as last seen in this session (a write sends it in that type). */
  dataType?: DataType;
}

/** The read-mode points of the server, as the framework polls them. */
export interface OpcuaReadPlan {
  nodes: Node[];
  /** Points whose namespace the server lacks, reported bad with the first read. */
  missing: { pointIds: string[]; reason: string }[];
}

/**
 * One OPC UA server: a session, one subscription with a monitored item per subscribed point, and a Read of the
 * read-mode points when the framework polls. Every connect builds a new session and subscription and looks the
 * namespace indexes up again, so a restarted server that renumbered its namespaces is followed. node-opcua's
 * own reconnection is off: the framework owns retries, heartbeats and the silence watch.
 */
export class OpcuaDriver implements Driver<OpcuaReadPlan> {
  private client?: OPCUAClient;
  private session?: ClientSession;
  private subscription?: ClientSubscription;
  /** The session's writes of one event-loop turn, sent together. */
  private writes?: OpcuaWriteBatch;
  private readonly nodes = new Map<string, Node>();
  /** Each connect gets a number; callbacks from an older session are ignored. */
  private generation = 0;
  private readonly counters = { dataChanges: 0, keepAlives: 0, badStatuses: 0, refusedNodes: 0, reads: 0 };

  constructor(
    private readonly device: OpcuaDevice,
    private readonly site: SiteModel,
    private readonly ctx: DriverContext,
    points: OpcuaPoint[],
  ) {
    for (const op of points) this.nodes.set(op.point.id, { op });
  }

  async connect(): Promise<void> {
    const gen = ++this.generation;
    // close() during a connect (the hub stopping) makes the rest of it moot: nothing may outlive the close
    const stale = () => gen !== this.generation;
    const closed = () => new DriverError('closed', 'closed while connecting');
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
    client.on('connection_lost', () => this.lost(gen, 'connection lost'));
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
      session.on('session_closed', () => this.lost(gen, 'session closed by the server'));
      const namespaces = await withTimeout(
        session.readNamespaceArray(),
        d.timeoutMs,
        'read the namespace array',
      );
      if (stale()) throw closed();
      for (const node of this.nodes.values()) {
        node.nodeId = toServerNodeId(node.op.address, namespaces);
        node.dataType = undefined;
      }
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

  /** One subscription; one CreateMonitoredItems request per parameter set, at most ITEMS_PER_REQUEST items each. */
  async subscribe(points: readonly DriverPoint[], sink: PushSink): Promise<SubscribeResult> {
    const session = this.session;
    if (!session) throw new DriverError('closed', 'not connected');
    const gen = this.generation;
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
    subscription.on('keepalive', () => {
      if (gen !== this.generation) return;
      this.counters.keepAlives++;
      sink.alive();
    });
    subscription.on('received_notifications', () => gen === this.generation && sink.alive());
    subscription.on('terminated', () => this.lost(gen, 'the server terminated the subscription'));

    const refused = this.missingNamespaces(points);
    const groups = new Map<string, { node: Node; deadbandRaw: number }[]>();
    for (const p of points) {
      const node = this.nodes.get(p.point.id);
      if (!node?.nodeId) continue;
      const key = JSON.stringify(parametersOf(node.op, p.deadbandRaw));
      groups.set(key, [...(groups.get(key) ?? []), { node, deadbandRaw: p.deadbandRaw }]);
    }
    const denied: { pointIds: string[]; reason: string }[] = [];
    for (const [key, all] of groups) {
      for (let i = 0; i < all.length; i += ITEMS_PER_REQUEST) {
        const chunk = all.slice(i, i + ITEMS_PER_REQUEST).map((x) => x.node);
        const group: ClientMonitoredItemGroup = await withTimeout(
          subscription.monitorItems(
            chunk.map((x) => ({ nodeId: x.nodeId!, attributeId: AttributeIds.Value })),
            monitoringParameters(JSON.parse(key)),
            TimestampsToReturn.Both,
          ),
          d.timeoutMs * 2,
          'create monitored items',
        );
        group.monitoredItems.forEach((m, j) => {
          if (m.statusCode.isNotGood())
            denied.push({
              pointIds: [chunk[j]!.op.point.id],
              reason: `the server refused the node: ${statusText(m.statusCode)}`,
            });
        });
        group.on('changed', (_m, value, index) => {
          if (gen !== this.generation) return;
          this.counters.dataChanges++;
          const node = chunk[index]!;
          const r = this.toReading(node, value);
          if (r === 'bad') sink.bad([node.op.point.id], `OPC UA ${statusText(value.statusCode)}`);
          else if (r) sink.values(d.id, [r]);
        });
      }
    }
    if (denied.length) {
      this.counters.refusedNodes += denied.length;
      this.ctx.log.warn(
        { count: denied.length, first: denied.slice(0, 5) },
        'the server refused monitored items (wrong node ids?)',
      );
    }
    return {
      keepAliveMs: subscription.publishingInterval * subscription.maxKeepAliveCount,
      refused: [...refused, ...denied],
    };
  }

  /** Points whose namespace the server lacks: bad, with the URI named. */
  private missingNamespaces(points: readonly DriverPoint[]): { pointIds: string[]; reason: string }[] {
    const missing = new Map<string, string[]>();
    for (const p of points) {
      const node = this.nodes.get(p.point.id);
      if (!node || node.nodeId) continue;
      const uri = node.op.address.namespaceUri!;
      missing.set(uri, [...(missing.get(uri) ?? []), p.point.id]);
    }
    this.counters.refusedNodes += [...missing.values()].reduce((n, ids) => n + ids.length, 0);
    return [...missing].map(([uri, pointIds]) => ({
      pointIds,
      reason: `the server has no namespace ${uri}`,
    }));
  }

  plan(_device: OpcuaDevice, points: readonly DriverPoint[]): OpcuaReadPlan {
    return {
      nodes: points.flatMap((p) => this.nodes.get(p.point.id) ?? []),
      missing: this.missingNamespaces(points),
    };
  }

  /** The read-mode points: one Read per chunk. A Read answering says nothing of the subscription. */
  async read(plan: OpcuaReadPlan): Promise<ReadOutcome> {
    const session = this.session;
    if (!session) throw new DriverError('closed', 'not connected');
    const gen = this.generation;
    const nodes = plan.nodes.filter((n) => n.nodeId);
    const out: ReadOutcome = { values: [], failed: plan.missing.splice(0) };
    try {
      for (let i = 0; i < nodes.length; i += ITEMS_PER_REQUEST) {
        const chunk = nodes.slice(i, i + ITEMS_PER_REQUEST);
        const values = await withTimeout(
          session.read(chunk.map((x) => ({ nodeId: x.nodeId!, attributeId: AttributeIds.Value }))),
          this.device.timeoutMs,
          'read',
        );
        if (gen !== this.generation) throw new DriverError('closed', 'the session changed');
        this.counters.reads++;
        values.forEach((dv, j) => {
          this.counters.dataChanges++;
          const r = this.toReading(chunk[j]!, dv);
          if (r === 'bad')
            out.failed!.push({
              pointIds: [chunk[j]!.op.point.id],
              reason: `OPC UA ${statusText(dv.statusCode)}`,
            });
          else if (r) out.values.push(r);
        });
      }
    } catch (err) {
      if (err instanceof DriverError) throw err;
      // a failed Read marks the read points bad; the subscription and the link stay as they are
      throw new DriverError('protocol', `read failed: ${(err as Error).message}`);
    }
    return out;
  }

  /** A data value as a raw reading; 'bad' for a Bad status; undefined (counted as malformed) when not a point's type. */
  private toReading(node: Node, dv: DataValue): RawReading | 'bad' | undefined {
    const point = node.op.point;
    const quality = qualityOf(dv.statusCode);
    if (quality === 'bad') {
      this.counters.badStatuses++;
      return 'bad';
    }
    const value = fromVariant(dv.value, point.type);
    if (value !== undefined) node.dataType = dv.value.dataType;
    else {
      this.ctx.devices.malformed(
        this.device.id,
        node.op.nodeIdText,
        `expected a ${point.type}, got ${dv.value.dataType === undefined ? 'nothing' : `a ${dv.value.dataType}`}`,
        String(dv.value.value).slice(0, 80),
      );
      return undefined;
    }
    const now = this.ctx.clock.now();
    return {
      pointId: point.id,
      value,
      quality,
      reason: quality === 'uncertain' ? `OPC UA ${statusText(dv.statusCode)}` : undefined,
      ts: dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? now,
    };
  }

  private lost(gen: number, reason: string) {
    if (gen !== this.generation) return;
    this.generation++; // later callbacks of this session are ignored
    this.ctx.linkLost(new DriverError('closed', reason));
  }

  /** Write in the node's own data type, then read it back (the value passed on as a reading). */
  async write(point: PointDef, raw: PointValue | null): Promise<RawReading | undefined> {
    const node = this.nodes.get(point.id);
    if (!node) throw new DriverError('bad-config', `${point.id} is not an OPC UA point of ${this.device.id}`);
    if (raw === null)
      throw new DriverError('bad-config', `${point.id}: an OPC UA node has no priority array to relinquish`);
    const session = this.session;
    if (!session) throw new DriverError('closed', 'not connected');
    if (!node.nodeId)
      throw new DriverError('bad-config', `${point.id}: the server has no node ${node.op.nodeIdText}`);
    const t = this.device.timeoutMs;
    const id = { nodeId: node.nodeId, attributeId: AttributeIds.Value };
    // the node's own data type (Float, Int16, ...), so the server gets exactly what it expects: as last seen
    // in this session (a data change, a read, the last write's read-back), else read first. A server that
    // changed the node's type answers BadTypeMismatch: the type is read again and the write tried once more.
    if (this.writes?.session !== session) this.writes = new OpcuaWriteBatch(session, t);
    const writes = this.writes;
    for (let attempt = 0; ; attempt++) {
      const known = attempt === 0 ? node.dataType : undefined;
      const dataType = known ?? (await withTimeout(session.read(id), t, 'read before write')).value.dataType;
      const variant = toVariant(raw, dataType);
      if (typeof variant === 'string') {
        node.dataType = undefined;
        if (known !== undefined) continue; // maybe the type changed: read it
        throw new DriverError('bad-config', `${point.id}: ${variant}`);
      }
      // with the other writes of this turn: one Write request, then one Read of them all
      const { status, back } = await writes.writeAndReadBack(node.nodeId, variant);
      if (known !== undefined && status.value === StatusCodes.BadTypeMismatch.value) {
        node.dataType = undefined;
        continue;
      }
      if (status.isNotGood())
        throw new DriverError(
          'exception',
          `the server refused the write to ${node.op.nodeIdText}: ${statusText(status)}`,
        );
      const reading = this.toReading(node, back);
      return reading === 'bad' ? undefined : reading;
    }
  }

  async browse(_deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const session = this.session;
    if (!session) throw new DriverError('closed', 'not connected');
    return browse(session, String(request.nodeId ?? 'i=85'), this.device.timeoutMs);
  }

  stats() {
    const subscribed = [...this.nodes.values()].filter((n) => n.op.mode === 'subscribe' && n.nodeId).length;
    return {
      ...this.counters,
      monitoredItems: subscribed,
      readPoints: [...this.nodes.values()].filter((n) => n.op.mode === 'read').length,
      keepAliveMs: this.subscription
        ? this.subscription.publishingInterval * this.subscription.maxKeepAliveCount
        : 0,
      securityMode: this.device.securityMode,
    };
  }

  async close(): Promise<void> {
    const graceful = !!this.session && this.generation > 0;
    this.generation++;
    await this.dispose(graceful);
  }

  private async dispose(graceful: boolean) {
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

function parametersOf(op: OpcuaPoint, deadbandRaw: number) {
  const numeric = op.point.type === 'number';
  // the point's own deadband (in its unit) applies on the server to the raw value
  const absolute = numeric && deadbandRaw > 0 ? deadbandRaw : 0;
  return {
    samplingInterval: op.samplingIntervalMs,
    queueSize: op.queueSize,
    deadband:
      numeric && op.deadbandPercent ? { percent: op.deadbandPercent } : absolute ? { absolute } : null,
  };
}

function monitoringParameters(p: ReturnType<typeof parametersOf>) {
  const filter = p.deadband
    ? new DataChangeFilter({
        trigger: DataChangeTrigger.StatusValue,
        deadbandType: 'percent' in p.deadband ? DeadbandType.Percent : DeadbandType.Absolute,
        deadbandValue: 'percent' in p.deadband ? p.deadband.percent : p.deadband.absolute,
      })
    : null;
  return { samplingInterval: p.samplingInterval, queueSize: p.queueSize, discardOldest: true, filter };
}

/** node-opcua's connect errors are paragraphs; the framework wants a code and one line. */
function connectError(err: unknown): DriverError {
  if (err instanceof DriverError) return err;
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
  return new DriverError(code, line.trim(), { cause: err });
}

function loginError(err: unknown, username: string | undefined): DriverError {
  const message = (err as Error)?.message ?? String(err);
  if (/BadUserAccessDenied|BadIdentityToken/i.test(message))
    return new DriverError(
      'refused',
      username
        ? `the server refused the login of user "${username}": ${message}`
        : `anonymous login refused: ${message}`,
      { cause: err },
    );
  return DriverError.from(err);
}
