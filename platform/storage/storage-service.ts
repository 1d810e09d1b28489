import { join } from 'node:path';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Reading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { EmbeddedStore } from './embedded-store.js';
import type { History } from './history.js';
import { type ForwarderHealth, InfluxForwarder } from './influx-forwarder.js';
import { InfluxHistory } from './influx-history.js';
import { InfluxHttp } from './influx-http.js';
import { backfillRollups, influxClient, RAW_RP, setUpInflux } from './influx-setup.js';
import { LineEncoder } from './line-protocol.js';
import { Outbox, type OutboxStats } from './outbox.js';

export interface StorageHealth {
  mode: 'influxdb' | 'embedded' | 'off';
  outbox?: OutboxStats & { state: 'ok' | 'high' | 'dropping'; oldestAgeS: number | null };
  influxdb?: ForwarderHealth & { url: string; database: string };
  embedded?: ReturnType<EmbeddedStore['stats']>;
}

/** Outbox above this share of its bound is "high" (a warning in health, an event for an alert)... */
const HIGH_FILL = 0.8;
/** ...until it falls below this. */
const CLEAR_FILL = 0.7;
/** Lines written later than this after their time were missed by the continuous queries: backfill them. */
const LATE_MS = 5 * 60_000;
/** A buffer this large is flushed at once rather than at the next tick. */
const FLUSH_AT_BYTES = 8 * 1024 * 1024;

/**
 * Every accepted reading to history. With InfluxDB: encoded as line protocol, appended to the durable
 * outbox, and forwarded in order; the rollups that arrive late are backfilled. Without: the embedded store.
 * Consumes the bus only; the History API reads through `history`.
 */
export class StorageService {
  readonly history?: History;
  private readonly outbox?: Outbox;
  private readonly forwarder?: InfluxForwarder;
  private readonly store?: EmbeddedStore;
  private readonly encoder?: LineEncoder;
  private readonly lines: string[] = [];
  private outboxState: 'ok' | 'high' | 'dropping' = 'ok';
  private droppedSeen = 0;
  private late?: { from: number; to: number; writtenAt: number };
  private backfilling = false;
  private readonly timers: unknown[] = [];
  private unsubscribe?: () => void;
  private readonly backfill?: () => void;

  constructor(
    private readonly site: SiteModel,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    const s = site.storage;
    const now = () => clock.now();
    if (s.mode === 'influxdb') {
      const influx = influxClient(s.influxdb);
      this.encoder = new LineEncoder(site);
      const dir = join(site.hub.dataDir, 'outbox');
      this.outbox = new Outbox({ dir, maxBytes: s.outbox.maxBytes, log });
      this.forwarder = new InfluxForwarder({
        outbox: this.outbox,
        http: new InfluxHttp(s.influxdb),
        retentionPolicy: RAW_RP,
        setup: () => setUpInflux(influx, s),
        quarantineFile: join(dir, 'quarantine.lp'),
        batchLines: s.outbox.batchLines,
        clock,
        log,
        lateAfterMs: LATE_MS,
        wroteLate: (from, to) => {
          this.late = {
            from: Math.min(from, this.late?.from ?? from),
            to: Math.max(to, this.late?.to ?? to),
            writtenAt: clock.now(),
          };
        },
      });
      this.history = new InfluxHistory(influx, site, now);
      this.backfill = () =>
        this.backfillLate((range) => backfillRollups(influx, s.influxdb.database, range.from, range.to));
    } else if (s.mode === 'embedded') {
      this.store = new EmbeddedStore(site.hub.dataDir, site, s.retention, now);
      this.history = this.store;
    }
  }

  start(): void {
    const { outbox, store, encoder } = this;
    if (outbox && encoder) {
      this.unsubscribe = this.bus.on('readings.accepted', (batch) => {
        encoder.encode(batch, this.lines);
        outbox.append(this.lines);
        this.lines.length = 0;
        if (outbox.bufferedBytes > FLUSH_AT_BYTES) this.flush();
      });
      this.forwarder!.start();
      this.timers.push(this.clock.setInterval(() => this.flush(), this.site.storage.outbox.flushMs));
    } else if (store) {
      this.unsubscribe = this.bus.on('readings.accepted', (batch) => store.add(batch));
      this.timers.push(this.clock.setInterval(() => store.flush(), this.site.storage.outbox.flushMs));
      this.timers.push(this.clock.setInterval(() => store.rollUp(), 60_000));
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const t of this.timers) this.clock.clearInterval(t);
    if (this.outbox) {
      this.outbox.flush();
      await this.forwarder!.stop();
      this.outbox.close();
    }
    this.store?.close();
  }

