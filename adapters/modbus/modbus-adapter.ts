import { WakeableSleep } from '../../core/clock.js';
import type { SiteConfig } from '../../core/config/site-schema.js';
import { backoffDelay } from '../../core/devices/backoff.js';
import {
  type Adapter,
  type AdapterContext,
  AdapterError,
  type AdapterFactory,
  type LinkPlan,
} from '../../core/devices/driver.js';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { unitConversion } from '../../core/units.js';
import { bytesToRegisters, decodeValue, encodeValue, registersToBytes } from './decode.js';
import { linkKey, ModbusConnection, ModbusRequestError } from './modbus-connection.js';
import {
  type ModbusDevice,
  ModbusDeviceSchema,
  type ModbusSource,
  modbusPointShape,
  registersOf,
} from './modbus-schema.js';
import { fieldBytes, planReads, type ReadRequest } from './plan.js';
import { previewDecodings } from './preview.js';
import { resolveSources } from './sources.js';

/** Register value → the point's raw value: × the profile's scale, then its unit into the point's. */
interface PointTransform {
  source: ModbusSource;
  mul: number;
  add: number;
}

interface PolledDevice {
  device: ModbusDevice;
  pointIds: string[];
  requests: ReadRequest[];
  nextAt: number;
  /** Polls in a row that got no answer at all. */
  failures: number;
  /** Breaker open: probed on a backoff instead of every cycle. */
  open: boolean;
  probes: number;
  polls: number;
  failedPolls: number;
  exceptions: number;
  overruns: number;
}

const BREAKER_BACKOFF = { initialMs: 1_000, maxMs: 60_000, jitter: 0.2 };
/** A probe that never finds room (devices polled back to back) runs anyway after this long. */
const PROBE_MAX_WAIT_MS = 10_000;

/**
 * One Modbus link (a TCP endpoint, a serial gateway, or a serial line) and every unit behind it. It polls
 * each device at its interval with as few requests as its register map allows, one request at a time; a
 * device that stops answering opens its breaker and is probed on a backoff, so it never holds up the
 * others; an exception marks only the points it covers bad. When no unit answers at all the connection
 * itself is suspect (a half-open socket, a rebooted gateway): the link is reported lost and reconnected.
 */
export class ModbusAdapter implements Adapter {
  private conn?: ModbusConnection;
  private readonly polled: PolledDevice[];
  private readonly transforms: Map<string, PointTransform>;
  private running = false;
  private loopDone?: Promise<void>;
  private readonly sleeper: WakeableSleep;
  private cycleMs = 0;

  constructor(
    private readonly link: LinkPlan,
    private readonly site: SiteModel,
    private readonly ctx: AdapterContext,
    sources: Map<string, ModbusSource>,
  ) {
    this.sleeper = new WakeableSleep(ctx.clock);
    this.transforms = new Map();
    this.polled = (link.devices as ModbusDevice[]).map((device) => {
      const fields: { pointId: string; source: ModbusSource }[] = [];
      for (const p of site.pointsByDevice.get(device.id) ?? []) {
        const source = sources.get(p.id);
        if (!source) continue;
        this.transforms.set(p.id, transformFor(p, source));
        if (p.kind !== 'command') fields.push({ pointId: p.id, source });
      }
      return {
        device,
        pointIds: fields.map((f) => f.pointId),
        requests: planReads(fields, { maxGap: device.maxGap }),
        nextAt: 0,
        failures: 0,
        open: false,
        probes: 0,
        polls: 0,
        failedPolls: 0,
        exceptions: 0,
        overruns: 0,
      };
    });
  }

  async connect(): Promise<void> {
    const conn = new ModbusConnection(this.link.devices[0] as ModbusDevice, (reason) => {
      if (this.conn === conn) this.ctx.linkLost(new AdapterError('closed', reason));
    });
    await conn.open();
    this.conn = conn;
    // Links start at different points of the interval (by their id), so a hub with hundreds of links does
    // not send every request in the same millisecond; the units of one link stay in step, which leaves the
    // rest of its interval free for probes.
    const interval = Math.min(...this.polled.map((d) => d.device.intervalMs));
    const start = this.ctx.clock.now() + (hash(this.link.linkId) % interval);
    for (const d of this.polled) Object.assign(d, { nextAt: start, failures: 0, open: false, probes: 0 });
    this.running = true;
    this.loopDone = this.loop(conn);
  }

  async close(): Promise<void> {
    this.running = false;
    this.sleeper.wake();
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close();
    await this.loopDone;
  }

