import {
  type Driver,
  type DriverContext,
  DriverError,
  type DriverPoint,
  type LinkPlan,
  type ReadOutcome,
} from '../../core/devices/driver.js';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { PointDef } from '../../core/model/site-model.js';
import { bytesToRegisters, decodeValue, encodeValue, float32Decimal, registersToBytes } from './decode.js';
import { ModbusConnection, ModbusRequestError } from './modbus-connection.js';
import { type ModbusDevice, type ModbusSource, registersOf } from './modbus-schema.js';
import { fieldBytesInto, planReads, type ReadRequest } from './plan.js';
import { previewDecodings } from './preview.js';

/** One device's polled points as requests (coalesced); a block refused for one bad address is split in place. */
export interface ModbusPlan {
  device: ModbusDevice;
  requests: ReadRequest[];
}

/**
 * One Modbus link (a TCP endpoint, a serial gateway, or a serial line) and the units behind it. It reads a
 * unit's planned requests when the framework asks and decodes the registers; schedules, breakers and scaling
 * are the framework's. An exception marks only the points its request covers bad; a request refused for one
 * illegal address in a coalesced block is split so only that address fails from then on.
 */
export class ModbusDriver implements Driver<ModbusPlan> {
  private conn?: ModbusConnection;
  private readonly deviceById: Map<string, ModbusDevice>;
  /** This connection's plans (for health: requests per cycle). */
  private plans: ModbusPlan[] = [];

  constructor(
    private readonly link: LinkPlan,
    private readonly ctx: DriverContext,
    private readonly sources: ReadonlyMap<string, ModbusSource>,
  ) {
    this.deviceById = new Map((link.devices as ModbusDevice[]).map((d) => [d.id, d]));
  }

  async connect(): Promise<void> {
    const conn = new ModbusConnection(this.link.devices[0] as ModbusDevice, (reason) => {
      if (this.conn === conn) this.ctx.linkLost(new DriverError('closed', reason));
    });
    await conn.open();
    this.conn = conn;
    this.plans = [];
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close();
  }

  plan(device: ModbusDevice, points: readonly DriverPoint[]): ModbusPlan {
    const fields = points.flatMap((p) => {
      const source = this.sources.get(p.point.id);
      return source ? [{ pointId: p.point.id, source }] : [];
    });
    const plan = { device, requests: planReads(fields, { maxGap: device.maxGap }) };
    this.plans.push(plan);
    return plan;
  }

