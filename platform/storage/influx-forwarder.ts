import { appendFileSync } from 'node:fs';
import { type Clock, WakeableSleep } from '../../core/clock.js';
import { type BackoffOptions, backoffDelay } from '../../core/devices/backoff.js';
import type { Logger } from '../../core/logger.js';
import type { InfluxHttp } from './influx-http.js';
import { lineTs } from './line-protocol.js';
import type { Outbox } from './outbox.js';

export type ForwarderState = 'starting' | 'up' | 'backoff' | 'stopped';

export interface ForwarderHealth {
  state: ForwarderState;
  since: number;
  writtenLines: number;
  writtenBatches: number;
  /** Lines per second over the last 10 s. */
  rate: number;
  errors: number;
  lastError?: { message: string; at: number };
  nextAttemptAt?: number;
  quarantinedLines: number;
  lastWriteAt?: number;
}

export interface ForwarderOptions {
  outbox: Outbox;
  http: InfluxHttp;
  retentionPolicy: string;
  /** Create the database, retention policies and continuous queries (idempotent). */
  setup: () => Promise<void>;
  /** Lines that InfluxDB refuses go here, each after a comment with the reason. */
  quarantineFile: string;
  batchLines: number;
  clock: Clock;
  log: Logger;
  backoff?: BackoffOptions;
  /** Told the time range of lines that were written late (for the downsampled policies). */
  wroteLate?: (fromTs: number, toTs: number) => void;
  /** Lines older than this when written count as late. */
  lateAfterMs?: number;
}

const RATE_WINDOW_MS = 10_000;
/** InfluxDB is usually on the same machine or network: try again at least every 5 s, so a replay starts soon. */
const STORAGE_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000, jitter: 0.3 };

/**
 * Sends the outbox to InfluxDB in order, one batch in flight, and acknowledges only what InfluxDB took.
 * Network errors and 5xx back off and retry the same batch. A 4xx batch is split in halves until the
 * refused lines stand alone; those go to the quarantine file with InfluxDB's reason, the rest is written.
 */
export class InfluxForwarder {
  private readonly h: ForwarderHealth;
  private running = false;
  private loop?: Promise<void>;
  private ready = false;
  private attempts = 0;
  private readonly sleeper: WakeableSleep;
  private readonly recent: { at: number; lines: number }[] = [];

  constructor(private readonly opts: ForwarderOptions) {
    this.sleeper = new WakeableSleep(opts.clock);
    this.h = {
      state: 'stopped',
      since: opts.clock.now(),
      writtenLines: 0,
      writtenBatches: 0,
      rate: 0,
      errors: 0,
      quarantinedLines: 0,
    };
  }

  health(): ForwarderHealth {
    const now = this.opts.clock.now();
    while (this.recent.length && now - this.recent[0]!.at > RATE_WINDOW_MS) this.recent.shift();
    const lines = this.recent.reduce((n, r) => n + r.lines, 0);
    return { ...this.h, rate: Math.round(lines / (RATE_WINDOW_MS / 1000)) };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setState('starting');
    this.loop = this.run();
  }

  /** New lines were flushed: stop waiting. */
  notify(): void {
    this.sleeper.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.opts.http.abort();
    this.sleeper.wake();
    await this.loop;
    this.setState('stopped');
  }

  private async run() {
    const { outbox } = this.opts;
    while (this.running) {
      if (!this.ready) {
        try {
          await this.opts.setup();
          this.ready = true;
          this.succeeded();
        } catch (err) {
          await this.failed(`setting up InfluxDB: ${(err as Error).message}`);
        }
        continue;
      }
      const batch = outbox.peek(this.opts.batchLines);
      if (!batch.lines.length) {
        await this.sleep(1_000);
        continue;
      }
      if (await this.send(batch.lines)) outbox.ack(batch.lines.length, batch.bytes);
    }
  }

  /** True once every line is written or quarantined; false when the caller should try again later. */
  private async send(lines: string[]): Promise<boolean> {
    const r = await this.opts.http.write(lines, this.opts.retentionPolicy);
    if (r.ok) {
      this.written(lines);
      this.succeeded();
      return true;
    }
    if (r.missingDatabase) {
      // InfluxDB was reset under us: create the database again, then resend.
      await this.failed(r.error);
      await this.opts.setup().catch(() => undefined);
      return false;
    }
    if (r.retry) {
      await this.failed(r.error);
      return false;
    }
    if (lines.length === 1) {
      this.quarantine(lines[0]!, r.error);
      return true;
    }
    // Writes are idempotent (same series and time overwrite), so resending the good half is harmless.
    const mid = lines.length >> 1;
    for (const half of [lines.slice(0, mid), lines.slice(mid)])
      while (this.running && !(await this.send(half)));
    return this.running;
  }

  private written(lines: string[]) {
    const now = this.opts.clock.now();
    this.h.writtenLines += lines.length;
    this.h.writtenBatches++;
    this.h.lastWriteAt = now;
    this.recent.push({ at: now, lines: lines.length });
    if (this.recent.length > 10_000) this.recent.splice(0, 5_000);
    const late = this.opts.lateAfterMs;
    if (late !== undefined && this.opts.wroteLate) {
      // Lines are mostly in time order, not always (devices send their own timestamps): scan them all.
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const line of lines) {
        const ts = lineTs(line);
        if (ts < min) min = ts;
        if (ts > max) max = ts;
      }
      if (now - min > late) this.opts.wroteLate(min, Math.min(max, now - late));
    }
  }

  private quarantine(line: string, reason: string) {
    this.h.quarantinedLines++;
    appendFileSync(
      this.opts.quarantineFile,
      `# ${new Date(this.opts.clock.now()).toISOString()} ${reason.replace(/\n/g, ' ')}\n${line}\n`,
      {
        mode: 0o600,
      },
    );
    this.opts.log.warn({ reason, line: line.slice(0, 200) }, 'InfluxDB refused a line: quarantined');
  }

  private succeeded() {
    if (this.h.state !== 'up') {
      if (this.attempts > 0) this.opts.log.info({ attempts: this.attempts }, 'InfluxDB reachable again');
      this.setState('up');
    }
    this.attempts = 0;
    this.h.nextAttemptAt = undefined;
  }

  private async failed(message: string) {
    const now = this.opts.clock.now();
    this.h.errors++;
    this.h.lastError = { message, at: now };
    if (this.attempts === 0)
      this.opts.log.warn({ err: message }, 'InfluxDB write failed: spooling, retrying with backoff');
    const delay = backoffDelay(this.attempts++, this.opts.backoff ?? STORAGE_BACKOFF, Math.random);
    this.h.nextAttemptAt = now + delay;
    this.setState('backoff');
    await this.sleep(delay);
  }

  private setState(state: ForwarderState) {
    if (this.h.state === state) return;
    this.h.state = state;
    this.h.since = this.opts.clock.now();
  }

  private sleep(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }
}
