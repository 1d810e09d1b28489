import type {
  Driver,
  DriverContext,
  DriverPoint,
  PushSink,
  ReadOutcome,
  SubscribeResult,
} from '../../core/devices/driver.js';
import { DriverError } from '../../core/devices/driver.js';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import type { OpcuaDriver, OpcuaReadPlan } from './opcua-driver.js';
import type { OpcuaDevice } from './opcua-schema.js';
import type { OpcuaPoint } from './points.js';

/**
 * Loads the driver (and node-opcua, ~80 MB resident) on the first connect, so that a hub whose site has no
 * OPC UA device never loads it.
 */
export class LazyOpcuaDriver implements Driver<OpcuaReadPlan> {
  private driver?: OpcuaDriver;
  /** Counts close() calls, so a connect that was loading node-opcua meanwhile stops there. */
  private closes = 0;

  constructor(
    private readonly device: OpcuaDevice,
    private readonly site: SiteModel,
    private readonly ctx: DriverContext,
    private readonly points: OpcuaPoint[],
  ) {}

  async connect(): Promise<void> {
    if (!this.driver) {
      const closes = this.closes;
      const { OpcuaDriver } = await import('./opcua-driver.js');
      if (closes !== this.closes) throw new DriverError('closed', 'closed while loading the OPC UA library');
      this.driver ??= new OpcuaDriver(this.device, this.site, this.ctx, this.points);
    }
    await this.driver.connect();
  }

  subscribe(points: readonly DriverPoint[], sink: PushSink): Promise<SubscribeResult> {
    return this.loaded().subscribe(points, sink);
  }

  plan(device: OpcuaDevice, points: readonly DriverPoint[]): OpcuaReadPlan {
    return this.loaded().plan(device, points);
  }

  read(plan: OpcuaReadPlan): Promise<ReadOutcome> {
    return this.loaded().read(plan);
  }

  write(point: PointDef, raw: PointValue | null): Promise<RawReading | undefined> {
    return this.loaded().write(point, raw);
  }

  browse(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    return this.loaded().browse(deviceId, request);
  }

  stats() {
    return this.driver?.stats() ?? {};
  }

  async close(): Promise<void> {
    this.closes++;
    await this.driver?.close();
  }

  private loaded(): OpcuaDriver {
    if (!this.driver) throw new DriverError('closed', 'not connected');
    return this.driver;
  }
}
