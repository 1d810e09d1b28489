import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { frameProblem } from './frame-check.js';

export const BACNET_PORT = 47808;

/** `host:port` (the port written out even when it is 47808, so one device has one spelling). */
export function normalizeAddress(address: string): string {
  const [host, port] = address.split(':');
  return `${host}:${port ? Number(port) : BACNET_PORT}`;
}

export interface UdpTransportOptions {
  /** The local address to bind (an interface's address, or 127.0.0.x in tests); default all. */
  address?: string;
  /** The local port; 0 takes a free one. Default 47808. */
  port?: number;
  /** Where a broadcast goes: the subnet's broadcast address, or on loopback (which has none) a list of peers. */
  broadcast?: string[];
  /** A datagram that is not a BACnet/IP frame, or that the library could not decode. */
  onMalformed?: (from: string, reason: string, sample: Buffer) => void;
}

/**
 * BACnet/IP on one UDP socket, in the shape @bacnet-js/client takes as its `transport`. Unlike the library's
 * own it binds where the caller says and reports when it is bound, sends broadcasts to chosen targets, and
 * checks each datagram before the library decodes it (the library drops bad frames silently, and a decoder
 * that threw would escape into the socket's event handler).
 */
export class UdpTransport extends EventEmitter {
  readonly stats = { received: 0, sent: 0, malformed: 0 };
  readonly ready: Promise<{ address: string; port: number }>;
  protected readonly socket = createSocket({ type: 'udp4', reuseAddr: false });

  constructor(protected readonly options: UdpTransportOptions = {}) {
    super();
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.once('listening', () => {
        this.socket.off('error', reject);
        this.socket.on('error', (err) => this.emit('error', err));
        resolve(this.socket.address());
      });
    });
    this.ready.catch(() => undefined); // the owner awaits it
    this.socket.on('message', (msg, from) => this.receive(msg, `${from.address}:${from.port}`));
  }

  /** Called by the library's client on construction. */
  open(): void {
    this.socket.bind(this.options.port ?? BACNET_PORT, this.options.address, () => {
      this.socket.setBroadcast(true);
      this.emit('listening', this.socket.address());
    });
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  /** The bound `host:port`. */
  get localAddress(): string {
    const { address, port } = this.socket.address();
    return `${address}:${port}`;
  }

  getBroadcastAddress(): string {
    return this.options.broadcast?.[0] ?? `255.255.255.255:${BACNET_PORT}`;
  }

  /** The library encodes into a buffer of this size: the 1,476-octet APDU of BACnet/IP plus its headers. */
  getMaxPayload(): number {
    return 1482;
  }

  /** The library's send: `receiver` is `host[:port]`, none for a broadcast. */
  send(buffer: Buffer, length: number, receiver?: string): void {
    const targets = receiver ? [receiver] : (this.options.broadcast ?? [this.getBroadcastAddress()]);
    for (const target of targets) this.sendRaw(buffer.subarray(0, length), target);
  }

  /** A datagram as it is (the simulator's hand-made frames). */
  sendRaw(bytes: Buffer, to: string): void {
    const [host, port] = normalizeAddress(to).split(':');
    this.stats.sent++;
    this.socket.send(bytes, Number(port), host, () => undefined); // a lost datagram shows as a timeout
  }

  protected receive(msg: Buffer, from: string): void {
    this.stats.received++;
    const problem = frameProblem(msg);
    if (problem) this.malformed(from, problem, msg);
    else
      try {
        this.emit('message', msg, from);
      } catch (err) {
        this.malformed(from, `undecodable: ${(err as Error).message}`, msg);
      }
  }

  private malformed(from: string, reason: string, msg: Buffer): void {
    this.stats.malformed++;
    this.options.onMalformed?.(from, reason, msg.subarray(0, 64));
  }
}
