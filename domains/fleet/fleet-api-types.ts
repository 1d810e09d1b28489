/**
 * The central hub's fleet API answers (hub/api/fleet-routes.ts), free of Node so the dashboard imports them.
 */

/** online: born and alive; offline: NDEATH, or never heard from; stale: online but silent past silentAfterS. */
export type FleetSiteState = 'online' | 'offline' | 'stale' | 'unknown';

export interface FleetSiteRow {
  /** The edge node id (the site's id by default). */
  id: string;
  group: string;
  name: string;
  timezone?: string;
  state: FleetSiteState;
  /** When the state last changed (ms UTC). */
  since: number | null;
  /** The last message from the site (ms UTC). */
  lastMessageAt: number | null;
  alertsActive: number | null;
  alertsUnacked: number | null;
  alertsCritical: number | null;
  ticketsOpen: number | null;
  ticketsOverdue: number | null;
  devicesOffline: number | null;
  powerW: number | null;
  energyTodayKwh: number | null;
  assets: number;
  points: number;
  /** Births since the central started, and rebirths it asked for (seq gaps, unknown aliases, its restart). */
  births: number;
  rebirthsRequested: number;
  /** Messages whose seq did not follow. */
  seqGaps: number;
}

export interface FleetPointRow {
  name: string;
  /** The site file's label of the point, when it has one (the DBIRTH's `Label` property). */
  label?: string;
  unit: string;
  kind: string;
  writable: boolean;
  value: number | boolean | string | null;
  quality: 'good' | 'uncertain' | 'bad';
  /** When the value was taken (ms UTC). */
  ts: number | null;
  /** The site or the asset is offline or silent: the value is the last known, not current. */
  stale: boolean;
}

export interface FleetAssetRow {
  id: string;
  name: string;
  kind: string;
  zone: string;
  zoneName: string;
  /** The asset's Sparkplug device: DDEATH makes it offline. */
  state: 'online' | 'offline';
  points: FleetPointRow[];
}

/** GET /api/v1/fleet/sites */
export interface FleetSitesAnswer {
  sites: FleetSiteRow[];
  /** The central's own link to the broker. */
  broker: { connected: boolean; url: string };
}

/** GET /api/v1/fleet/sites/:site */
export interface FleetSiteAnswer {
  site: FleetSiteRow;
  assets: FleetAssetRow[];
}

/** GET /api/v1/fleet/sites/:site/assets/:asset/history?point=&from=&to= : from the central's InfluxDB. */
export interface FleetHistoryAnswer {
  site: string;
  asset: string;
  point: string;
  unit: string;
  /** [ms, value] pairs: raw for short ranges, per-interval means otherwise. */
  values: [number, number][];
  intervalMs: number | null;
}