  async read(plan: ModbusPlan): Promise<ReadOutcome> {
    const conn = this.connection();
    const { device, requests } = plan;
    const values: RawReading[] = [];
    const failed: { pointIds: string[]; reason: string }[] = [];
    const ts = this.ctx.clock.now();
    let answered = false;
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i]!;
      try {
        const data = await conn.read(
          device.unitId,
          req.table,
          req.start,
          req.count,
          device.timeoutMs,
          device.retries,
        );
        answered = true;
        decodeInto(req, data, ts, values);
      } catch (err) {
        if (!(err instanceof ModbusRequestError) || err.kind === 'closed') throw driverError(err);
        if (err.kind === 'timeout') break; // a device that does not answer one request will not answer the next
        answered = true;
        if (err.exceptionCode === 2 && req.fields.length > 1) {
          // one bad address in a coalesced block: read its fields one by one from now on, so only it fails
          requests.splice(i, 1, ...req.fields.flatMap((f) => planReads([f], { maxGap: 0 })));
          i--;
          continue;
        }
        failed.push({
          pointIds: req.fields.map((f) => f.pointId),
          reason: `${err.message} at ${req.table} ${req.start}`,
        });
      }
    }
    if (!answered) throw new DriverError('timeout', `unit ${device.unitId} did not answer`);
    return { values, failed };
  }

  /** Write a command point (a raw value in the register's units), then read it back: it counts only when the device holds it. */
  async write(point: PointDef, raw: PointValue | null): Promise<undefined> {
    const source = this.sources.get(point.id);
    const device = point.deviceId ? this.deviceById.get(point.deviceId) : undefined;
    if (!source || !device)
      throw new DriverError('bad-config', `${point.id} is not a Modbus point of this link`);
    if (raw === null)
      throw new DriverError(
        'bad-config',
        `${point.id}: a Modbus register has no priority array to relinquish`,
      );
    if (source.table !== 'holding' && source.table !== 'coil')
      throw new DriverError('bad-config', `${point.id} is in the ${source.table} table, which is read-only`);
    const conn = this.connection();
    const { unitId, timeoutMs, retries } = device;
    const value = typeof raw === 'number' && !source.dataType.startsWith('float') ? Math.round(raw) : raw;
    const on = value === true || value === 1;
    try {
      if (source.table === 'coil') await conn.write(unitId, 'coil', source.register, on, timeoutMs);
      else if (source.bit !== undefined) {
        const [current] = (await conn.read(
          unitId,
          'holding',
          source.register,
          1,
          timeoutMs,
          retries,
        )) as number[];
        const mask = 1 << source.bit;
        await conn.write(
          unitId,
          'holding',
          source.register,
          [(on ? current! | mask : current! & ~mask) & 0xffff],
          timeoutMs,
        );
      } else {
        let bytes: Buffer;
        try {
          bytes = encodeValue(value, source.dataType, source.order, source.length);
        } catch (err) {
          throw new DriverError('bad-config', `${point.id}: ${(err as Error).message}`);
        }
        await conn.write(unitId, 'holding', source.register, bytesToRegisters(bytes), timeoutMs);
      }
      const count = source.table === 'coil' ? 1 : registersOf(source.dataType, source.length);
      const back = await conn.read(unitId, source.table, source.register, count, timeoutMs, retries);
      const got =
        source.table === 'coil'
          ? (back as boolean[])[0] === true
          : decodeValue(registersToBytes(back as number[]), source.dataType, source.order, source.bit);
      const want =
        source.table === 'coil' || source.dataType === 'bool'
          ? on
          : source.dataType === 'float32'
            ? Math.fround(value as number)
            : value;
      if (got !== want)
        throw new DriverError(
          'protocol',
          `${point.id}: wrote ${String(want)}, the device reads back ${String(got)}`,
        );
    } catch (err) {
      if (err instanceof DriverError) throw err;
      throw driverError(err, `${point.id}: `);
    }
    return undefined;
  }

  /** The decode preview: raw registers of one device, decoded as every type in every word order. */
  async browse(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const device = this.deviceById.get(deviceId);
    if (!device) throw new DriverError('bad-config', `no Modbus device ${deviceId} on this link`);
    const table = request.table as ModbusSource['table'];
    const register = request.register as number;
    try {
      const data = await this.connection().read(
        device.unitId,
        table,
        register,
        request.count as number,
        device.timeoutMs,
        0,
      );
      if (table === 'coil' || table === 'discrete') return { deviceId, table, register, bits: data };
      return { deviceId, table, register, ...previewDecodings(data as number[]) };
    } catch (err) {
      throw driverError(err);
    }
  }

  stats() {
    return {
      transport: (this.link.devices[0] as ModbusDevice).transport,
      devices: this.link.devices.length,
      requestsPerCycle: this.plans.reduce((n, p) => n + p.requests.length, 0),
    };
  }

  private connection(): ModbusConnection {
    if (!this.conn) throw new DriverError('closed', 'not connected');
    return this.conn;
  }
}

/** Where decodeInto puts a field's bytes (125 registers at most); decodeValue keeps nothing of them. */
const FIELD_BYTES = Buffer.alloc(256);

function decodeInto(req: ReadRequest, data: number[] | boolean[], ts: number, out: RawReading[]) {
  const bits = req.table === 'coil' || req.table === 'discrete';
  for (const f of req.fields) {
    const { dataType, order, bit } = f.source;
    let value: PointValue = bits
      ? (data as boolean[])[f.offset] === true
      : decodeValue(fieldBytesInto(data as number[], f, FIELD_BYTES), dataType, order, bit);
    if (dataType === 'float32' && typeof value === 'number') value = float32Decimal(value);
    out.push({ pointId: f.pointId, value, quality: 'good', ts });
  }
}

function driverError(err: unknown, prefix = ''): DriverError {
  if (err instanceof DriverError) return err;
  const e = err as ModbusRequestError;
  const code = e.kind === 'exception' ? 'exception' : e.kind === 'timeout' ? 'timeout' : 'closed';
  return new DriverError(code, `${prefix}${e.message}`);
}
