import { createSocket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { frameProblem } from './frame-check.js';

/** `host:port`, the port written out even when it is BACnet's 47808, so one device has one spelling. */
export function normalizeAddress(address: string): string {
  const [host, port] = address.split(':');
  return `${host}:${port ? Number(port) : 47808}`;
}

export interface UdpTransportOptions {
  /** The local address to bind (an interface's, or 127.0.0.x in tests; default all) and port (0: a free one). */
  address?: string;
  port?: number;
  /** Where a broadcast goes: the subnet's broadcast address (default 255.255.255.255), or peers on loopback. */
  broadcast?: string[];
  /** A datagram that is not a BACnet/IP frame, or that the library could not decode. */
  onMalformed?: (from: string, reason: string, sample: Buffer) => void;
}

/**
 * BACnet/IP on one UDP socket, in the shape @bacnet-js/client takes as its `transport`. Unlike the library's
 * own it binds where the caller says (port 0 too) and tells when it is bound, sends broadcasts to chosen
 * targets, and checks each datagram before the library decodes it: the library drops bad frames silently, and
 * a decoder that threw would escape into the socket's event handler.
 */
export class UdpTransport extends EventEmitter {
  readonly stats = { received: 0, sent: 0, malformed: 0 };
  protected readonly socket = createSocket('udp4');
  /** `host:port` once bound (the library's client calls open()), or the bind's error. */
  readonly ready: Promise<string> = once(this.socket, 'listening').then(() => {
    this.socket.on('error', (err) => this.emit('error', err));
    return this.localAddress;
  });

  constructor(protected readonly options: UdpTransportOptions = {}) {
    super();
    this.ready.catch(() => undefined); // the owner awaits it
    this.socket.on('message', (msg, from) => this.receive(msg, `${from.address}:${from.port}`));
  }

  get localAddress(): string {
    const { address, port } = this.socket.address();
    return `${address}:${port}`;
  }

  open(): void {
    this.socket.bind(this.options.port ?? 47808, this.options.address, () => this.socket.setBroadcast(true));
  }

  close(): void {
    this.socket.close();
  }

  /** The buffer the library encodes into: BACnet/IP's 1,476-octet APDU and its headers. */
  getMaxPayload(): number {
    return 1482;
  }

  /** The library's send: `receiver` is `host[:port]`, none for a broadcast. */
  send(buffer: Buffer, length: number, receiver?: string): void {
    for (const to of receiver ? [receiver] : (this.options.broadcast ?? ['255.255.255.255']))
      this.sendRaw(buffer.subarray(0, length), to);
  }

  /** A datagram as it is (the simulator's hand-made frames). A lost one shows as a timeout. */
  sendRaw(bytes: Buffer, to: string): void {
    const [host, port] = normalizeAddress(to).split(':');
    this.stats.sent++;
    this.socket.send(bytes, Number(port), host, () => undefined);
  }

  protected receive(msg: Buffer, from: string): void {
    this.stats.received++;
    let problem = frameProblem(msg);
    if (!problem)
      try {
        this.emit('message', msg, from);
      } catch (err) {
        problem = `undecodable: ${(err as Error).message}`;
      }
    if (problem) {
      this.stats.malformed++;
      this.options.onMalformed?.(from, problem, msg.subarray(0, 64));
    }
  }
}
