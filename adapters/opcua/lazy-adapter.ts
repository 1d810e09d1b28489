import { type Adapter, type AdapterContext, AdapterError } from '../../core/devices/driver.js';
import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { OpcuaAdapter } from './opcua-adapter.js';
import type { OpcuaDevice } from './opcua-schema.js';
import type { OpcuaPoint } from './points.js';

/**
 * Loads the adapter (and node-opcua, ~80 MB resident) on the first connect, so that a hub whose site has no
 * OPC UA device never loads it.
 */
export class LazyOpcuaAdapter implements Adapter {
  private adapter?: OpcuaAdapter;
  /** Counts close() calls, so a connect that was loading node-opcua meanwhile stops there. */
  private closes = 0;

  constructor(
    private readonly device: OpcuaDevice,
    private readonly site: SiteModel,
    private readonly ctx: AdapterContext,
    private readonly points: OpcuaPoint[],
  ) {}

  async connect(): Promise<void> {
    if (!this.adapter) {
      const closes = this.closes;
      const { OpcuaAdapter } = await import('./opcua-adapter.js');
      if (closes !== this.closes) throw new AdapterError('closed', 'closed while loading the OPC UA library');
      this.adapter ??= new OpcuaAdapter(this.device, this.site, this.ctx, this.points);
    }
    await this.adapter.connect();
  }

  write(pointId: string, value: PointValue): Promise<void> {
    if (!this.adapter) throw new AdapterError('closed', 'not connected');
    return this.adapter.write(pointId, value);
  }

  inspect(deviceId: string, request: Record<string, unknown>): Promise<unknown> {
    if (!this.adapter) throw new AdapterError('closed', 'not connected');
    return this.adapter.inspect(deviceId, request);
  }

  stats() {
    return this.adapter?.stats() ?? {};
  }

  async close(): Promise<void> {
    this.closes++;
    await this.adapter?.close();
  }
}