  /** Poll whatever is due, in order; sleep until the next one is. */
  private async loop(conn: ModbusConnection) {
    while (this.running && this.conn === conn) {
      const now = this.ctx.clock.now();
      const due = this.polled.filter((d) => d.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt);
      if (!due.length) {
        await this.sleep(Math.min(...this.polled.map((d) => d.nextAt)) - now);
        continue;
      }
      const started = performance.now();
      // Devices that answer first; a probe of a silent one (it costs a whole timeout on the shared link)
      // only where it fits before the next healthy poll is due, so it never delays the devices that work.
      for (const d of [...due.filter((x) => !x.open), ...due.filter((x) => x.open)]) {
        if (!this.running || this.conn !== conn) return;
        if (d.open && !this.probeFits(d)) continue;
        try {
          await this.pollDevice(d, conn);
        } catch (err) {
          if (err instanceof ModbusRequestError && err.kind === 'closed') return; // the link is gone: reconnecting
          this.ctx.log.error({ err, device: d.device.id }, 'poll failed unexpectedly');
        }
        this.schedule(d);
      }
      this.cycleMs = performance.now() - started;
      if (this.polled.every((d) => d.open) && this.polled.some((d) => d.probes > 0)) {
        this.ctx.linkLost(new AdapterError('timeout', 'no unit on this link answers: reconnecting'));
        return;
      }
    }
  }

  /**
   * Whether a probe of a silent device can run now without holding up a healthy one; if not, it is moved
   * to just after the next healthy poll. A probe waits at most PROBE_MAX_WAIT_MS past its time.
   */
  private probeFits(d: PolledDevice): boolean {
    const now = this.ctx.clock.now();
    const healthy = this.polled.filter((x) => !x.open).map((x) => x.nextAt);
    if (!healthy.length || now - d.nextAt > PROBE_MAX_WAIT_MS) return true;
    const nextHealthy = Math.min(...healthy);
    const cost = d.device.timeoutMs * (d.device.retries + 1);
    if (nextHealthy - now >= cost) return true;
    d.nextAt = Math.max(d.nextAt, nextHealthy + 1);
    return false;
  }

  private schedule(d: PolledDevice) {
    const now = this.ctx.clock.now();
    if (d.open) {
      d.nextAt = now + backoffDelay(d.probes++, BREAKER_BACKOFF);
      return;
    }
    d.nextAt += d.device.intervalMs;
    if (d.nextAt <= now) {
      // the line could not keep up: skip the missed cycles rather than firing them in a burst
      d.overruns++;
      d.nextAt = now + d.device.intervalMs;
    }
  }

