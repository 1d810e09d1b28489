import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBrokerHandlers {
  message(topic: string, payload: Buffer, clientId: string | undefined): void;
  clientConnected(clientId: string): void;
  clientDisconnected(clientId: string): void;
  /** The listener failed after it was up. */
  failed(err: Error): void;
}

/** The aedes broker inside the hub: devices connect to it; the hub reads every publish in-process. */
export class EmbeddedBroker {
  private broker?: Aedes;
  private server?: Server;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly on: EmbeddedBrokerHandlers,
  ) {}

  get clients(): number {
    return this.broker?.connectedClients ?? 0;
  }

  /** The bound port (useful with port 0). */
  get boundPort(): number | undefined {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  async start(): Promise<void> {
    const broker = await Aedes.createBroker({
      published: (packet, client, done) => {
        if (packet.topic.charCodeAt(0) !== 36 /* $ */)
          this.on.message(packet.topic, packet.payload as Buffer, client?.id);
        done();
      },
    });
    broker.on('client', (c) => this.on.clientConnected(c.id));
    broker.on('clientDisconnect', (c) => this.on.clientDisconnected(c.id));
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch(async (err) => {
      await new Promise<void>((r) => broker.close(() => r()));
      throw err;
    });
    server.on('error', (err) => this.on.failed(err));
    this.broker = broker;
    this.server = server;
  }

  publish(topic: string, payload: string | Buffer): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('broker not running'));
    return new Promise((resolve, reject) =>
      broker.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  async stop(): Promise<void> {
    const { broker, server } = this;
    this.broker = undefined;
    this.server = undefined;
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
