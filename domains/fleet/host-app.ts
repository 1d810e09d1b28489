import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../../core/clock.js';
import { type BackoffOptions, backoffDelay } from '../../core/devices/backoff.js';
import { notFound, unavailable } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import {
  decodePayload,
  encodePayload,
  NODE_CONTROL,
  type SparkplugMetric,
} from '../../core/sparkplug/sparkplug-codec.js';
import { formatTopic, NAMESPACE, parseTopic, stateTopic } from '../../core/sparkplug/sparkplug-topic.js';
import type { FleetSiteAnswer, FleetSitesAnswer } from './fleet-api-types.js';
import type { BrokerConnection, CentralSettings } from './fleet-schema.js';
import { type FleetCounters, FleetState, type PointMeta, type RebirthReason } from './fleet-state.js';

/**
 * The central hub's Sparkplug B host application (`hub.mode: central`): one MQTT session to the fleet's broker,
 * `spBv1.0/<group>/#` for every group it follows, its STATE retained (the will says offline). Decoded messages go
 * to the fleet state (births, deaths, seq, latest values); every data metric goes to InfluxDB as line protocol
 * through the storage's outbox; rebirths are asked for with NCMD `Node Control/Rebirth`.
 */

export interface FleetHostOptions {
  settings: CentralSettings;
  /** The central's data dir: the nodes it has heard from are remembered there (rebirths at the next start). */
  dataDir: string;
  /** The central's storage: false when it is not InfluxDB (latest values only, then). */
  storage: { appendLines(lines: readonly string[]): boolean };
  clock: Clock;
  log: Logger;
  backoff?: BackoffOptions;
}

export interface FleetHostStats extends FleetCounters {
  connected: boolean;
  url: string;
  hostId: string;
  /** Sessions to the broker since start. */
  connects: number;
  decodeErrors: number;
  /** Lines handed to storage, and lines dropped because storage is not InfluxDB. */
  linesWritten: number;
  linesDiscarded: number;
  commandsSent: number;
  /**
   * mosquitto's own count of messages it dropped (all clients: a full queue, see max_queued_messages), from its
   * $SYS tree; null where the broker does not tell (EMQX, or $SYS refused).
   */
  brokerDropped: number | null;
  /** Rebirths asked for at start and at every reconnect, in total. */
  rebirthsOnConnect: number;
  sites: { online: number; stale: number; offline: number; unknown: number };
}

const FLEET_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 10_000, jitter: 0.3 };
const NODES_FILE = 'fleet-nodes.json';
/** mosquitto's count of the messages it dropped (queues full), in its $SYS tree. */
const DROPPED_TOPIC = '$SYS/broker/publish/messages/dropped';
const BIRTHS_DIR = 'fleet-births';
/** Births are written this long after they came (a rebirth is an NBIRTH and a burst of DBIRTHs). */
const BIRTHS_SAVE_MS = 2_000;

/** A node's last births as they came (the Sparkplug payloads), kept to know its assets after a restart. */
interface KeptBirths {
  group: string;
  node: string;
  nbirth: Buffer;
  dbirths: Map<string, Buffer>;
  dirty: boolean;
}

export class FleetHost {
  private readonly state: FleetState;
  private client?: MqttClient;
  private connected = false;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: unknown;
  private tickTimer: unknown;
  private readonly nodesFile: string;
  private readonly birthsDir: string;
  private readonly births = new Map<string, KeptBirths>();
  private birthsTimer: unknown;
  private readonly extra = {
    connects: 0,
    decodeErrors: 0,
    linesWritten: 0,
    linesDiscarded: 0,
    commandsSent: 0,
    rebirthsOnConnect: 0,
  };
  private brokerDropped: number | null = null;
  private discardLogged = false;
  /** The timestamp of this session's STATE birth (its will and its orderly death carry the same). */
  private birthTs = 0;

  constructor(private readonly o: FleetHostOptions) {
    const s = o.settings;
    this.nodesFile = join(o.dataDir, NODES_FILE);
    this.birthsDir = join(o.dataDir, BIRTHS_DIR);
    this.state = new FleetState(
      {
        silentAfterMs: s.silentAfterS * 1000,
        rebirthHoldoffMs: s.rebirthHoldoffMs,
        sites: s.sites,
      },
      {
        now: () => o.clock.now(),
        rebirth: (group, node, reason) => this.requestRebirth(group, node, reason),
        lines: (lines) => this.write(lines),
        seen: () => this.saveNodes(),
      },
    );
    for (const n of this.loadNodes()) if (s.groups.includes(n.group)) this.state.remember(n.group, n.node);
    this.loadBirths();
  }

