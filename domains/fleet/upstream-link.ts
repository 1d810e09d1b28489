import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../../core/clock.js';
import { type BackoffOptions, backoffDelay } from '../../core/devices/backoff.js';
import type { Logger } from '../../core/logger.js';
import { stateTopic } from '../../core/sparkplug/sparkplug-topic.js';

/** One MQTT session to the upstream broker: its bdSeq, and publishes that settle when the session ends. */
export class UpstreamSession {
  private readonly waiting = new Set<(err: Error) => void>();
  closed = false;
  /** Handed to the edge node (born); with a primary host, only once its STATE says online. */
  born = false;

  constructor(
    readonly client: MqttClient,
    readonly bdSeq: number,
  ) {}

  /** Resolves on PUBACK (QoS 1) or once written (QoS 0); rejects when the session ends first. */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    if (this.closed) return Promise.reject(new Error('upstream session closed'));
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      this.waiting.add(fail);
      this.client.publish(topic, Buffer.from(payload), { qos }, (err) => {
        if (!this.waiting.delete(fail)) return; // settled by close()
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** The session ended: whatever was not acknowledged is settled as lost (the caller spools it). */
  close(reason: string): void {
    this.closed = true;
    const err = new Error(reason);
    for (const fail of this.waiting) fail(err);
    this.waiting.clear();
  }
}

export interface UpstreamLinkOptions {
  url: string;
  /** Client options without the will (brokerOptions). */
  client: IClientOptions;
  /** The will of a session with this bdSeq (NDEATH). */
  will(bdSeq: number): { topic: string; payload: Uint8Array };
  /** Topics to subscribe (QoS 1) before the session is handed over. */
  subscriptions: string[];
  /**
   * Sparkplug 3.0's primary host application: the session is handed over (births) only while its STATE says
   * online, and ended (NDEATH, a new session that waits) when it says offline, so the node spools meanwhile.
   */
  primaryHostId?: string;
  /** The next session's bdSeq (persisted by the caller). */
  nextBdSeq(): number;
  backoff: BackoffOptions;
  clock: Clock;
  log: Logger;
  online(session: UpstreamSession): void;
  offline(session: UpstreamSession, reason: string): void;
  message(topic: string, payload: Buffer): void;
}

export interface UpstreamLinkHealth {
  state: 'connecting' | 'connected' | 'waiting-for-host' | 'backoff' | 'stopped';
  url: string;
  connectedSince: number | null;
  bdSeq: number | null;
  sessions: number;
  failures: number;
  lastError: string | null;
  /** With upstream.primaryHostId: that host's last STATE (null until one arrived). */
  primaryHost?: { id: string; online: boolean | null; since: number | null };
}

/**
 * The edge node's connection to the upstream broker. Each session is a fresh mqtt.js client (clean session,
 * reconnectPeriod 0) carrying the NDEATH of its own bdSeq as the will, so mqtt.js never re-sends a previous
 * session's packets ahead of the new NBIRTH; reconnects are ours, on the devices' exponential backoff.
 */
export class UpstreamLink {
  private session?: UpstreamSession;
  private state: UpstreamLinkHealth['state'] = 'stopped';
  private timer: unknown;
  private attempt = 0;
  private stopped = true;
  /** The primary host's STATE: the newest timestamp seen wins (Sparkplug 3.0 ignores older ones). */
  private host = { online: null as boolean | null, timestamp: -1, since: null as number | null };
  private readonly stats = {
    connectedSince: null as number | null,
    bdSeq: null as number | null,
    sessions: 0,
    failures: 0,
    lastError: null as string | null,
  };

  constructor(private readonly opts: UpstreamLinkOptions) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  health(): UpstreamLinkHealth {
    const { primaryHostId } = this.opts;
    return {
      state: this.state,
      url: this.opts.url,
      ...this.stats,
      ...(primaryHostId && {
        primaryHost: { id: primaryHostId, online: this.host.online, since: this.host.since },
      }),
    };
  }

  /** An orderly end: the NDEATH published (QoS 1, acknowledged or 2 s) before the disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.clock.clearTimeout(this.timer);
    const session = this.session;
    this.state = 'stopped';
    if (!session) return;
    await this.end(session, 'stopped');
  }

  /** NDEATH (QoS 1, acknowledged or 2 s) when the session was born, then a DISCONNECT. */
  private async end(session: UpstreamSession, reason: string): Promise<void> {
    const will = this.opts.will(session.bdSeq);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      session.born ? session.publish(will.topic, will.payload, 1).catch(() => undefined) : undefined,
      new Promise((r) => {
        timer = setTimeout(r, 2_000);
      }),
    ]);
    clearTimeout(timer);
    this.ended(session, reason);
    // a DISCONNECT (not a forced close): the broker discards the will, so the NDEATH is not sent twice
    await session.client.endAsync(false).catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.state = 'connecting';
    const bdSeq = this.opts.nextBdSeq();
    const will = this.opts.will(bdSeq);
    const client = mqtt.connect(this.opts.url, {
      ...this.opts.client,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: false },
    });
    client.on('error', () => undefined); // 'close' follows and is what counts
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('close', () => reject(new Error(`cannot connect to ${this.opts.url}`)));
        client.once('error', (err) => reject(err));
      });
      const subscriptions = [...this.opts.subscriptions];
      if (this.opts.primaryHostId) subscriptions.push(stateTopic(this.opts.primaryHostId));
      const topics = Object.fromEntries(subscriptions.map((t) => [t, { qos: 1 as const }]));
      const granted = await client.subscribeAsync(topics);
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length) throw new Error(`broker refused subscriptions: ${refused.join(', ')}`);
    } catch (err) {
      client.removeAllListeners('close');
      client.end(true);
      this.fail((err as Error).message);
      return;
    }
    if (this.stopped) {
      client.end(true);
      return;
    }
    // Nagle would hold small data messages back for a delayed ACK
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const session = new UpstreamSession(client, bdSeq);
    this.session = session;
    this.attempt = 0;
    this.stats.sessions++;
    this.stats.bdSeq = bdSeq;
    this.stats.connectedSince = this.opts.clock.now();
    const hostTopic = this.opts.primaryHostId && stateTopic(this.opts.primaryHostId);
    client.on('message', (topic, payload) => {
      if (topic === hostTopic) this.hostState(session, payload);
      else this.opts.message(topic, payload);
    });
    client.once('close', () => {
      if (this.session !== session) return;
      this.ended(session, 'upstream connection closed');
      client.end(true);
      this.fail('upstream connection closed');
    });
    this.opts.log.info({ url: this.opts.url, bdSeq }, 'upstream connected');
    if (!hostTopic || this.host.online) this.handOver(session);
    else this.state = 'waiting-for-host';
  }

  private handOver(session: UpstreamSession) {
    this.state = 'connected';
    session.born = true;
    this.opts.online(session);
  }

  /** The primary host's STATE (retained, so one arrives right after subscribing). */
  private hostState(session: UpstreamSession, payload: Buffer) {
    let state: { online?: unknown; timestamp?: unknown };
    try {
      state = JSON.parse(payload.toString('utf8'));
    } catch {
      state = {};
    }
    if (typeof state.online !== 'boolean' || typeof state.timestamp !== 'number') {
      this.opts.log.warn(
        { host: this.opts.primaryHostId },
        'upstream: a STATE message that is not {online, timestamp}',
      );
      return;
    }
    if (state.timestamp < this.host.timestamp) return;
    if (state.online !== this.host.online) this.host.since = this.opts.clock.now();
    this.host = { ...this.host, online: state.online, timestamp: state.timestamp };
    if (this.session !== session || this.stopped) return;
    if (state.online && !session.born) {
      this.opts.log.info({ host: this.opts.primaryHostId }, 'upstream: the primary host is online; births');
      this.handOver(session);
    } else if (!state.online && session.born) {
      // Sparkplug 3.0: end the session (NDEATH) and wait in a new one; data is spooled meanwhile
      this.opts.log.warn(
        { host: this.opts.primaryHostId },
        'upstream: the primary host went offline; spooling',
      );
      void this.end(session, 'primary host offline').then(() => {
        this.attempt = 0;
        void this.connect();
      });
    }
  }

  private ended(session: UpstreamSession, reason: string) {
    if (this.session !== session) return;
    this.session = undefined;
    this.stats.connectedSince = null;
    session.close(reason);
    this.opts.offline(session, reason);
  }

  private fail(reason: string) {
    if (this.stopped) return;
    this.stats.failures++;
    if (this.stats.lastError !== reason || this.attempt === 0)
      this.opts.log.warn({ url: this.opts.url, err: reason }, 'upstream unreachable; spooling');
    this.stats.lastError = reason;
    this.state = 'backoff';
    const delay = backoffDelay(this.attempt++, this.opts.backoff);
    this.timer = this.opts.clock.setTimeout(() => void this.connect(), delay);
  }
}
