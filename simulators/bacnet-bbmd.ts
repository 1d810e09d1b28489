import { normalizeAddress, UdpTransport } from '../adapters/bacnet/udp-transport.js';

const BVLC = {
  RESULT: 0x00,
  FORWARDED_NPDU: 0x04,
  REGISTER_FOREIGN_DEVICE: 0x05,
  DELETE_FDT_ENTRY: 0x08,
  DISTRIBUTE_BROADCAST: 0x09,
  ORIGINAL_BROADCAST: 0x0b,
};
const RESULT = { OK: 0x0000, REGISTER_NAK: 0x0030, DELETE_NAK: 0x0050, DISTRIBUTE_NAK: 0x0060 };
/** Annex J: a foreign device stays in the table for its TTL plus 30 seconds. */
const GRACE_S = 30;

export interface SimBbmdOptions {
  host?: string;
  /** 0: a free port. */
  port?: number;
  /**
   * The subnet this BBMD serves. Loopback has no broadcast, so "broadcast on the subnet" is spelled out as a
   * datagram to each member (the simulated devices' `host:port`).
   */
  subnet: string[];
}

/**
 * A BACnet Broadcast Management Device for the simulated subnet (Annex J, the part a foreign device uses):
 * Register-Foreign-Device with TTL, Delete-Foreign-Device-Table-Entry, Distribute-Broadcast-To-Network from
 * registered foreign devices to the subnet, and the subnet's broadcasts (I-Am) forwarded to the foreign
 * devices. @bacnet-js/client has no BBMD, so this relays BVLL frames on a socket of its own.
 */
export class SimulatedBbmd {
  readonly stats = { registrations: 0, forwarded: 0, naks: 0 };
  private readonly table = new Map<string, number>(); // foreign device → expiry (ms since the epoch)
  private transport?: UdpTransport;

  /** The members of the subnet (may be filled in once the devices are bound). */
  readonly subnet: string[];

  constructor(private readonly options: SimBbmdOptions) {
    this.subnet = [...options.subnet];
  }

  /** Bind; returns `host:port`. */
  async start(): Promise<string> {
    const transport = new UdpTransport({
      address: this.options.host ?? '127.0.0.1',
      port: this.options.port ?? 0,
    });
    transport.on('message', (msg: Buffer, from: string) => this.receive(msg, from));
    transport.on('error', () => undefined);
    transport.open();
    await transport.ready;
    this.transport = transport;
    return transport.localAddress;
  }

  async stop(): Promise<void> {
    this.transport?.close();
    this.transport = undefined;
  }

  get address(): string | undefined {
    return this.transport?.localAddress;
  }

  /** The foreign-device table: address and seconds left (TTL and grace). */
  foreignDevices(): { address: string; remainingS: number }[] {
    this.purge();
    return [...this.table].map(([address, until]) => ({ address, remainingS: (until - Date.now()) / 1000 }));
  }

  private receive(msg: Buffer, from: string): void {
    this.purge();
    const fn = msg[1];
    if (fn === BVLC.REGISTER_FOREIGN_DEVICE) {
      const registered = msg.length >= 6;
      if (registered) {
        this.table.set(from, Date.now() + (msg.readUInt16BE(4) + GRACE_S) * 1000);
        this.stats.registrations++;
      }
      this.result(from, registered ? RESULT.OK : RESULT.REGISTER_NAK);
    } else if (fn === BVLC.DELETE_FDT_ENTRY) {
      const entry = msg.length >= 10 ? `${msg.subarray(4, 8).join('.')}:${msg.readUInt16BE(8)}` : '';
      this.result(from, this.table.delete(entry) ? RESULT.OK : RESULT.DELETE_NAK);
    } else if (fn === BVLC.DISTRIBUTE_BROADCAST) {
      if (this.table.has(from)) this.forward(msg.subarray(4), from, [...this.subnet, ...this.table.keys()]);
      else this.result(from, RESULT.DISTRIBUTE_NAK);
    } else if (fn === BVLC.ORIGINAL_BROADCAST) {
      // a broadcast on the subnet: the members heard it; the foreign devices hear it through us
      this.forward(msg.subarray(4), from, [...this.table.keys()]);
    }
  }

  /** Forwarded-NPDU (with the originator's address) to each target but the originator. */
  private forward(npdu: Buffer, from: string, targets: string[]): void {
    const [host, port] = from.split(':');
    const head = Buffer.alloc(10);
    head.writeUInt8(0x81, 0);
    head.writeUInt8(BVLC.FORWARDED_NPDU, 1);
    head.writeUInt16BE(10 + npdu.length, 2);
    head.set(host!.split('.').map(Number), 4);
    head.writeUInt16BE(Number(port), 8);
    const frame = Buffer.concat([head, npdu]);
    for (const to of new Set(targets.map(normalizeAddress)))
      if (to !== from) {
        this.stats.forwarded++;
        this.transport?.sendRaw(frame, to);
      }
  }

  private result(to: string, code: number): void {
    if (code !== RESULT.OK) this.stats.naks++;
    this.transport?.sendRaw(Buffer.from([0x81, BVLC.RESULT, 0, 6, code >> 8, code & 0xff]), to);
  }

  private purge(): void {
    const now = Date.now();
    for (const [address, until] of this.table) if (until <= now) this.table.delete(address);
  }
}
