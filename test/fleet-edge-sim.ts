import mqtt, { type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';

/**
 * A simulated Sparkplug B edge node for the central hub's tests, written with Eclipse Tahu's own codec
 * (`sparkplug-payload`), independent of the hub's (core/sparkplug): NBIRTH/DBIRTH as a site hub sends them
 * (domains/fleet/fleet-metrics.ts names), DDATA by alias, seq and bdSeq per the specification, NDEATH as its
 * will, and a rebirth on NCMD `Node Control/Rebirth` (unless told not to).
 */

// biome-ignore lint/suspicious/noExplicitAny: Tahu's payload types are loose
type Loose = any;
const tahu = sparkplugPayload.get('spBv1.0')!;

export interface SimPoint {
  name: string;
  unit?: string;
  kind?: 'measurement' | 'counter' | 'state' | 'command';
  type?: 'Double' | 'Boolean' | 'String';
  value?: number | boolean | string | null;
}

export interface SimAsset {
  id: string;
  name?: string;
  kind: string;
  zone: string;
  zoneName?: string;
  points: SimPoint[];
}

export interface SimSite {
  name?: string;
  timezone?: string;
  alertsActive?: number;
  alertsCritical?: number;
  ticketsOpen?: number;
  powerW?: number | null;
  energyTodayKwh?: number | null;
}

export interface SimEdgeNodeOptions {
  url: string;
  group: string;
  node: string;
  assets: SimAsset[];
  site?: SimSite;
  keepAliveS?: number;
  /** Answer NCMD Rebirth with births (default true). */
  autoRebirth?: boolean;
  /** The bdSeq of the first session (default 0). */
  bdSeq?: number;
}

export interface Received {
  topic: string;
  payload: Loose;
}

const SITE_ALIAS: Record<string, number> = {
  'Site/Name': 1,
  'Site/Timezone': 2,
  'Site/Hub version': 3,
  'Site/Alerts active': 4,
  'Site/Alerts unacknowledged': 5,
  'Site/Alerts critical': 6,
  'Site/Tickets open': 7,
  'Site/Tickets overdue': 8,
  'Site/Devices offline': 9,
  'Site/Power W': 10,
  'Site/Energy today kWh': 11,
};

export class SimEdgeNode {
  client?: MqttClient;
  seq = 0;
  bdSeq: number;
  /** NCMDs and DCMDs received, decoded by Tahu. */
  readonly ncmds: Received[] = [];
  readonly dcmds: Received[] = [];
  births = 0;
  autoRebirth: boolean;
  private readonly aliases = new Map<string, number>();
  private readonly values = new Map<string, number | boolean | string | null>();

  constructor(readonly o: SimEdgeNodeOptions) {
    this.bdSeq = o.bdSeq ?? 0;
    this.autoRebirth = o.autoRebirth ?? true;
    let i = 0;
    for (const a of o.assets)
      for (const p of a.points) {
        this.aliases.set(`${a.id}/${p.name}`, 1000 + i++);
        this.values.set(`${a.id}/${p.name}`, p.value ?? null);
      }
  }

  topic(type: string, device?: string): string {
    return `spBv1.0/${this.o.group}/${type}/${this.o.node}${device ? `/${device}` : ''}`;
  }

  alias(asset: string, point: string): number {
    return this.aliases.get(`${asset}/${point}`)!;
  }

  /** Connect (will = NDEATH with this session's bdSeq), subscribe to commands, and publish the births. */
  async connect(opts: { births?: boolean } = {}): Promise<void> {
    const client = await mqtt.connectAsync(this.o.url, {
      clientId: `sim-${this.o.group}-${this.o.node}-${Math.random().toString(36).slice(2, 8)}`,
      keepalive: this.o.keepAliveS ?? 5,
      reconnectPeriod: 0,
      clean: true,
      will: { topic: this.topic('NDEATH'), payload: this.encode(this.deathPayload()), qos: 1, retain: false },
    });
    this.client = client;
    client.on('message', (topic, buf) => {
      if (!topic.includes('/NCMD/') && !topic.includes('/DCMD/')) return;
      const payload = tahu.decodePayload(buf) as Loose;
      if (topic.includes('/NCMD/')) {
        this.ncmds.push({ topic, payload });
        const rebirth = payload.metrics?.find((m: Loose) => m.name === 'Node Control/Rebirth');
        if (rebirth?.value === true && this.autoRebirth) this.births_();
      } else if (topic.includes('/DCMD/')) this.dcmds.push({ topic, payload });
    });
    await client.subscribeAsync([this.topic('NCMD'), `spBv1.0/${this.o.group}/DCMD/${this.o.node}/#`], {
      qos: 1,
    });
    if (opts.births !== false) this.births_();
  }

  /** NBIRTH (seq 0) and a DBIRTH per asset. */
  births_(): void {
    this.births++;
    this.seq = 0;
    const s = this.o.site ?? {};
    const now = Date.now();
    const siteMetrics: Loose[] = [
      { name: 'bdSeq', type: 'UInt64', value: this.bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { name: 'Site/Name', alias: 1, type: 'String', value: s.name ?? this.o.node },
      { name: 'Site/Timezone', alias: 2, type: 'String', value: s.timezone ?? 'UTC' },
      { name: 'Site/Hub version', alias: 3, type: 'String', value: 'sim' },
      { name: 'Site/Alerts active', alias: 4, type: 'Int32', value: s.alertsActive ?? 0 },
      { name: 'Site/Alerts unacknowledged', alias: 5, type: 'Int32', value: 0 },
      { name: 'Site/Alerts critical', alias: 6, type: 'Int32', value: s.alertsCritical ?? 0 },
      { name: 'Site/Tickets open', alias: 7, type: 'Int32', value: s.ticketsOpen ?? 0 },
      { name: 'Site/Tickets overdue', alias: 8, type: 'Int32', value: 0 },
      { name: 'Site/Devices offline', alias: 9, type: 'Int32', value: 0 },
      nullable('Site/Power W', 10, s.powerW),
      nullable('Site/Energy today kWh', 11, s.energyTodayKwh),
    ];
    this.client!.publish(this.topic('NBIRTH'), this.encode({ timestamp: now, seq: 0, metrics: siteMetrics }));
    for (const a of this.o.assets) this.dbirth(a.id);
  }

  dbirth(assetId: string): void {
    const a = this.o.assets.find((x) => x.id === assetId)!;
    const metrics: Loose[] = [
      { name: 'Asset/Name', type: 'String', value: a.name ?? a.id },
      { name: 'Asset/Kind', type: 'String', value: a.kind },
      { name: 'Asset/Zone', type: 'String', value: a.zone },
      { name: 'Asset/Zone name', type: 'String', value: a.zoneName ?? a.zone },
    ];
    for (const p of a.points) {
      const v = this.values.get(`${a.id}/${p.name}`) ?? null;
      const properties: Loose = {
        engUnit: { type: 'String', value: p.unit ?? '' },
        Kind: { type: 'String', value: p.kind ?? 'measurement' },
      };
      if (p.kind === 'command') properties.Writable = { type: 'Boolean', value: true };
      metrics.push({
        name: p.name,
        alias: this.alias(a.id, p.name),
        type: p.type ?? 'Double',
        ...(v === null ? { value: null, isNull: true } : { value: v }),
        properties,
      });
    }
    this.publish('DBIRTH', { timestamp: Date.now(), metrics }, a.id);
  }

  /** DDATA by alias: `values` at `ts` (each metric its own timestamp). */
  ddata(
    asset: string,
    values: Record<string, number | boolean | string>,
    ts: number,
    opts: { historical?: boolean; quality?: number; byName?: boolean; alias?: number } = {},
  ): void {
    const a = this.o.assets.find((x) => x.id === asset)!;
    const metrics = Object.entries(values).map(([name, value]) => {
      const p = a.points.find((x) => x.name === name);
      if (!opts.historical) this.values.set(`${asset}/${name}`, value);
      return {
        ...(opts.byName ? { name } : { alias: opts.alias ?? this.alias(asset, name) }),
        timestamp: ts,
        type: p?.type ?? 'Double',
        value,
        ...(opts.historical ? { isHistorical: true } : {}),
        ...(opts.quality !== undefined
          ? { properties: { Quality: { type: 'Int32', value: opts.quality } } }
          : {}),
      };
    });
    this.publish('DDATA', { timestamp: Date.now(), metrics }, asset);
  }

  /** Several DDATA messages (one per timestamp) for one point. */
  series(
    asset: string,
    point: string,
    from: number,
    count: number,
    stepMs: number,
    value: (i: number) => number,
  ) {
    for (let i = 0; i < count; i++) this.ddata(asset, { [point]: value(i) }, from + i * stepMs);
  }

  ndata(metrics: Record<string, number | string | null>): void {
    this.publish('NDATA', {
      timestamp: Date.now(),
      metrics: Object.entries(metrics).map(([name, value]) => ({
        alias: SITE_ALIAS[name],
        timestamp: Date.now(),
        type:
          typeof value === 'string'
            ? 'String'
            : name.endsWith('W') || name.endsWith('kWh')
              ? 'Double'
              : 'Int32',
        ...(value === null ? { value: null, isNull: true } : { value }),
      })),
    });
  }

  ddeath(asset: string): void {
    this.publish('DDEATH', { timestamp: Date.now(), metrics: [] }, asset);
  }

  /** Skip `n` seq numbers (as if messages were lost). */
  skipSeq(n = 1): void {
    this.seq = (this.seq + n) % 256;
  }

  /** An orderly stop: NDEATH published, then disconnect; the next session gets bdSeq + 1. */
  async stop(): Promise<void> {
    const c = this.client;
    if (!c) return;
    await c.publishAsync(this.topic('NDEATH'), this.encode(this.deathPayload()), { qos: 1 });
    await c.endAsync();
    this.client = undefined;
    this.bdSeq = (this.bdSeq + 1) % 256;
  }

  /** The link dies without a word: the broker publishes the will (NDEATH) within 1.5× the keep-alive. */
  kill(): void {
    const c = this.client;
    this.client = undefined;
    c?.stream.destroy();
    c?.end(true);
    this.bdSeq = (this.bdSeq + 1) % 256;
  }

  /** A raw publish of an already built payload on one of this node's topics (seq filled in). */
  publish(type: string, payload: Loose, device?: string): void {
    this.seq = (this.seq + 1) % 256;
    this.client!.publish(this.topic(type, device), this.encode({ ...payload, seq: this.seq }), { qos: 1 });
  }

  encode(payload: Loose): Buffer {
    return Buffer.from(tahu.encodePayload(payload));
  }

  deathPayload(bdSeq = this.bdSeq): Loose {
    return { timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: bdSeq }] };
  }
}

function nullable(name: string, alias: number, v: number | null | undefined): Loose {
  return v === null || v === undefined
    ? { name, alias, type: 'Double', value: null, isNull: true }
    : { name, alias, type: 'Double', value: v };
}