  /** Connect (and keep reconnecting with backoff) in the background. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tickTimer = this.o.clock.setInterval(() => this.state.tick(), 1000);
    void this.connect();
  }

  /** Publish STATE offline, then disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.o.clock.clearInterval(this.tickTimer);
    this.o.clock.clearTimeout(this.reconnectTimer);
    this.o.clock.clearTimeout(this.birthsTimer);
    this.saveBirths();
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (!client) return;
    if (client.connected)
      await client
        .publishAsync(stateTopic(this.o.settings.hostId), this.statePayload(false, this.birthTs), {
          qos: 1,
          retain: true,
        })
        .catch(() => undefined);
    await client.endAsync(true).catch(() => undefined);
  }

  sites(): FleetSitesAnswer {
    return { sites: this.state.sites(), broker: { connected: this.connected, url: this.o.settings.url } };
  }

  site(id: string): FleetSiteAnswer | undefined {
    return this.state.site(id);
  }

  /** A site's asset as its last DBIRTH described it (kind, points with type, alias, unit, writable). */
  asset(site: string, asset: string): { kind: string; points: ReadonlyMap<string, PointMeta> } | undefined {
    return this.state.asset(site, asset);
  }

  /**
   * A DCMD to a site's asset (the site's edge node hands it to its command service, which decides). Resolves
   * when the broker has it; not-found for a site or asset the central does not know, unavailable without the
   * broker.
   */
  async sendCommand(site: string, asset: string, metrics: SparkplugMetric[]): Promise<void> {
    const group = this.state.groupOf(site);
    if (group === undefined) throw notFound('site', site);
    if (!this.state.asset(site, asset)) throw notFound('asset', `${site}/${asset}`);
    const client = this.client;
    if (!client || !this.connected)
      throw unavailable(`not connected to the fleet broker ${this.o.settings.url}`);
    const topic = formatTopic({ group, type: 'DCMD', node: site, device: asset });
    const payload = encodePayload({ timestamp: this.o.clock.now(), metrics });
    await client.publishAsync(topic, Buffer.from(payload), { qos: 1 });
    this.extra.commandsSent++;
    this.o.log.info({ site, asset, metrics: metrics.map((m) => m.name ?? m.alias) }, 'DCMD sent');
  }