  /** One poll of one device: every planned request, decoded and handed to the pipeline. */
  private async pollDevice(d: PolledDevice, conn: ModbusConnection) {
    const { device } = d;
    const readings: RawReading[] = [];
    const ts = this.ctx.clock.now();
    let answered = false;
    d.polls++;
    for (let i = 0; i < d.requests.length; i++) {
      const req = d.requests[i]!;
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
        this.decode(req, data, ts, readings);
      } catch (err) {
        if (!(err instanceof ModbusRequestError) || err.kind === 'closed') throw err;
        if (err.kind === 'timeout') break; // a device that does not answer one request will not answer the next
        answered = true;
        d.exceptions++;
        if (err.exceptionCode === 2 && req.fields.length > 1) {
          // one bad address in a coalesced block: read its fields one by one from now on, so only it fails
          d.requests.splice(i, 1, ...req.fields.flatMap((f) => planReads([f], { maxGap: 0 })));
          i--;
          continue;
        }
        this.ctx.pointsBad(
          req.fields.map((f) => f.pointId),
          `${err.message} at ${req.table} ${req.start}`,
        );
      }
    }
    if (readings.length) this.ctx.publish(readings);
    if (answered) {
      if (d.open)
        this.ctx.log.info({ device: device.id, unitId: device.unitId }, 'Modbus device answers again');
      d.failures = 0;
      d.open = false;
      d.probes = 0;
      this.ctx.devices.seen(device.id, readings.length);
      return;
    }
    d.failedPolls++;
    d.failures++;
    if (!d.open && d.failures >= device.breakerFailures) {
      d.open = true;
      const reason = `unit ${device.unitId} did not answer ${d.failures} polls in a row`;
      this.ctx.devices.lost(device.id, reason);
      this.ctx.pointsBad(d.pointIds, reason);
    }
  }

  private decode(req: ReadRequest, data: number[] | boolean[], ts: number, out: RawReading[]) {
    const bits = req.table === 'coil' || req.table === 'discrete';
    for (const f of req.fields) {
      const t = this.transforms.get(f.pointId)!;
      let value: PointValue;
      if (bits) value = (data as boolean[])[f.offset] === true;
      else {
        const v = decodeValue(
          fieldBytes(data as number[], f),
          f.source.dataType,
          f.source.order,
          f.source.bit,
        );
        value = typeof v === 'number' ? v * t.mul + t.add : v;
      }
      out.push({ pointId: f.pointId, value, quality: 'good', ts });
    }
  }

  /** Write a command point, then read it back: the write only counts when the device holds the value. */
  async write(pointId: string, value: PointValue): Promise<void> {
    const point = this.site.pointById.get(pointId);
    const t = this.transforms.get(pointId);
    const d = this.polled.find((x) => x.device.id === point?.deviceId);
    const conn = this.conn;
    if (!point || !t || !d)
      throw new AdapterError('bad-config', `${pointId} is not a Modbus point of this link`);
    if (!conn) throw new AdapterError('closed', 'not connected');
    const { source } = t;
    if (source.table !== 'holding' && source.table !== 'coil')
      throw new AdapterError('bad-config', `${pointId} is in the ${source.table} table, which is read-only`);
    const { unitId, timeoutMs, retries } = d.device;
    // the pipeline's scale, offset and unit conversion undone, then the profile's
    const raw = typeof value === 'number' ? ((value - point.addend) / point.factor - t.add) / t.mul : value;
    const rounded = typeof raw === 'number' && !source.dataType.startsWith('float') ? Math.round(raw) : raw;
    const count = source.table === 'coil' ? 1 : registersOf(source.dataType, source.length);
    try {
      if (source.table === 'coil')
        await conn.write(unitId, 'coil', source.register, rounded === true || rounded === 1, timeoutMs);
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
        const next = rounded === true || rounded === 1 ? current! | mask : current! & ~mask;
        await conn.write(unitId, 'holding', source.register, [next & 0xffff], timeoutMs);
      } else {
        let bytes: Buffer;
        try {
          bytes = encodeValue(rounded, source.dataType, source.order, source.length);
        } catch (err) {
          throw new AdapterError('bad-config', `${pointId}: ${(err as Error).message}`);
        }
        await conn.write(unitId, 'holding', source.register, bytesToRegisters(bytes), timeoutMs);
      }
      const back = await conn.read(unitId, source.table, source.register, count, timeoutMs, retries);
      const got =
        source.table === 'coil'
          ? (back as boolean[])[0] === true
          : decodeValue(registersToBytes(back as number[]), source.dataType, source.order, source.bit);
      const want =
        source.table === 'coil' || source.dataType === 'bool'
          ? rounded === true || rounded === 1
          : source.dataType === 'float32'
            ? Math.fround(rounded as number)
            : rounded;
      if (got !== want)
        throw new AdapterError(
          'protocol',
          `${pointId}: wrote ${String(want)}, the device reads back ${String(got)}`,
        );
    } catch (err) {
      if (err instanceof AdapterError) throw err;
      const e = err as ModbusRequestError;
      throw new AdapterError(
        e.kind === 'exception' ? 'exception' : e.kind === 'timeout' ? 'timeout' : 'closed',
        `${pointId}: ${e.message}`,
      );
    }
  }

  /** The decode preview: raw registers of one device, decoded as every type in every word order. */
  async inspect(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    const d = this.polled.find((x) => x.device.id === deviceId);
    if (!d || !this.conn) throw new AdapterError('bad-config', `no Modbus device ${deviceId} on this link`);
    const table = request.table as ModbusSource['table'];
    const register = request.register as number;
    const count = request.count as number;
    try {
      const data = await this.conn.read(d.device.unitId, table, register, count, d.device.timeoutMs, 0);
      if (table === 'coil' || table === 'discrete') return { deviceId, table, register, bits: data };
      return { deviceId, table, register, ...previewDecodings(data as number[]) };
    } catch (err) {
      const e = err as ModbusRequestError;
      throw new AdapterError(
        e.kind === 'exception' ? 'exception' : e.kind === 'timeout' ? 'timeout' : 'closed',
        e.message,
      );
    }
  }

  stats() {
    const sum = (k: 'polls' | 'failedPolls' | 'exceptions' | 'overruns') =>
      this.polled.reduce((n, d) => n + d[k], 0);
    return {
      transport: (this.link.devices[0] as ModbusDevice).transport,
      devices: this.polled.length,
      requestsPerCycle: this.polled.reduce((n, d) => n + d.requests.length, 0),
      polls: sum('polls'),
      failedPolls: sum('failedPolls'),
      exceptions: sum('exceptions'),
      overruns: sum('overruns'),
      openBreakers: this.polled.filter((d) => d.open).length,
      lastCycleMs: Math.round(this.cycleMs),
    };
  }

  private sleep(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }
}

