import { AttributeIds, type ClientSession, type DataValue, type StatusCode, type Variant } from 'node-opcua';
import { withTimeout } from './with-timeout.js';

const ITEMS_PER_REQUEST = 1_000;

interface Item {
  nodeId: string;
  value: Variant;
  resolve: (r: WriteAndReadBack) => void;
  reject: (err: unknown) => void;
}

/** A write's status, and the node's value read after it. */
export interface WriteAndReadBack {
  status: StatusCode;
  back: DataValue;
}

/**
 * The writes of one session asked for in one turn of the event loop go to the server as one Write request,
 * then are read back with one Read (a burst of schedule edges writes hundreds of nodes at once; each request
 * costs the hub encoding, a secure-channel chunk and a socket write). Each write still gets its own status and
 * its own read-back; a request that fails or times out fails every write in it.
 */
export class OpcuaWriteBatch {
  private queue: Item[] = [];

  constructor(
    readonly session: ClientSession,
    private readonly timeoutMs: number,
  ) {}

  writeAndReadBack(nodeId: string, value: Variant): Promise<WriteAndReadBack> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ nodeId, value, resolve, reject });
    });
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    for (let i = 0; i < items.length; i += ITEMS_PER_REQUEST)
      void this.send(items.slice(i, i + ITEMS_PER_REQUEST));
  }

  private async send(items: Item[]): Promise<void> {
    const t = this.timeoutMs;
    const ids = items.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value }));
    try {
      const statuses = await withTimeout(
        this.session.write(ids.map((id, j) => ({ ...id, value: { value: items[j]!.value } }))),
        t,
        'write',
      );
      const backs = await withTimeout(this.session.read(ids), t, 'read back');
      items.forEach((it, j) => {
        it.resolve({ status: statuses[j]!, back: backs[j]! });
      });
    } catch (err) {
      for (const it of items) it.reject(err);
    }
  }
}
