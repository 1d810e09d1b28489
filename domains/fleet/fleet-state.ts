import type { PointValue, Quality } from '../../core/model/reading.js';
import {
  NODE_CONTROL,
  nextSeq,
  pointValueOf,
  qualityOf,
  type SparkplugMetric,
  type SparkplugPayload,
  type SparkplugType,
} from '../../core/sparkplug/sparkplug-codec.js';
import type { SparkplugTopic } from '../../core/sparkplug/sparkplug-topic.js';
import type {
  FleetAssetRow,
  FleetPointRow,
  FleetSiteAnswer,
  FleetSiteRow,
  FleetSiteState,
} from './fleet-api-types.js';
import { deviceSeries, LineBatch, pointFields, SITE_FIELDS, siteSeries } from './fleet-lines.js';
import { ASSET_METRICS, POINT_PROPERTIES, SITE_METRICS } from './fleet-metrics.js';
import type { SiteSummary } from './fleet-types.js';

/**
 * What the central hub knows of each edge node (a site) and its devices (assets): births, deaths, silence, the
 * sequence of its messages, and the latest value of every metric. Pure state: the host application
 * (host-app.ts) feeds it decoded messages and carries out what it asks for (rebirth requests, lines to write).
 */

export type RebirthReason = 'seq-gap' | 'before-birth' | 'unknown-alias' | 'start';

export interface FleetStateHooks {
  now(): number;
  /** Ask a node for a rebirth (NCMD Node Control/Rebirth); the state has applied the hold-off already. */
  rebirth(group: string, node: string, reason: RebirthReason): void;
  /** Line protocol for InfluxDB (every data metric, historical included). */
  lines(lines: string[]): void;
  /** A node heard from for the first time (the host remembers it, to ask it for a rebirth at its next start). */
  seen?(group: string, node: string): void;
}

export interface FleetStateOptions {
  /** An online site silent this long is stale. */
  silentAfterMs: number;
  /** At most one rebirth request per node in this window. */
  rebirthHoldoffMs: number;
  /** Sites listed before they were heard from. */
  sites?: readonly { group: string; node: string; name?: string }[];
}

export interface FleetCounters {
  messages: number;
  /** Data metrics taken (NDATA/DDATA), historical included. */
  metrics: number;
  historicalMetrics: number;
  births: number;
  deaths: number;
  /** NDEATHs of an older session (bdSeq not the current one): ignored. */
  staleDeaths: number;
  deviceBirths: number;
  deviceDeaths: number;
  seqGaps: number;
  /** Data from a node or device without a birth (this central's): dropped, rebirth asked for. */
  beforeBirth: number;
  unknownAliases: number;
  rebirthsRequested: number;
  /** Rebirth requests not sent because one had just been (rebirthHoldoffMs). */
  rebirthsHeldOff: number;
  lines: number;
}

export interface PointMeta {
  name: string;
  label?: string;
  alias?: number;
  type: SparkplugType;
  unit: string;
  kind: string;
  writable: boolean;
}

interface PointState extends PointMeta {
  value: PointValue | null;
  quality: Quality;
  ts: number | null;
  field: string;
  badField: string;
}

interface DeviceState {
  id: string;
  name: string;
  kind: string;
  zone: string;
  zoneName: string;
  state: 'online' | 'offline';
  /** A DBIRTH since the node's current NBIRTH (else its data is not taken). */
  born: boolean;
  points: Map<string, PointState>;
  byAlias: Map<number, PointState>;
  series: string;
}

/** The site's figures as its births and data last gave them (null: not given): the edge's summary, and who it is. */
type Summary = { name: string | null; timezone: string | null; hubVersion: string | null } & {
  [K in keyof SiteSummary]: number | null;
};

const SUMMARY_KEY: Record<string, keyof Summary> = Object.fromEntries(
  (Object.entries(SITE_METRICS) as [keyof Summary, string][]).map(([k, name]) => [name, k]),
);

