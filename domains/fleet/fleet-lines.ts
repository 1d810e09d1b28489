import type { PointValue } from '../../core/model/reading.js';
import {
  BAD_SUFFIX,
  escapeMeasurement,
  escapeTag,
  fieldValue,
} from '../../platform/storage/line-protocol.js';
import { SITE_METRICS } from './fleet-metrics.js';

/**
 * The central hub's InfluxDB lines: exactly the site hub's schema (platform/storage/line-protocol.ts), the `site`
 * tag being the edge node's id. One line per asset and timestamp with all its fields; a bad value goes to
 * `<point>__bad`. A site's summary (alerts, tickets, power, energy today) goes to the measurement `site`.
 */

/** The measurement of the sites' summaries (no asset kind is called so). */
export const SITE_MEASUREMENT = 'site';

/** The summary metrics as InfluxDB fields of SITE_MEASUREMENT. */
export const SITE_FIELDS: Readonly<Record<string, string>> = {
  [SITE_METRICS.alertsActive]: 'alerts_active',
  [SITE_METRICS.alertsUnacked]: 'alerts_unacked',
  [SITE_METRICS.alertsCritical]: 'alerts_critical',
  [SITE_METRICS.ticketsOpen]: 'tickets_open',
  [SITE_METRICS.ticketsOverdue]: 'tickets_overdue',
  [SITE_METRICS.devicesOffline]: 'devices_offline',
  [SITE_METRICS.powerW]: 'power_w',
  [SITE_METRICS.energyTodayKwh]: 'energy_today_kwh',
};

/** `kind,asset=a,site=s,zone=z` (no zone tag when the asset has none: InfluxDB refuses empty tag values). */
export function deviceSeries(kind: string, asset: string, site: string, zone: string): string {
  const base = `${escapeMeasurement(kind)},asset=${escapeTag(asset)},site=${escapeTag(site)}`;
  return zone ? `${base},zone=${escapeTag(zone)}` : base;
}

export function siteSeries(site: string): string {
  return `${SITE_MEASUREMENT},site=${escapeTag(site)}`;
}

/** The field keys of a point: its own and its bad-quality one. */
export function pointFields(name: string): { field: string; badField: string } {
  return { field: escapeTag(name), badField: escapeTag(name + BAD_SUFFIX) };
}

/**
 * Collects the fields of one message by timestamp and turns them into lines (one per timestamp). A field set
 * twice at one timestamp keeps the later value.
 */
export class LineBatch {
  private readonly byTs = new Map<number, Map<string, string>>();

  add(ts: number, field: string, value: PointValue): void {
    let fields = this.byTs.get(ts);
    if (!fields) {
      fields = new Map();
      this.byTs.set(ts, fields);
    }
    fields.set(field, `${field}=${fieldValue(value)}`);
  }

  get empty(): boolean {
    return this.byTs.size === 0;
  }

  /** Appends the lines to `out`; returns how many. */
  drain(series: string, out: string[]): number {
    for (const [ts, fields] of this.byTs) out.push(`${series} ${[...fields.values()].join(',')} ${ts}`);
    const n = this.byTs.size;
    this.byTs.clear();
    return n;
  }
}