/** A small stable hash (FNV-1a) of a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function transformFor(
  p: { unit: string; config: { sourceUnit?: string } },
  source: ModbusSource,
): PointTransform {
  const scale = source.scale ?? 1;
  // the profile's unit into the point's, unless the point says itself what unit it gets (sourceUnit)
  const conv =
    source.unit && !p.config.sourceUnit && source.unit !== p.unit
      ? unitConversion(source.unit, p.unit)
      : undefined;
  return { source, mul: scale * (conv?.factor ?? 1), add: conv?.offset ?? 0 };
}

const sourcesBySite = new WeakMap<SiteModel, Map<string, ModbusSource>>();

export const modbusAdapterFactory: AdapterFactory = {
  protocol: 'modbus',
  deviceSchema: ModbusDeviceSchema,
  pointShape: modbusPointShape,
  checkSite(config: SiteConfig, site: SiteModel) {
    if (!config.devices.some((d) => d.protocol === 'modbus')) return [];
    const { sources, problems, profileProblems } = resolveSources(site);
    const issues: { path: PropertyKey[]; message: string }[] = [];
    const badProfile = new Set(profileProblems.map((p) => p.deviceId));
    for (const p of profileProblems)
      issues.push({
        path: ['devices', config.devices.findIndex((d) => d.id === p.deviceId), 'profile'],
        message: p.message,
      });
    const pathOf = (pointId: string) => {
      const [assetId, name] = pointId.split('/');
      const a = config.assets.findIndex((x) => x.id === assetId);
      return ['assets', a, 'points', config.assets[a]!.points.findIndex((x) => x.name === name)];
    };
    for (const p of problems) {
      const deviceId = site.pointById.get(p.pointId)?.deviceId;
      if (deviceId && !badProfile.has(deviceId))
        issues.push({ path: [...pathOf(p.pointId), 'register'], message: p.message });
    }
    for (const [pointId, source] of sources) {
      const point = site.pointById.get(pointId)!;
      if (
        source.unit &&
        !point.config.sourceUnit &&
        source.unit !== point.unit &&
        !unitConversion(source.unit, point.unit)
      )
        issues.push({
          path: [...pathOf(pointId), 'unit'],
          message: `the profile gives ${source.unit}, which cannot be converted to ${point.unit || '(no unit)'}; use a unit it can, or sourceUnit`,
        });
      if (point.kind === 'command' && source.table !== 'holding' && source.table !== 'coil')
        issues.push({
          path: [...pathOf(pointId), 'table'],
          message: `a command point must be a holding register or a coil, not ${source.table}`,
        });
    }
    // devices on one link must agree on the line's settings
    const seen = new Map<string, { i: number; d: ModbusDevice }>();
    config.devices.forEach((raw, i) => {
      if (raw.protocol !== 'modbus') return;
      const d = raw as unknown as ModbusDevice;
      const key = linkKey(d);
      const first = seen.get(key);
      if (!first) seen.set(key, { i, d });
      else {
        if (d.unitId === first.d.unitId)
          issues.push({
            path: ['devices', i, 'unitId'],
            message: `unit ${d.unitId} on ${key} is already device "${first.d.id}"`,
          });
        if (d.transport === 'rtu' && (d.baudRate !== first.d.baudRate || d.parity !== first.d.parity))
          issues.push({
            path: ['devices', i, 'baudRate'],
            message: `devices on ${key} must share its baud rate and parity (see "${first.d.id}")`,
          });
      }
    });
    return issues;
  },
  links(site: SiteModel): LinkPlan[] {
    const byKey = new Map<string, LinkPlan>();
    for (const d of site.devicesOf('modbus') as ModbusDevice[]) {
      const key = linkKey(d);
      const plan = byKey.get(key) ?? {
        linkId: `modbus:${key.replace(/^tcp:/, '')}`,
        protocol: 'modbus',
        devices: [],
      };
      plan.devices.push(d);
      byKey.set(key, plan);
    }
    return [...byKey.values()];
  },
  create(link, site, ctx) {
    // resolved once per site, not once per link (a large site has hundreds of links)
    const sources = sourcesBySite.get(site) ?? resolveSources(site).sources;
    sourcesBySite.set(site, sources);
    return new ModbusAdapter(link, site, ctx, sources);
  },
};
