import { join } from 'node:path';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from '../../core/devices/backoff.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { Logger } from '../../core/logger.js';
import type { DeviceState, Reading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import {
  decodePayload,
  encodePayload,
  NODE_CONTROL,
  nextSeq,
  type SparkplugMetric,
  type SparkplugPayload,
} from '../../core/sparkplug/sparkplug-codec.js';
import { formatTopic, type MessageType, parseTopic } from '../../core/sparkplug/sparkplug-topic.js';
import { BdSeqFile } from './bdseq-file.js';
import { BirthBuilder, pointMetric } from './birth-builder.js';
import { brokerOptions } from './broker-options.js';
import { EdgeSpool, type SpooledReading } from './edge-spool.js';
import type { UpstreamSettings } from './fleet-schema.js';
import type { EdgeCommandHandler, SiteSummary, SiteSummarySource } from './fleet-types.js';
import { ReportByException } from './report-by-exception.js';
import { UpstreamLink, type UpstreamLinkHealth, type UpstreamSession } from './upstream-link.js';

export interface EdgeNodeOptions {
  site: SiteModel;
  settings: UpstreamSettings;
  bus: EventBus;
  latest: Pick<LatestValues, 'get'>;
  clock: Clock;
  log: Logger;
  summary: SiteSummarySource;
  hubVersion: string;
  /** A device's state, for the assets' DDEATH/DBIRTH. */
  deviceState(deviceId: string): DeviceState;
  /** NCMD (other than Rebirth) and DCMD go here; without it they are logged and dropped. */
  commands?: EdgeCommandHandler;
  backoff?: BackoffOptions;
  env?: NodeJS.ProcessEnv;
}

export interface UpstreamHealth extends UpstreamLinkHealth {
  groupId: string;
  edgeNodeId: string;
  /** Messages and metrics sent (live and replayed), births, rebirths asked for by NCMD. */
  published: { messages: number; metrics: number; historicalMetrics: number; births: number };
  rebirthsRequested: number;
  commandsReceived: number;
  /** Spooled readings of points the site file no longer has (not sent). */
  unknownSpooled: number;
  /** Live data messages waiting for their PUBACK. */
  inFlight: number;
  replaying: boolean;
  spool: ReturnType<EdgeSpool['stats']>;
}

/** Readings are gathered this long into one DDATA per asset. */
const COALESCE_MS = 50;
/** ...or sent at once when this many are waiting. */
const COALESCE_MAX = 5_000;
/** Replay: the most spooled readings read (and acknowledged) at once, and sent between two turns of the loop. */
const REPLAY_STEP_MAX = 20_000;
const REPLAY_SLICE = 2_000;
/** An orderly stop waits this long for the last PUBACKs before it spools the rest. */
const STOP_DRAIN_MS = 2_000;

/**
 * The site hub as a Sparkplug B edge node: the site is the node (NBIRTH/NDATA/NDEATH with the site's summary),
 * each asset a device (DBIRTH/DDATA/DDEATH with one metric per point), readings reported by exception. While
 * the upstream broker is unreachable readings go to a durable spool; on return the births go first, then live
 * data at once, and the spool is replayed beside it, oldest first, flagged historical, deleted only when acked.
 */
export class EdgeNode {
  readonly groupId: string;
  readonly edgeNodeId: string;
  private readonly link: UpstreamLink;
  private readonly spool: EdgeSpool;
  private readonly births: BirthBuilder;
  private readonly rbe: ReportByException;
  private session?: UpstreamSession;
  private seq = 0;
  private pending: Reading[] = [];
  private flushTimer: unknown;
  /** Live data messages sent and not yet acknowledged: their readings, spooled if the session ends. */
  private readonly flights = new Set<Reading[]>();
  private readonly deadAssets = new Set<string>();
  private lastSummary?: SiteSummary;
  private replaying = false;
  private stopping = false;
  private readonly timers: unknown[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly counters = { messages: 0, metrics: 0, historicalMetrics: 0, births: 0 };
  private rebirthsRequested = 0;
  private commandsReceived = 0;
  private unknownSpooled = 0;

  constructor(private readonly o: EdgeNodeOptions) {
    const s = o.settings;
    this.groupId = s.groupId;
    this.edgeNodeId = s.edgeNodeId ?? o.site.site.id;
    this.births = new BirthBuilder(o.site, o.latest, o.hubVersion, s.commands.remoteWrites);
    this.rbe = new ReportByException(o.site.points);
    this.spool = new EdgeSpool({
      dir: join(o.site.hub.dataDir, 'upstream-spool'),
      maxBytes: s.spool.maxBytes,
      log: o.log,
    });
    const bdSeqFile = new BdSeqFile(o.site.hub.dataDir);
    this.link = new UpstreamLink({
      url: s.url,
      client: brokerOptions(s, s.clientId ?? `facility-hub-${this.edgeNodeId}`, o.env),
      will: (bdSeq) => ({ topic: this.topic('NDEATH'), payload: encodePayload(this.births.ndeath(bdSeq)) }),
      subscriptions: [this.topic('NCMD'), `${this.topic('DCMD')}/+`],
      primaryHostId: s.primaryHostId,
      nextBdSeq: () => bdSeqFile.next(),
      backoff: o.backoff ?? { ...DEFAULT_BACKOFF, maxMs: 15_000 },
      clock: o.clock,
      log: o.log,
      online: (session) => this.online(session),
      offline: (session) => this.offline(session),
      message: (topic, payload) => this.onMessage(topic, payload),
    });
  }

  start(): void {
    const { bus, site, clock, settings } = this.o;
    for (const asset of site.assets) if (this.assetDead(asset.id)) this.deadAssets.add(asset.id);
    this.unsubscribe.push(
      bus.on('readings.accepted', (batch) => {
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]!;
          const point = site.pointById.get(r.pointId);
          if (point && this.rbe.passes(point, r.value, r.quality))
            this.pending.push({ pointId: r.pointId, value: r.value, quality: r.quality, ts: r.ts });
        }
        this.schedulePending();
      }),
      bus.on('point.quality-changed', (e) => {
        const point = site.pointById.get(e.pointId);
        const value = this.o.latest.get(e.pointId)?.value;
        if (!point || value == null || !this.rbe.passes(point, value, e.quality)) return;
        this.pending.push({ pointId: e.pointId, value, quality: e.quality, ts: e.ts });
        this.schedulePending();
      }),
      bus.on('device.link-changed', (e) => this.deviceChanged(e.deviceId)),
    );
    this.timers.push(
      clock.setInterval(() => this.spool.flush(), settings.spool.flushMs),
      clock.setInterval(() => this.reportSummary(), settings.summaryIntervalMs),
    );
    this.link.start();
  }

  /** Pending data out (or spooled), the last PUBACKs awaited briefly, NDEATH, and the spool closed. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const off of this.unsubscribe) off();
    for (const t of this.timers) this.o.clock.clearInterval(t);
    this.o.clock.clearTimeout(this.flushTimer);
    this.flushPending();
    const until = Date.now() + STOP_DRAIN_MS;
    while (this.flights.size && this.session && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    await this.link.stop();
    this.spoolFlights();
    this.spool.close();
  }

  health(): UpstreamHealth {
    return {
      ...this.link.health(),
      groupId: this.groupId,
      edgeNodeId: this.edgeNodeId,
      published: { ...this.counters },
      rebirthsRequested: this.rebirthsRequested,
      commandsReceived: this.commandsReceived,
      unknownSpooled: this.unknownSpooled,
      inFlight: this.flights.size,
      replaying: this.replaying,
      spool: this.spool.stats(),
    };
  }

  private topic(type: MessageType, device?: string): string {
    return formatTopic({ group: this.groupId, type, node: this.edgeNodeId, device });
  }

  /** Encode with the node's next seq and publish; NBIRTH resets seq to 0. Rejects when the session ends. */
  private send(
    session: UpstreamSession,
    type: MessageType,
    device: string | undefined,
    payload: SparkplugPayload,
    qos: 0 | 1,
  ): Promise<void> {
    this.seq = type === 'NBIRTH' ? 0 : nextSeq(this.seq);
    payload.seq = this.seq;
    payload.timestamp ??= this.o.clock.now();
    this.counters.messages++;
    this.counters.metrics += payload.metrics.length;
    if (type === 'NBIRTH' || type === 'DBIRTH') this.counters.births++;
    return session.publish(this.topic(type, device), encodePayload(payload), qos);
  }

  /** A new session (or a Rebirth): NBIRTH, a DBIRTH per asset (DDEATH for those offline), then the spool. */
  private online(session: UpstreamSession): void {
    this.session = session;
    this.birth(session);
    this.flushPending();
    void this.replay(session);
  }

  private birth(session: UpstreamSession): void {
    const now = this.o.clock.now();
    const summary = this.safeSummary();
    const sent = (p: Promise<void>) => p.catch(() => undefined); // a lost birth is redone by the next session
    sent(this.send(session, 'NBIRTH', undefined, this.births.nbirth(session.bdSeq, summary, now), 0));
    this.lastSummary = summary;
    for (const asset of this.o.site.assets) {
      sent(this.send(session, 'DBIRTH', asset.id, this.births.dbirth(asset.id, now), 0));
      if (this.deadAssets.has(asset.id))
        sent(this.send(session, 'DDEATH', asset.id, { timestamp: now, metrics: [] }, 0));
    }
    // the births carry the latest values: report by exception measures from them
    for (const p of this.o.site.points) {
      const v = this.o.latest.get(p.id);
      this.rbe.published(p, v?.value ?? null, v?.quality ?? 'bad');
    }
  }

  private offline(session: UpstreamSession): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.spoolFlights();
  }

  /** Unacknowledged live data to the spool (the broker may have it: a duplicate overwrites itself). */
  private spoolFlights(): void {
    for (const readings of this.flights) this.spool.add(readings);
    this.flights.clear();
  }

  private schedulePending(): void {
    if (this.pending.length >= COALESCE_MAX) this.flushPending();
    else if (this.pending.length && this.flushTimer === undefined)
      this.flushTimer = this.o.clock.setTimeout(() => this.flushPending(), COALESCE_MS);
  }

  /** The readings gathered: one DDATA per asset when connected, else to the spool. */
  private flushPending(): void {
    this.o.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pending.length) return;
    const readings = this.pending;
    this.pending = [];
    const session = this.session;
    if (!session) {
      this.spool.add(readings);
      return;
    }
    const qos = this.o.settings.qos;
    for (const [assetId, group] of this.byAsset(readings)) {
      const metrics = group.map((r) =>
        pointMetric(this.o.site.pointById.get(r.pointId)!, r.value, r.quality, r.ts),
      );
      this.flights.add(group);
      this.send(session, 'DDATA', assetId, { metrics }, qos).then(
        () => this.flights.delete(group),
        () => undefined, // the session ended: offline() spools what is still in flights
      );
    }
  }

  private byAsset<R extends { pointId: string }>(readings: R[]): Map<string, R[]> {
    const out = new Map<string, R[]>();
    for (const r of readings) {
      const assetId = this.o.site.pointById.get(r.pointId)?.assetId;
      if (!assetId) continue;
      const list = out.get(assetId);
      if (list) list.push(r);
      else out.set(assetId, [r]);
    }
    return out;
  }

  /**
   * The spool, oldest first, as historical DDATA at up to replayMetricsPerS. A step (up to a fifth of a
   * second's worth, at most 20,000) is sent in slices with a turn of the event loop between them, so live
   * data is never queued behind more than a slice; it is deleted only once every message of it was
   * acknowledged, and a session that ends mid-step leaves it in the spool for the next one.
   */
  private async replay(session: UpstreamSession): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      this.spool.flush();
      const rate = this.o.settings.replayMetricsPerS;
      const step = Math.max(100, Math.min(REPLAY_STEP_MAX, Math.round(rate / 5)));
      const started = Date.now();
      let sent = 0;
      while (this.session === session && !this.stopping) {
        const { readings, lines, bytes } = this.spool.peek(step);
        if (!lines) break;
        const known = readings.filter((r) => this.o.site.pointById.has(r.pointId));
        this.unknownSpooled += readings.length - known.length;
        const acks: Promise<void>[] = [];
        let sliced = 0;
        for (const [assetId, group] of this.byAsset(known)) {
          if (this.session !== session) break;
          acks.push(this.send(session, 'DDATA', assetId, { metrics: this.historical(group) }, 1));
          this.counters.historicalMetrics += group.length;
          sliced += group.length;
          if (sliced >= REPLAY_SLICE) {
            sliced = 0;
            await new Promise((r) => setImmediate(r));
          }
        }
        const ok = await Promise.all(acks).then(
          () => true,
          () => false,
        );
        if (!ok || this.session !== session) break;
        this.spool.ack(lines, bytes);
        sent += lines;
        const ahead = (sent / rate) * 1000 - (Date.now() - started);
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
      if (sent) this.o.log.info({ readings: sent, ms: Date.now() - started }, 'upstream: spool replayed');
    } finally {
      this.replaying = false;
    }
    // readings spooled while this replay ran (a drop and a quick return) are picked up by a new pass
    if (this.session === session && !this.stopping && this.spool.stats().lines > 0) void this.replay(session);
  }

  private historical(group: SpooledReading[]): SparkplugMetric[] {
    return group.map((r) =>
      pointMetric(this.o.site.pointById.get(r.pointId)!, r.value, r.quality, r.ts, true),
    );
  }

  /** An asset is offline when every device serving its points is. */
  private assetDead(assetId: string): boolean {
    const devices = new Set<string>();
    for (const p of this.o.site.pointsByAsset.get(assetId) ?? []) if (p.deviceId) devices.add(p.deviceId);
    if (!devices.size) return false;
    for (const d of devices) if (this.o.deviceState(d) !== 'offline') return false;
    return true;
  }

  private deviceChanged(deviceId: string): void {
    const assets = new Set((this.o.site.pointsByDevice.get(deviceId) ?? []).map((p) => p.assetId));
    for (const assetId of assets) {
      const dead = this.assetDead(assetId);
      if (dead === this.deadAssets.has(assetId)) continue;
      if (dead) this.deadAssets.add(assetId);
      else this.deadAssets.delete(assetId);
      const session = this.session;
      if (!session) continue; // the next session's births tell
      this.flushPending(); // data before the death (or the birth) goes first
      const now = this.o.clock.now();
      const payload = dead ? { timestamp: now, metrics: [] } : this.births.dbirth(assetId, now);
      this.send(session, dead ? 'DDEATH' : 'DBIRTH', assetId, payload, 0).catch(() => undefined);
    }
  }

  private safeSummary(): SiteSummary {
    try {
      return this.o.summary();
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'upstream: the site summary failed');
      return (
        this.lastSummary ?? {
          alertsActive: 0,
          alertsUnacked: 0,
          alertsCritical: 0,
          ticketsOpen: 0,
          ticketsOverdue: 0,
          devicesOffline: 0,
          powerW: null,
          energyTodayKwh: null,
        }
      );
    }
  }

  /**
   * NDATA with the whole summary, changed or not: it is also the site's heartbeat, so a quiet site (steady points
   * report nothing by exception) is not taken for a silent one at the central (`central.silentAfterS`).
   */
  private reportSummary(): void {
    const session = this.session;
    if (!session) return;
    const summary = this.safeSummary();
    const metrics = this.births.summaryMetrics(summary, undefined, this.o.clock.now());
    this.lastSummary = summary;
    this.send(session, 'NDATA', undefined, { metrics }, this.o.settings.qos).catch(() => undefined);
  }

  /** NCMD Rebirth is ours; the rest of NCMD and every DCMD goes to the command handler. */
  private onMessage(topic: string, buf: Buffer): void {
    const t = parseTopic(topic);
    if (!t || t.group !== this.groupId || t.node !== this.edgeNodeId) return;
    let payload: SparkplugPayload;
    try {
      payload = decodePayload(buf);
    } catch (err) {
      this.o.log.warn({ topic, err: (err as Error).message }, 'upstream: undecodable command');
      return;
    }
    this.commandsReceived++;
    if (t.type === 'NCMD') {
      const rebirth = payload.metrics.find((m) => m.name === NODE_CONTROL.rebirth);
      if (rebirth?.value === true && this.session) {
        this.rebirthsRequested++;
        this.o.log.info('upstream: rebirth requested');
        this.flushPending();
        this.birth(this.session);
      }
      const rest = payload.metrics.filter((m) => m !== rebirth);
      if (rest.length) this.handOver(undefined, { ...payload, metrics: rest });
    } else if (t.type === 'DCMD') this.handOver(t.device, payload);
  }

  private handOver(device: string | undefined, payload: SparkplugPayload): void {
    if (!this.o.commands) {
      this.o.log.warn({ device }, 'upstream: a command arrived and this hub takes none');
      return;
    }
    this.o.commands
      .handle(device, payload)
      .catch((err) =>
        this.o.log.error({ device, err: (err as Error).message }, 'upstream: command handler failed'),
      );
  }
}
