import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { MqttSettings } from '../../core/config/site-schema.js';
import type { BrokerAuth } from './broker-auth.js';
import { guardPacketSize, type OversizePacket } from './packet-guard.js';

export interface EmbeddedBrokerHandlers {
  message(topic: string, payload: Buffer, clientId: string | undefined): void;
  clientDisconnected(clientId: string, deviceId: string | undefined): void;
  /** A packet over the size limit, kept from the broker (a PUBLISH) or the reason the connection closed. */
  oversize(deviceId: string | undefined, packet: OversizePacket, remote: string): void;
  /** A listener failed after it was up. */
  failed(err: Error): void;
}

/** Headroom over the payload limit for the topic and the rest of a PUBLISH packet. */
const PACKET_OVERHEAD_BYTES = 4096;

/**
 * The aedes broker inside the hub: devices connect to it over TCP and/or TLS; the hub reads every publish
 * in-process. Authentication and topic ACLs come from BrokerAuth.
 */
export class EmbeddedBroker {
  private broker?: Aedes;
  private servers: { kind: 'plaintext' | 'tls'; server: Server }[] = [];

  constructor(
    private readonly settings: MqttSettings,
    private readonly auth: BrokerAuth,
    private readonly on: EmbeddedBrokerHandlers,
  ) {}

  get clients(): number {
    return this.broker?.connectedClients ?? 0;
  }

  /** The bound ports (useful with port 0): plaintext first when it is on, then TLS. */
  get boundPorts(): { plaintext?: number; tls?: number } {
    const out: { plaintext?: number; tls?: number } = {};
    for (const { kind, server } of this.servers) {
      const addr = server.address();
      if (addr && typeof addr === 'object') out[kind] = addr.port;
    }
    return out;
  }

  async start(): Promise<void> {
    const { auth, on, settings } = this;
    const broker = await Aedes.createBroker({
      authenticate: auth.authenticate,
      authorizePublish: auth.authorizePublish,
      authorizeSubscribe: auth.authorizeSubscribe,
      published: (packet, client, done) => {
        // client is null for the hub's own publishes (commands, gate decisions): nothing to read back
        if (client && packet.topic.charCodeAt(0) !== 36 /* $ */)
          on.message(packet.topic, packet.payload as Buffer, client.id);
        done();
      },
    });
    broker.on('clientDisconnect', (c) => on.clientDisconnected(c.id, auth.disconnected(c)));
    const maxPacket = settings.maxPayloadBytes + PACKET_OVERHEAD_BYTES;
    const accept = (socket: Socket) => {
      socket.setNoDelay(true);
      let client: Client | undefined;
      guardPacketSize(socket, maxPacket, (packet) =>
        on.oversize(auth.deviceOf(client), packet, socket.remoteAddress ?? 'unknown address'),
      );
      client = broker.handle(socket);
    };
    try {
      if (settings.plaintext)
        this.servers.push({
          kind: 'plaintext',
          server: await listen(createServer(accept), settings.port, settings.host),
        });
      if (settings.tls) {
        const t = settings.tls;
        const server = createTlsServer(
          {
            cert: readFileSync(t.certFile),
            key: readFileSync(t.keyFile),
            ca: t.caFile ? readFileSync(t.caFile) : undefined,
            requestCert: Boolean(t.caFile),
            rejectUnauthorized: t.requireClientCert,
          },
          accept,
        );
        this.servers.push({ kind: 'tls', server: await listen(server, t.port, settings.host) });
      }
    } catch (err) {
      await this.stopServers();
      await new Promise<void>((r) => broker.close(() => r()));
      throw err;
    }
    for (const { server } of this.servers) {
      server.maxConnections = settings.maxConnections;
      server.on('error', (err) => on.failed(err));
    }
    this.broker = broker;
  }

  /** Publish as the hub; `retain` keeps the message for clients that subscribe later. */
  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean } = {}): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('broker not running'));
    const retain = opts.retain === true;
    return new Promise((resolve, reject) =>
      broker.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    this.broker = undefined;
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
    await this.stopServers();
  }

  private async stopServers() {
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map(({ server }) => new Promise<void>((r) => server.close(() => r()))));
  }
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
