import type { LatestValues } from '../../core/latest-values.js';
import type { PointValue, Quality } from '../../core/model/reading.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import {
  metricTypeOf,
  NODE_CONTROL,
  QUALITY_CODE,
  QUALITY_PROPERTY,
  type SparkplugMetric,
  type SparkplugPayload,
  type SparkplugProperty,
  type SparkplugType,
  UNIT_PROPERTY,
} from '../../core/sparkplug/sparkplug-codec.js';
import { ASSET_METRICS, POINT_PROPERTIES, SITE_METRICS } from './fleet-metrics.js';
import type { SiteSummary } from './fleet-types.js';

/** A point's alias: unique across the node, clear of the site metrics' 1–99. */
export const pointAlias = (p: PointDef) => 1000 + p.index;

/** The site metrics' aliases (1–99) and types, in SITE_METRICS order. */
type SummaryKey = keyof SiteSummary;
const SUMMARY_KEYS: SummaryKey[] = [
  'alertsActive',
  'alertsUnacked',
  'alertsCritical',
  'ticketsOpen',
  'ticketsOverdue',
  'devicesOffline',
  'powerW',
  'energyTodayKwh',
];
const SITE_ALIAS: Record<keyof typeof SITE_METRICS, number> = Object.fromEntries(
  Object.keys(SITE_METRICS).map((k, i) => [k, i + 1]),
) as Record<keyof typeof SITE_METRICS, number>;

function summaryMetric(key: SummaryKey, value: number | null, ts: number): SparkplugMetric {
  const type: SparkplugType = key === 'powerW' || key === 'energyTodayKwh' ? 'Double' : 'Int32';
  const m: SparkplugMetric = { name: SITE_METRICS[key], alias: SITE_ALIAS[key], type, value, timestamp: ts };
  if (value === null) m.isNull = true;
  return m;
}

/** A point's value as a metric (births carry its name and properties; data its alias only). */
export function pointMetric(
  p: PointDef,
  value: PointValue | null,
  quality: Quality,
  ts: number,
  historical = false,
): SparkplugMetric {
  const m: SparkplugMetric = { alias: pointAlias(p), type: metricTypeOf(p.type), value, timestamp: ts };
  if (value === null) m.isNull = true;
  if (historical) m.isHistorical = true;
  if (quality !== 'good')
    m.properties = { [QUALITY_PROPERTY]: { type: 'Int32', value: QUALITY_CODE[quality] } };
  return m;
}

/** The birth certificates and the site's summary metrics of this hub as an edge node. */
export class BirthBuilder {
  constructor(
    private readonly site: SiteModel,
    private readonly latest: Pick<LatestValues, 'get'>,
    private readonly hubVersion: string,
    /** Whether the site takes DCMD writes (upstream.commands.remoteWrites): command points say so as Writable. */
    private readonly remoteWrites = true,
  ) {}

  /** NBIRTH: bdSeq, Node Control/Rebirth, the site's name, time zone, version and summary. seq is 0. */
  nbirth(bdSeq: number, summary: SiteSummary, now: number): SparkplugPayload {
    const text = (key: 'name' | 'timezone' | 'hubVersion', value: string): SparkplugMetric => ({
      name: SITE_METRICS[key],
      alias: SITE_ALIAS[key],
      type: 'String',
      value,
      timestamp: now,
    });
    return {
      timestamp: now,
      seq: 0,
      metrics: [
        { name: NODE_CONTROL.bdSeq, type: 'UInt64', value: bdSeq, timestamp: now },
        { name: NODE_CONTROL.rebirth, type: 'Boolean', value: false, timestamp: now },
        text('name', this.site.site.name),
        text('timezone', this.site.site.timezone),
        text('hubVersion', this.hubVersion),
        ...this.summaryMetrics(summary, undefined, now),
      ],
    };
  }

  /** The summary's metrics: all of them, or those that differ from `previous`. */
  summaryMetrics(summary: SiteSummary, previous: SiteSummary | undefined, now: number): SparkplugMetric[] {
    const out: SparkplugMetric[] = [];
    for (const key of SUMMARY_KEYS)
      if (!previous || previous[key] !== summary[key]) out.push(summaryMetric(key, summary[key], now));
    return out;
  }

  /** NDEATH: the bdSeq of the session it ends (no seq). */
  ndeath(bdSeq: number): SparkplugPayload {
    return { metrics: [{ name: NODE_CONTROL.bdSeq, type: 'UInt64', value: bdSeq }] };
  }

  /** DBIRTH of an asset (seq set by the sender): what it is and each point with its alias, type, unit, kind, current value. */
  dbirth(assetId: string, now: number): SparkplugPayload {
    const asset = this.site.assetById.get(assetId)!;
    const str = (name: string, value: string): SparkplugMetric => ({
      name,
      type: 'String',
      value,
      timestamp: now,
    });
    const metrics: SparkplugMetric[] = [
      str(ASSET_METRICS.name, asset.name),
      str(ASSET_METRICS.kind, asset.kind),
      str(ASSET_METRICS.zone, asset.zone),
      str(ASSET_METRICS.zoneName, this.site.zoneById.get(asset.zone)?.name ?? asset.zone),
    ];
    for (const p of this.site.pointsByAsset.get(assetId) ?? []) {
      const v = this.latest.get(p.id);
      const m = pointMetric(p, v?.value ?? null, v?.quality ?? 'bad', v?.ts ?? now);
      m.name = p.name;
      const props: Record<string, SparkplugProperty> = {
        [UNIT_PROPERTY]: { type: 'String', value: p.unit },
        [POINT_PROPERTIES.kind]: { type: 'String', value: p.kind },
        ...m.properties,
      };
      if (p.kind === 'command')
        props[POINT_PROPERTIES.writable] = { type: 'Boolean', value: this.remoteWrites };
      m.properties = props;
      metrics.push(m);
    }
    return { timestamp: now, metrics };
  }
}