  stats(): FleetHostStats {
    return {
      ...this.state.counters,
      ...this.extra,
      brokerDropped: this.brokerDropped,
      connected: this.connected,
      url: this.o.settings.url,
      hostId: this.o.settings.hostId,
      sites: this.state.stateCounts(),
    };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const s = this.o.settings;
    const birthTs = this.o.clock.now();
    let client: MqttClient;
    try {
      client = mqtt.connect(s.url, {
        ...brokerOptions(s),
        clientId: s.clientId ?? s.hostId,
        keepalive: s.keepAliveS,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        clean: true,
        resubscribe: false,
        will: {
          topic: stateTopic(s.hostId),
          payload: Buffer.from(this.statePayload(false, birthTs)),
          qos: 1,
          retain: true,
        },
        log: () => undefined,
      });
    } catch (err) {
      this.o.log.error({ err: (err as Error).message }, 'fleet broker: cannot connect');
      this.scheduleReconnect();
      return;
    }
    this.client = client;
    client.on('error', (err) => {
      if (!this.connected) this.o.log.warn({ err: err.message, url: s.url }, 'fleet broker: connect failed');
    });
    client.on('message', (topic, payload) => this.message(client, topic, payload));
    client.once('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      const was = this.connected;
      this.connected = false;
      client.end(true);
      if (was) this.o.log.warn({ url: s.url }, 'fleet broker: connection lost');
      this.scheduleReconnect();
    });
    client.once('connect', () => {
      void this.online(client, birthTs).catch((err) => {
        this.o.log.error({ err: (err as Error).message }, 'fleet broker: subscribe failed');
        client.end(true);
      });
    });
  }

  /** Subscribed, STATE online, then every node asked for a rebirth (what it sent meanwhile was missed). */
  private async online(client: MqttClient, birthTs: number) {
    const s = this.o.settings;
    const subs: Record<string, { qos: 0 | 1 }> = { [stateTopic(s.hostId)]: { qos: 1 } };
    for (const g of s.groups) subs[`${NAMESPACE}/${g}/#`] = { qos: 1 };
    subs[DROPPED_TOPIC] = { qos: 0 };
    const granted = await client.subscribeAsync(subs);
    const refused = granted.filter((g) => g.qos === 128 && g.topic !== DROPPED_TOPIC).map((g) => g.topic);
    if (refused.length) throw new Error(`the broker refused ${refused.join(', ')}`);
    await client.publishAsync(stateTopic(s.hostId), this.statePayload(true, birthTs), {
      qos: 1,
      retain: true,
    });
    if (this.client !== client) return;
    this.birthTs = birthTs;
    this.connected = true;
    this.attempt = 0;
    this.extra.connects++;
    const asked = this.state.rebirthAll();
    this.extra.rebirthsOnConnect += asked;
    this.o.log.info({ url: s.url, groups: s.groups, rebirthsRequested: asked }, 'fleet broker: connected');
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.o.backoff ?? FLEET_BACKOFF);
    this.o.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.o.clock.setTimeout(() => void this.connect(), delay);
  }

  private message(client: MqttClient, topic: string, payload: Buffer) {
    const t = parseTopic(topic);
    if (!t) {
      if (topic === DROPPED_TOPIC) {
        const n = Number(payload.toString());
        if (Number.isFinite(n)) this.brokerDropped = n;
        return;
      }
      if (topic === stateTopic(this.o.settings.hostId)) this.ownState(client, payload);
      return; // other hosts' STATE, or not Sparkplug
    }
    let p: ReturnType<typeof decodePayload>;
    try {
      p = decodePayload(payload);
    } catch (err) {
      this.extra.decodeErrors++;
      if (this.extra.decodeErrors === 1 || this.extra.decodeErrors % 1000 === 0)
        this.o.log.warn(
          { topic, err: (err as Error).message, total: this.extra.decodeErrors },
          'not Sparkplug B',
        );
      return;
    }
    try {
      this.state.handle(t, p);
    } catch (err) {
      this.o.log.error({ topic, err: (err as Error).message }, 'fleet: message not taken');
      return;
    }
    if (t.type === 'NBIRTH' || (t.type === 'DBIRTH' && this.state.born(t.group, t.node)))
      this.keepBirth(t.group, t.node, t.device, payload);
  }

  private keepBirth(group: string, node: string, device: string | undefined, payload: Buffer) {
    const key = `${group}/${node}`;
    const copy = Buffer.from(payload);
    let kept = this.births.get(key);
    if (device === undefined) {
      kept = { group, node, nbirth: copy, dbirths: new Map(), dirty: true };
      this.births.set(key, kept);
    } else if (kept) {
      kept.dbirths.set(device, copy);
      kept.dirty = true;
    } else return;
    if (this.birthsTimer === undefined)
      this.birthsTimer = this.o.clock.setTimeout(() => {
        this.birthsTimer = undefined;
        this.saveBirths();
      }, BIRTHS_SAVE_MS);
  }

  /** Each node's last births to `<dataDir>/fleet-births/` (written whole, then renamed). */
  private saveBirths() {
    for (const kept of this.births.values()) {
      if (!kept.dirty) continue;
      kept.dirty = false;
      try {
        mkdirSync(this.birthsDir, { recursive: true, mode: 0o700 });
        const file = join(this.birthsDir, birthsFileName(kept.group, kept.node));
        const body = {
          group: kept.group,
          node: kept.node,
          nbirth: kept.nbirth.toString('base64'),
          dbirths: Object.fromEntries([...kept.dbirths].map(([d, b]) => [d, b.toString('base64')])),
        };
        writeFileSync(`${file}.tmp`, JSON.stringify(body), { mode: 0o600 });
        renameSync(`${file}.tmp`, file);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, node: kept.node }, 'cannot keep the births of a site');
      }
    }
  }

  /** The births an earlier run kept: the sites' assets and last known values, until they are born again. */
  private loadBirths() {
    let files: string[];
    try {
      files = readdirSync(this.birthsDir).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    for (const f of files) {
      try {
        const body = JSON.parse(readFileSync(join(this.birthsDir, f), 'utf8')) as {
          group: string;
          node: string;
          nbirth: string;
          dbirths: Record<string, string>;
        };
        if (!this.o.settings.groups.includes(body.group)) continue;
        const nbirth = Buffer.from(body.nbirth, 'base64');
        const dbirths = new Map(Object.entries(body.dbirths).map(([d, b]) => [d, Buffer.from(b, 'base64')]));
        this.state.restore(
          body.group,
          body.node,
          decodePayload(nbirth),
          [...dbirths].map(([d, b]) => [d, decodePayload(b)]),
        );
        this.births.set(`${body.group}/${body.node}`, {
          group: body.group,
          node: body.node,
          nbirth,
          dbirths,
          dirty: false,
        });
      } catch (err) {
        this.o.log.warn({ file: f, err: (err as Error).message }, 'kept births not readable: ignored');
      }
    }
  }

  /**
   * Our own STATE said offline while we are online (the will of an earlier session of ours, published late):
   * say online again, as Sparkplug 3.0 asks of a host application.
   */
  private ownState(client: MqttClient, payload: Buffer) {
    let online: unknown;
    try {
      online = (JSON.parse(payload.toString('utf8')) as { online?: unknown }).online;
    } catch {
      online = undefined;
    }
    if (online !== false || !this.connected || this.client !== client) return;
    this.o.log.warn(
      "fleet broker: our STATE was set offline (an earlier session's will): publishing online again",
    );
    client.publish(stateTopic(this.o.settings.hostId), this.statePayload(true, this.birthTs), {
      qos: 1,
      retain: true,
    });
  }

  private requestRebirth(group: string, node: string, reason: RebirthReason) {
    const client = this.client;
    if (!client?.connected) return;
    const payload = encodePayload({
      timestamp: this.o.clock.now(),
      metrics: [{ name: NODE_CONTROL.rebirth, type: 'Boolean', value: true }],
    });
    client.publish(formatTopic({ group, type: 'NCMD', node }), Buffer.from(payload), { qos: 0 });
    if (reason !== 'start') this.o.log.info({ group, node, reason }, 'rebirth requested');
  }

  private write(lines: string[]) {
    if (this.o.storage.appendLines(lines)) {
      this.extra.linesWritten += lines.length;
      return;
    }
    this.extra.linesDiscarded += lines.length;
    if (!this.discardLogged) {
      this.discardLogged = true;
      this.o.log.warn('fleet history is not kept: the central hub needs storage.mode: influxdb');
    }
  }

  private statePayload(online: boolean, ts = this.o.clock.now()): string {
    return JSON.stringify({ online, timestamp: ts });
  }

  private loadNodes(): { group: string; node: string }[] {
    try {
      const parsed = JSON.parse(readFileSync(this.nodesFile, 'utf8')) as unknown;
      return Array.isArray(parsed)
        ? parsed.filter(
            (n): n is { group: string; node: string } =>
              typeof n?.group === 'string' && typeof n?.node === 'string',
          )
        : [];
    } catch {
      return [];
    }
  }

  private saveNodes() {
    try {
      const tmp = `${this.nodesFile}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.state.known()), { mode: 0o600 });
      renameSync(tmp, this.nodesFile);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'cannot remember the fleet nodes');
    }
  }
}

function birthsFileName(group: string, node: string): string {
  return `${encodeURIComponent(group)}~${encodeURIComponent(node)}.json`;
}

/** MQTT options of a broker connection: credentials from the environment, TLS files read now. */
export function brokerOptions(c: BrokerConnection): IClientOptions {
  const opts: IClientOptions = {};
  if (c.usernameEnv && c.passwordEnv) {
    opts.username = process.env[c.usernameEnv];
    opts.password = process.env[c.passwordEnv];
  }
  if (c.tls) {
    if (c.tls.caFile) opts.ca = readFileSync(c.tls.caFile);
    if (c.tls.certFile) opts.cert = readFileSync(c.tls.certFile);
    if (c.tls.keyFile) opts.key = readFileSync(c.tls.keyFile);
    opts.rejectUnauthorized = c.tls.rejectUnauthorized;
    if (c.tls.servername) opts.servername = c.tls.servername;
  }
  return opts;
}