  /**
   * Readings that do not come from the devices (the demo's generated history, an import): straight into
   * storage the same way (outbox and InfluxDB, or the embedded store), without the bus, so no rule, live view
   * or alert sees them. settleImport() after the last batch rolls them up.
   */
  importReadings(batch: Reading[]): void {
    if (this.outbox && this.encoder) {
      this.encoder.encode(batch, this.lines);
      this.outbox.append(this.lines);
      this.lines.length = 0;
      if (this.outbox.bufferedBytes > FLUSH_AT_BYTES) this.outbox.flush();
    } else if (this.store) {
      this.store.add(batch);
      if (batch.length > 0) this.store.flush();
    }
  }

  /**
   * Line protocol built elsewhere (the central hub's fleet host writes every site's readings with their own
   * `site` tag): appended to the outbox like the bus's readings. False when storage is not InfluxDB.
   */
  appendLines(lines: readonly string[]): boolean {
    if (!this.outbox) return false;
    this.outbox.append(lines);
    if (this.outbox.bufferedBytes > FLUSH_AT_BYTES) this.flush();
    return true;
  }

  /** After importReadings: to disk, and (embedded) rolled up; InfluxDB rolls up what arrives late itself. */
  settleImport(): void {
    this.outbox?.flush();
    this.store?.rollUp();
  }

  /** Before this time history holds everything it will: the oldest reading still in the outbox, else now. */
  settledBefore(): number {
    return this.outbox?.stats().oldestTs ?? this.clock.now();
  }

  health(): StorageHealth {
    const mode = this.site.storage.mode;
    if (this.outbox) {
      const o = this.outbox.stats();
      const { url, database } = this.site.storage.influxdb;
      return {
        mode,
        outbox: {
          ...o,
          state: this.outboxState,
          oldestAgeS:
            o.oldestTs === null ? null : Math.max(0, Math.round((this.clock.now() - o.oldestTs) / 1000)),
        },
        influxdb: { ...this.forwarder!.health(), url, database },
      };
    }
    if (this.store) return { mode, embedded: this.store.stats() };
    return { mode };
  }

  /** Write the outbox buffer to disk, wake the forwarder, and watch the bound. */
  private flush() {
    const outbox = this.outbox!;
    outbox.flush();
    this.forwarder!.notify();
    const { fill, droppedLines } = outbox.bound();
    const state =
      droppedLines > this.droppedSeen
        ? 'dropping'
        : fill >= HIGH_FILL
          ? 'high'
          : fill < CLEAR_FILL
            ? 'ok'
            : this.outboxState;
    this.droppedSeen = droppedLines;
    this.backfill?.();
    if (state !== this.outboxState) {
      this.outboxState = state;
      if (state === 'high')
        this.log.warn(
          { fill: Math.round(fill * 100) },
          'outbox above 80 % of its bound: InfluxDB is not keeping up or is away',
        );
      this.bus.emit('storage.outbox-changed', { state, fill, droppedLines, ts: this.clock.now() });
    }
  }

  /**
   * Once the outbox has caught up (and no late line came for 2 s), roll up again the range that arrived too
   * late for the continuous queries.
   */
  private backfillLate(run: (range: { from: number; to: number }) => Promise<void>) {
    const range = this.late;
    if (!range || this.backfilling || this.clock.now() - range.writtenAt < 2_000) return;
    if ((this.outbox?.stats().lines ?? 0) > this.site.storage.outbox.batchLines) return;
    this.backfilling = true;
    run(range)
      .then(
        () => {
          if (this.late === range) this.late = undefined;
          this.log.info(
            { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
            'rollups backfilled for data that arrived late',
          );
        },
        (err) => this.log.warn({ err: (err as Error).message }, 'rollup backfill failed; will retry'),
      )
      .finally(() => {
        this.backfilling = false;
      });
  }
}

/**
 * History alone, for tools that read while the hub may be running (the admin CLI's backtest): the embedded
 * store (SQLite takes a second reader) or InfluxDB. Undefined when storage is off.
 */
export function openHistory(
  site: SiteModel,
  now: () => number,
): { history: History; close(): void } | undefined {
  const s = site.storage;
  if (s.mode === 'influxdb')
    return { history: new InfluxHistory(influxClient(s.influxdb), site, now), close() {} };
  if (s.mode !== 'embedded') return undefined;
  const store = new EmbeddedStore(site.hub.dataDir, site, s.retention, now);
  return { history: store, close: () => store.close() };
}
