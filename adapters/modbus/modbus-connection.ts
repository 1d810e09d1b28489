import modbusSerial from 'modbus-serial';
import { DriverError } from '../../core/devices/driver.js';
import type { ModbusDevice, ModbusTable } from './modbus-schema.js';

// modbus-serial is CommonJS; its class is both the module and its `default`.
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

/** Why one request failed: the device answered with an exception, did not answer, or the link is gone. */
export class ModbusRequestError extends Error {
  constructor(
    readonly kind: 'exception' | 'timeout' | 'closed',
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'ModbusRequestError';
  }
}

export const EXCEPTION_TEXT: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** The serial settings (or the TCP endpoint) every device on one link shares. */
export type LinkEndpoint = Pick<
  ModbusDevice,
  'transport' | 'host' | 'port' | 'path' | 'baudRate' | 'parity' | 'dataBits' | 'stopBits'
>;

export function linkKey(d: LinkEndpoint): string {
  return d.transport === 'rtu' ? `rtu:${d.path}` : `${d.transport}:${d.host}:${d.port}`;
}

/**
 * One Modbus connection (a TCP socket, or a serial line) shared by every unit behind it. Requests are
 * serialised: one in flight at a time, and on an RTU line with the 3.5-character silence between frames
 * that the standard asks for.
 */
export class ModbusConnection {
  private client?: ModbusClient;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly silenceMs: number;
  private lastFrameAt = 0;

  constructor(
    private readonly endpoint: LinkEndpoint,
    private readonly onClosed: (reason: string) => void,
  ) {
    // 3.5 characters of 11 bits; the standard fixes 1.75 ms above 19,200 baud
    this.silenceMs = endpoint.transport === 'rtu' ? Math.max(1.75, (3.5 * 11 * 1000) / endpoint.baudRate) : 0;
  }

