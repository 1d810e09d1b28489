import type { DeviceHealth, LinkHealth, PointAnswer, PointValue, Quality, SiteAnswer } from '../hub-types.js';

/**
 * What the site page shows, kept to update it in place (live values, device and link events) and to write it
 * again in another language. Emptied when a session ends.
 */

/** A point's row on its asset card and its newest value. */
export interface PointEntry {
  def: PointAnswer;
  assetId: string;
  row: HTMLLIElement;
  valueEl: HTMLSpanElement;
  numEl: HTMLSpanElement;
  unitEl: HTMLSpanElement;
  badge: HTMLSpanElement;
  /** undefined until the first value; null: no data. */
  value: PointValue | null | undefined;
  quality: Quality | undefined;
  ts: number | null | undefined;
  reason: string | undefined;
}

/** An asset card and the time of its newest value. */
export interface AssetEntry {
  card: HTMLElement;
  timeEl: HTMLTimeElement;
  ts: number | null;
}

/** A device as shown: GET /devices, changed by live events (which also bring the reason). */
export type DeviceData = DeviceHealth & { reason?: string };

export interface DeviceEntry {
  data: DeviceData;
  row: HTMLLIElement;
  stateEl: HTMLSpanElement;
  nameEl: HTMLSpanElement;
  idEl: HTMLSpanElement;
  seenEl: HTMLSpanElement;
  readingsEl: HTMLSpanElement;
  malformedEl: HTMLSpanElement;
  /** The live event that changed it last (state.eventSeq then); 0: none. */
  eventSeq: number;
}

/** A link as shown: GET /devices, changed by live events (which bring the error). */
export type LinkData = LinkHealth & { error?: string };

export interface LinkEntry {
  data: LinkData;
  row: HTMLLIElement;
  stateEl: HTMLSpanElement;
  errorEl: HTMLParagraphElement;
  statsEl: HTMLDListElement;
  eventSeq: number;
}

/** Counters shown as a list (a link's statistics, the pipeline's). */
export type Stats = Readonly<Record<string, number | string | boolean>>;

interface SitePage {
  points: Map<string, PointEntry>;
  assets: Map<string, AssetEntry>;
  devices: Map<string, DeviceEntry>;
  links: Map<string, LinkEntry>;
  /** Device chips on asset cards, by device id. */
  deviceChips: Map<string, HTMLElement[]>;
  /** Device and link events received so far. */
  eventSeq: number;
  /** The site and its counts (GET /site). */
  site?: Pick<SiteAnswer, 'site' | 'counts'>;
  /** The pipeline's counters (GET /devices). */
  pipeline?: Stats;
  devicesLoaded: boolean;
}

export const state: SitePage = {
  points: new Map(),
  assets: new Map(),
  devices: new Map(),
  links: new Map(),
  deviceChips: new Map(),
  eventSeq: 0,
  site: undefined,
  pipeline: undefined,
  devicesLoaded: false,
};

/** Forget everything shown for a session that ended. */
export function forgetSitePage(): void {
  state.points.clear();
  state.assets.clear();
  state.devices.clear();
  state.links.clear();
  state.deviceChips.clear();
  state.site = undefined;
  state.pipeline = undefined;
  state.devicesLoaded = false;
}
