import mqtt, { type MqttClient } from 'mqtt';

export interface ExternalClientOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  qos: 0 | 1;
  topics: string[];
  /** The MQTT will (a Sparkplug host's STATE offline). */
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
}

export interface ExternalClientHandlers {
  message(topic: string, payload: Buffer): void;
  /** The broker went away after we were connected. */
  closed(reason: string): void;
  /** Broker-wide dropped-message counter from mosquitto's $SYS tree. */
  brokerDropped(total: number): void;
}

/** mosquitto's own count of messages it dropped (queue full, see max_queued_messages). */
export const DROPPED_TOPIC = '$SYS/broker/publish/messages/dropped';

/**
 * A client of an external broker. It does not reconnect by itself (reconnectPeriod 0): the supervisor
 * closes it and calls connect() again with backoff, and connect() subscribes afresh.
 */
export class ExternalClient {
  private client?: MqttClient;

  constructor(
    private readonly opts: ExternalClientOptions,
    private readonly on: ExternalClientHandlers,
  ) {}

  async start(): Promise<void> {
    const { url, clientId, username, password, qos, topics, will } = this.opts;
    const client = mqtt.connect(url, {
      clientId,
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      // With QoS 1 the broker keeps our session and queues messages while the hub restarts.
      clean: qos === 0,
      resubscribe: false,
      ...(will ? { will } : {}),
      // mqtt.js traces every packet through the `debug` package unless given a logger: at tens of thousands
      // of messages a second that alone is a few per cent of a core
      log: () => undefined,
    });
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        cleanup();
        client.end(true);
        reject(err);
      };
      const closedEarly = () =>
        fail(Object.assign(new Error(`cannot connect to ${url}`), { code: 'ECONNREFUSED' }));
      const ok = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        client.off('connect', ok);
        client.off('error', fail);
        client.off('close', closedEarly);
      };
      client.once('connect', ok);
      client.once('error', fail);
      client.once('close', closedEarly);
    });
    // Nagle would hold a gate's decision back for a delayed ACK (~40 ms a round trip): send at once
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    client.on('message', (topic, payload) => {
      if (topic === DROPPED_TOPIC) this.on.brokerDropped(Number(payload.toString()) || 0);
      else this.on.message(topic, payload);
    });
    client.on('error', () => undefined); // 'close' follows and is what we act on
    client.once('close', () => {
      if (this.client === client) this.on.closed('broker connection closed');
    });
    const map: Record<string, { qos: 0 | 1 }> = { [DROPPED_TOPIC]: { qos: 0 } };
    for (const topic of topics) map[topic] = { qos };
    const granted = await client.subscribeAsync(map);
    const refused = granted.filter((g) => g.qos === 128 && g.topic !== DROPPED_TOPIC);
    if (refused.length) {
      await this.stop();
      throw Object.assign(
        new Error(`broker refused subscriptions: ${refused.map((g) => g.topic).join(', ')}`),
        {
          code: 'EPROTO',
        },
      );
    }
  }

  async publish(topic: string, payload: string | Buffer, opts: { retain?: boolean } = {}): Promise<void> {
    if (!this.client?.connected) throw new Error('not connected to the broker');
    await this.client.publishAsync(topic, payload, { qos: 1, retain: opts.retain === true });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true);
  }
}