  async open(): Promise<void> {
    const client = new ModbusRTU();
    const e = this.endpoint;
    try {
      if (e.transport === 'tcp') await client.connectTCP(e.host!, { port: e.port });
      // RTU frames (with their CRC) on a plain TCP socket, as transparent serial gateways pass them:
      // modbus-serial calls this port "telnet" (its "TcpRTUBuffered" port speaks Modbus TCP)
      else if (e.transport === 'rtu-over-tcp') await client.connectTelnet(e.host!, { port: e.port });
      else
        await client.connectRTUBuffered(e.path!, {
          baudRate: e.baudRate,
          parity: e.parity,
          dataBits: e.dataBits,
          stopBits: e.stopBits,
        });
    } catch (err) {
      client.close(() => undefined);
      throw DriverError.from(err, 'refused');
    }
    client.on('close', () => {
      if (this.client === client) {
        this.client = undefined;
        this.onClosed(`${linkKey(e)} closed`);
      }
    });
    client.on('error', () => undefined); // 'close' follows
    this.client = client;
  }

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await new Promise<void>((r) => client.close(() => r()));
  }

  /** Read `count` registers (or bits) from `table` of one unit; retried on timeout. */
  read(unitId: number, table: ModbusTable, start: number, count: number, timeoutMs: number, retries: number) {
    return this.exclusive(async (client) => {
      client.setID(unitId);
      client.setTimeout(timeoutMs);
      for (let attempt = 0; ; attempt++) {
        try {
          const res =
            table === 'holding'
              ? await answer<{ data: number[] }>(client, (next) =>
                  client.writeFC3(unitId, start, count, next),
                )
              : table === 'input'
                ? await answer<{ data: number[] }>(client, (next) =>
                    client.writeFC4(unitId, start, count, next),
                  )
                : table === 'coil'
                  ? await answer<{ data: boolean[] }>(client, (next) =>
                      client.writeFC1(unitId, start, count, next),
                    )
                  : await answer<{ data: boolean[] }>(client, (next) =>
                      client.writeFC2(unitId, start, count, next),
                    );
          return res.data as number[] | boolean[];
        } catch (err) {
          const e = classify(err);
          if (e.kind !== 'timeout' || attempt >= retries) throw e;
        } finally {
          this.lastFrameAt = performance.now();
        }
      }
    });
  }

  /** Write registers (FC6 for one, FC16 for more) or a coil (FC5). */
  write(
    unitId: number,
    table: 'holding' | 'coil',
    start: number,
    values: number[] | boolean,
    timeoutMs: number,
  ) {
    return this.exclusive(async (client) => {
      client.setID(unitId);
      client.setTimeout(timeoutMs);
      try {
        if (table === 'coil')
          await answer(client, (next) => client.writeFC5(unitId, start, values as boolean, next));
        else if ((values as number[]).length === 1)
          await answer(client, (next) => client.writeFC6(unitId, start, (values as number[])[0]!, next));
        else await answer(client, (next) => client.writeFC16(unitId, start, values as number[], next));
      } catch (err) {
        throw classify(err);
      } finally {
        this.lastFrameAt = performance.now();
      }
    });
  }

  private exclusive<T>(fn: (client: ModbusClient) => Promise<T>): Promise<T> {
    const run = async () => {
      const client = this.client;
      if (!client?.isOpen) throw new ModbusRequestError('closed', 'not connected');
      const wait = this.lastFrameAt + this.silenceMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return fn(client);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** What modbus-serial keeps of its requests (internals, read here only to drop a finished one). */
interface TransactionTable {
  _transactions?: Record<string, unknown>;
  _port?: { _transactionIdWrite?: unknown };
}

/**
 * One request through modbus-serial's callback form (what its promise methods call, with the unit id they
 * would take from setID). The library files each request's transaction under its id and leaves it there until
 * the id comes round again: 256 requests later on a TCP link, minutes on a quiet one, so 240 links held some
 * 60,000 finished transactions, and through a promise method's callback each one's whole answer. Here the
 * callback lets go of the answer once delivered, and the finished transaction is taken out of the table (a
 * late or repeated answer for it is ignored either way: the library drops an answer it has no transaction
 * for, as it drops one whose timeout fired). Where the library's internals are not as expected, nothing is
 * taken out.
 */
function answer<T = unknown>(
  client: ModbusClient,
  send: (next: (err: Error | null, res?: T) => void) => void,
): Promise<T> {
  const internals = client as unknown as TransactionTable;
  // the id this request is filed under (a TCP link's counter; serial lines reuse one slot)
  const key = String(internals._port?._transactionIdWrite);
  const waiting = new Waiting<T>();
  return new Promise<T>((resolve, reject) => {
    waiting.resolve = resolve;
    waiting.reject = reject;
    send(waiting.next);
    const table = internals._transactions;
    const transaction = table?.[key];
    if (table && transaction && typeof transaction === 'object')
      waiting.done = () => {
        if (table[key] === transaction) delete table[key];
      };
  });
}

class Waiting<T> {
  resolve?: (value: T) => void;
  reject?: (err: unknown) => void;
  done?: () => void;
  readonly next = (err: Error | null, res?: T): void => {
    const { resolve, reject, done } = this;
    this.resolve = undefined;
    this.reject = undefined;
    this.done = undefined;
    if (err) reject?.(err);
    else resolve?.(res as T);
    done?.();
  };
}

function classify(err: unknown): ModbusRequestError {
  const e = err as Error & { modbusCode?: number; errno?: string; name?: string };
  if (typeof e.modbusCode === 'number')
    return new ModbusRequestError(
      'exception',
      `Modbus exception ${e.modbusCode} (${EXCEPTION_TEXT[e.modbusCode] ?? 'unknown'})`,
      e.modbusCode,
    );
  if (e.name === 'TransactionTimedOutError' || /timed out/i.test(e.message ?? ''))
    return new ModbusRequestError('timeout', 'no answer');
  return new ModbusRequestError('closed', e.message ?? String(err));
}