interface NodeState {
  group: string;
  id: string;
  configuredName?: string;
  state: FleetSiteState;
  since: number | null;
  lastMessageAt: number | null;
  /** The bdSeq of the current session (its NBIRTH), null before one. */
  bdSeq: number | null;
  born: boolean;
  /** The seq the next message must carry; null: take whatever comes (after a birth was missed, a reconnect). */
  expectedSeq: number | null;
  nodeAliases: Map<number, string>;
  summary: Summary;
  devices: Map<string, DeviceState>;
  births: number;
  rebirthsRequested: number;
  seqGaps: number;
  lastRebirthAt: number;
  series: string;
}

const emptySummary = (): Summary =>
  Object.fromEntries(Object.keys(SITE_METRICS).map((k) => [k, null])) as Summary;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class FleetState {
  private readonly nodes = new Map<string, NodeState>();
  readonly counters: FleetCounters = {
    messages: 0,
    metrics: 0,
    historicalMetrics: 0,
    births: 0,
    deaths: 0,
    staleDeaths: 0,
    deviceBirths: 0,
    deviceDeaths: 0,
    seqGaps: 0,
    beforeBirth: 0,
    unknownAliases: 0,
    rebirthsRequested: 0,
    rebirthsHeldOff: 0,
    lines: 0,
  };
  private readonly out: string[] = [];

  constructor(
    private readonly opts: FleetStateOptions,
    private readonly hooks: FleetStateHooks,
  ) {
    for (const s of opts.sites ?? []) this.node(s.group, s.node, false).configuredName = s.name;
  }

  /** One decoded message. NCMD/DCMD (commands to the nodes, ours or another host's) are not state. */
  handle(t: SparkplugTopic, p: SparkplugPayload): void {
    if (t.type === 'NCMD' || t.type === 'DCMD') return;
    const now = this.hooks.now();
    const node = this.node(t.group, t.node, true);
    this.counters.messages++;
    node.lastMessageAt = now;
    switch (t.type) {
      case 'NBIRTH':
        this.nodeBirth(node, p, now);
        break;
      case 'NDEATH':
        this.nodeDeath(node, p, now);
        break;
      default: {
        if (!node.born) {
          this.counters.beforeBirth++;
          this.rebirth(node, 'before-birth', now);
          return;
        }
        if (p.seq === undefined || (node.expectedSeq !== null && p.seq !== node.expectedSeq)) {
          node.seqGaps++;
          this.counters.seqGaps++;
          this.rebirth(node, 'seq-gap', now);
        }
        node.expectedSeq = p.seq === undefined ? null : nextSeq(p.seq);
        if (node.state !== 'online') this.setState(node, 'online', now);
        if (t.type === 'NDATA') this.nodeData(node, p, now);
        else if (t.type === 'DBIRTH') this.deviceBirth(node, t.device!, p);
        else if (t.type === 'DDATA') this.deviceData(node, t.device!, p, now);
        else if (t.type === 'DDEATH') this.deviceDeath(node, t.device!);
      }
    }
    if (this.out.length) {
      this.counters.lines += this.out.length;
      const lines = this.out.splice(0);
      this.hooks.lines(lines);
    }
  }

  /** Every second or so: online sites silent past silentAfterMs become stale. */
  tick(): void {
    const now = this.hooks.now();
    for (const node of this.nodes.values())
      if (
        node.state === 'online' &&
        node.lastMessageAt !== null &&
        now - node.lastMessageAt > this.opts.silentAfterMs
      )
        this.setState(node, 'stale', now);
  }

  /**
   * The host (re)connected: whatever it missed meanwhile, it asks every node it knows of for a rebirth, and
   * takes the next seq of each as it comes. Returns how many it asked.
   */
  rebirthAll(): number {
    const now = this.hooks.now();
    let n = 0;
    for (const node of this.nodes.values()) {
      node.expectedSeq = null;
      node.lastRebirthAt = Number.NEGATIVE_INFINITY;
      if (this.rebirth(node, 'start', now)) n++;
    }
    return n;
  }

  /** Nodes this central knows of (configured, or heard from), for the host to remember. */
  known(): { group: string; node: string }[] {
    return [...this.nodes.values()].map((n) => ({ group: n.group, node: n.id }));
  }

  /** Remember a node from an earlier run (asked for a rebirth at start), listed as unknown until it speaks. */
  remember(group: string, node: string): void {
    this.node(group, node, false);
  }

  /**
   * What an earlier run knew of a node from its last births (the host application keeps them in its data dir):
   * its name and summary, its assets and points with their values as the last known. The site is listed as
   * unknown, nothing of it is born (its data waits for a rebirth), and nothing is counted or written.
   */
  restore(
    group: string,
    node: string,
    nbirth: SparkplugPayload,
    dbirths: [string, SparkplugPayload][],
  ): void {
    const n = this.node(group, node, false);
    if (n.born) return;
    const ignored = new LineBatch();
    for (const m of nbirth.metrics)
      if (m.name !== undefined) this.nodeMetric(n, m.name, m, nbirth, this.hooks.now(), ignored);
    for (const [device, p] of dbirths) this.deviceBirth(n, device, p, false);
    for (const d of n.devices.values()) {
      d.born = false;
      d.state = 'offline';
    }
  }

  sites(): FleetSiteRow[] {
    return [...this.nodes.values()]
      .sort((a, b) => (a.id === b.id ? a.group.localeCompare(b.group) : a.id.localeCompare(b.id)))
      .map((n) => this.row(n));
  }

  site(id: string): FleetSiteAnswer | undefined {
    const node = this.find(id);
    if (!node) return undefined;
    const siteStale = node.state !== 'online';
    const assets: FleetAssetRow[] = [...node.devices.values()]
      .sort(
        (a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
      )
      .map((d) => ({
        id: d.id,
        name: d.name,
        kind: d.kind,
        zone: d.zone,
        zoneName: d.zoneName,
        state: d.state,
        points: [...d.points.values()].map(
          (p): FleetPointRow => ({
            name: p.name,
            ...(p.label !== undefined && { label: p.label }),
            unit: p.unit,
            kind: p.kind,
            writable: p.writable,
            value: p.value,
            quality: p.quality,
            ts: p.ts,
            stale: siteStale || d.state !== 'online',
          }),
        ),
      }));
    return { site: this.row(node), assets };
  }

  /** Whether a node is born (an NBIRTH of this run, no NDEATH since). */
  born(group: string, node: string): boolean {
    return this.nodes.get(`${group}/${node}`)?.born === true;
  }

  /** A site's group (for its topics), or undefined. */
  groupOf(id: string): string | undefined {
    return this.find(id)?.group;
  }

  /** What the central knows of a site's asset: its kind (the InfluxDB measurement) and points. */
  asset(site: string, asset: string): { kind: string; points: ReadonlyMap<string, PointMeta> } | undefined {
    const d = this.find(site)?.devices.get(asset);
    return d && { kind: d.kind, points: d.points };
  }

  /** How many sites are in each state. */
  stateCounts(): Record<FleetSiteState, number> {
    const out: Record<FleetSiteState, number> = { online: 0, stale: 0, offline: 0, unknown: 0 };
    for (const n of this.nodes.values()) out[n.state]++;
    return out;
  }

  private find(id: string): NodeState | undefined {
    for (const n of this.nodes.values()) if (n.id === id) return n;
    return undefined;
  }

  private node(group: string, id: string, heard: boolean): NodeState {
    const key = `${group}/${id}`;
    let n = this.nodes.get(key);
    if (!n) {
      n = {
        group,
        id,
        state: 'unknown',
        since: null,
        lastMessageAt: null,
        bdSeq: null,
        born: false,
        expectedSeq: null,
        nodeAliases: new Map(),
        summary: emptySummary(),
        devices: new Map(),
        births: 0,
        rebirthsRequested: 0,
        seqGaps: 0,
        lastRebirthAt: Number.NEGATIVE_INFINITY,
        series: siteSeries(id),
      };
      this.nodes.set(key, n);
      if (heard) this.hooks.seen?.(group, id);
    } else if (heard && n.lastMessageAt === null) this.hooks.seen?.(group, id);
    return n;
  }

  private row(n: NodeState): FleetSiteRow {
    let points = 0;
    for (const d of n.devices.values()) points += d.points.size;
    const s = n.summary;
    return {
      id: n.id,
      group: n.group,
      name: s.name ?? n.configuredName ?? n.id,
      ...(s.timezone ? { timezone: s.timezone } : {}),
      state: n.state,
      since: n.since,
      lastMessageAt: n.lastMessageAt,
      alertsActive: s.alertsActive,
      alertsUnacked: s.alertsUnacked,
      alertsCritical: s.alertsCritical,
      ticketsOpen: s.ticketsOpen,
      ticketsOverdue: s.ticketsOverdue,
      devicesOffline: s.devicesOffline,
      powerW: s.powerW,
      energyTodayKwh: s.energyTodayKwh,
      assets: n.devices.size,
      points,
      births: n.births,
      rebirthsRequested: n.rebirthsRequested,
      seqGaps: n.seqGaps,
    };
  }

  private setState(n: NodeState, state: FleetSiteState, now: number) {
    if (n.state === state) return;
    n.state = state;
    n.since = now;
  }

  /** Returns whether the request went out (false: held off). */
  private rebirth(n: NodeState, reason: RebirthReason, now: number): boolean {
    if (now - n.lastRebirthAt < this.opts.rebirthHoldoffMs) {
      this.counters.rebirthsHeldOff++;
      return false;
    }
    n.lastRebirthAt = now;
    n.rebirthsRequested++;
    this.counters.rebirthsRequested++;
    this.hooks.rebirth(n.group, n.id, reason);
    return true;
  }

  private nodeBirth(n: NodeState, p: SparkplugPayload, now: number) {
    this.counters.births++;
    n.births++;
    n.born = true;
    n.expectedSeq = nextSeq(p.seq ?? 0);
    n.nodeAliases.clear();
    const bd = p.metrics.find((m) => m.name === NODE_CONTROL.bdSeq);
    n.bdSeq = bd && typeof bd.value === 'number' ? bd.value : null;
    // the devices are born again after their node: until then, what is known of them is the last known
    for (const d of n.devices.values()) {
      d.born = false;
      d.state = 'offline';
    }
    const batch = new LineBatch();
    for (const m of p.metrics) {
      if (m.name === undefined) continue;
      if (m.alias !== undefined) n.nodeAliases.set(m.alias, m.name);
      this.nodeMetric(n, m.name, m, p, now, batch);
    }
    batch.drain(n.series, this.out);
    this.setState(n, 'online', now);
  }

  private nodeDeath(n: NodeState, p: SparkplugPayload, now: number) {
    const bd = p.metrics.find((m) => m.name === NODE_CONTROL.bdSeq);
    const bdSeq = bd && typeof bd.value === 'number' ? bd.value : undefined;
    // the will of an earlier session, published late (the broker noticed the old link's death after the new
    // link's birth): the node is alive
    if (n.bdSeq !== null && bdSeq !== undefined && bdSeq !== n.bdSeq) {
      this.counters.staleDeaths++;
      return;
    }
    this.counters.deaths++;
    n.born = false;
    n.expectedSeq = null;
    for (const d of n.devices.values()) {
      d.born = false;
      d.state = 'offline';
    }
    this.setState(n, 'offline', now);
  }

  private nodeData(n: NodeState, p: SparkplugPayload, now: number) {
    const batch = new LineBatch();
    let unknown = false;
    for (const m of p.metrics) {
      const name = m.name ?? (m.alias !== undefined ? n.nodeAliases.get(m.alias) : undefined);
      if (name === undefined) {
        unknown = true;
        continue;
      }
      this.nodeMetric(n, name, m, p, now, batch);
    }
    batch.drain(n.series, this.out);
    if (unknown) this.unknownAlias(n, now);
  }

  private nodeMetric(
    n: NodeState,
    name: string,
    m: SparkplugMetric,
    p: SparkplugPayload,
    now: number,
    batch: LineBatch,
  ) {
    const key = SUMMARY_KEY[name];
    if (!key) return;
    const value = m.isNull ? null : m.value;
    if (!m.isHistorical) {
      if (key === 'name' || key === 'timezone' || key === 'hubVersion') n.summary[key] = str(value);
      else n.summary[key] = numOrNull(value);
    }
    const field = SITE_FIELDS[name];
    if (field && typeof value === 'number' && Number.isFinite(value))
      batch.add(m.timestamp ?? p.timestamp ?? now, field, value);
  }

  private deviceBirth(n: NodeState, id: string, p: SparkplugPayload, count = true) {
    if (count) this.counters.deviceBirths++;
    const old = n.devices.get(id);
    const meta = new Map<string, string>();
    const points = new Map<string, PointState>();
    const byAlias = new Map<number, PointState>();
    const ts = p.timestamp ?? null;
    for (const m of p.metrics) {
      if (m.name === undefined) continue;
      if (m.name.startsWith('Asset/')) {
        if (typeof m.value === 'string') meta.set(m.name, m.value);
        continue;
      }
      const props = m.properties ?? {};
      const value = m.isNull ? null : (pointValueOf(m) ?? null);
      const point: PointState = {
        name: m.name,
        type: m.type,
        unit: str(props[POINT_PROPERTIES.unit]?.value) ?? '',
        label: str(props[POINT_PROPERTIES.label]?.value) ?? undefined,
        kind: str(props[POINT_PROPERTIES.kind]?.value) ?? 'measurement',
        writable: props[POINT_PROPERTIES.writable]?.value === true,
        value,
        quality: qualityOf(m),
        ts: m.timestamp ?? ts,
        ...pointFields(m.name),
      };
      if (m.alias !== undefined) {
        point.alias = m.alias;
        byAlias.set(m.alias, point);
      }
      // the birth's value is the current one unless a newer was seen (a late birth after a gap)
      const before = old?.points.get(m.name);
      if (before && before.ts !== null && (point.ts === null || before.ts > point.ts)) {
        point.value = before.value;
        point.quality = before.quality;
        point.ts = before.ts;
      }
      points.set(m.name, point);
    }
    const kind = meta.get(ASSET_METRICS.kind) ?? old?.kind ?? 'generic';
    const zone = meta.get(ASSET_METRICS.zone) ?? '';
    n.devices.set(id, {
      id,
      name: meta.get(ASSET_METRICS.name) ?? id,
      kind,
      zone,
      zoneName: meta.get(ASSET_METRICS.zoneName) ?? zone,
      state: 'online',
      born: true,
      points,
      byAlias,
      series: deviceSeries(kind, id, n.id, zone),
    });
  }

  private deviceData(n: NodeState, id: string, p: SparkplugPayload, now: number) {
    const d = n.devices.get(id);
    if (!d?.born) {
      this.counters.beforeBirth++;
      this.rebirth(n, 'before-birth', now);
      return;
    }
    const batch = new LineBatch();
    let unknown = false;
    for (const m of p.metrics) {
      const point = m.name !== undefined ? d.points.get(m.name) : d.byAlias.get(m.alias ?? -1);
      if (!point) {
        unknown = true;
        continue;
      }
      this.counters.metrics++;
      if (m.isHistorical) this.counters.historicalMetrics++;
      const ts = m.timestamp ?? p.timestamp ?? now;
      const quality = qualityOf(m);
      const value = m.isNull ? null : (pointValueOf(m) ?? null);
      if (point.ts === null || ts >= point.ts) {
        point.value = value;
        point.quality = quality;
        point.ts = ts;
      }
      if (value !== null) batch.add(ts, quality === 'bad' ? point.badField : point.field, value);
    }
    batch.drain(d.series, this.out);
    if (unknown) this.unknownAlias(n, now);
  }

  private deviceDeath(n: NodeState, id: string) {
    const d = n.devices.get(id);
    if (!d) return;
    this.counters.deviceDeaths++;
    d.state = 'offline';
    d.born = false;
  }

  private unknownAlias(n: NodeState, now: number) {
    this.counters.unknownAliases++;
    this.rebirth(n, 'unknown-alias', now);
  }
}
