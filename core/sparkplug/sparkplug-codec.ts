import { createRequire } from 'node:module';
import type { PointValue, Quality } from '../model/reading.js';

/**
 * Sparkplug B payloads through Eclipse Tahu's own codec (`sparkplug-payload`), with protobuf's 64-bit Longs
 * turned into numbers (timestamps, aliases, seq) so the rest of the hub sees plain values.
 */

type TahuCodec = typeof import('sparkplug-payload/lib/sparkplugbpayload.js');
let tahu: TahuCodec | undefined;
/**
 * Tahu's codec (and protobufjs under it) is loaded at the first payload, not at import: every hub imports the fleet's
 * and the MQTT driver's files, and only a site that speaks Sparkplug should pay for it.
 */
function codec(): TahuCodec {
  tahu ??= (createRequire(import.meta.url)('sparkplug-payload') as typeof import('sparkplug-payload')).get(
    'spBv1.0',
  )!;
  return tahu;
}

export type SparkplugType =
  | 'Int8'
  | 'Int16'
  | 'Int32'
  | 'Int64'
  | 'UInt8'
  | 'UInt16'
  | 'UInt32'
  | 'UInt64'
  | 'Float'
  | 'Double'
  | 'Boolean'
  | 'String'
  | 'DateTime'
  | 'Text'
  | 'UUID'
  | 'DataSet'
  | 'Bytes'
  | 'File'
  | 'Template'
  | 'PropertySet'
  | 'PropertySetList';

export interface SparkplugProperty {
  type: SparkplugType;
  value: number | boolean | string | null;
}

export interface SparkplugMetric {
  /** In births always; in data messages usually only the alias. */
  name?: string;
  alias?: number;
  /** ms UTC. */
  timestamp?: number;
  type: SparkplugType;
  /** null with isNull. Int64 beyond 2^53 loses precision (as a JavaScript number must). */
  value: number | boolean | string | null;
  isHistorical?: boolean;
  isTransient?: boolean;
  isNull?: boolean;
  properties?: Record<string, SparkplugProperty>;
}

export interface SparkplugPayload {
  timestamp?: number;
  /** 0–255, +1 per message of an edge node; NDEATH carries none. */
  seq?: number;
  metrics: SparkplugMetric[];
  uuid?: string;
  body?: Uint8Array;
}

/** A payload that could not be decoded (not protobuf, or not a Sparkplug B payload). */
export class SparkplugDecodeError extends Error {
  override name = 'SparkplugDecodeError';
}

// biome-ignore lint/suspicious/noExplicitAny: Tahu's types are wider than ours at this one boundary
type Loose = any;

export function encodePayload(p: SparkplugPayload): Uint8Array {
  return codec().encodePayload(p as Loose);
}

export function decodePayload(buf: Uint8Array): SparkplugPayload {
  let raw: Loose;
  try {
    raw = codec().decodePayload(buf);
  } catch (err) {
    throw new SparkplugDecodeError(`not a Sparkplug B payload: ${(err as Error).message}`);
  }
  const metrics: SparkplugMetric[] = [];
  for (const m of raw.metrics ?? []) {
    const metric: SparkplugMetric = { type: m.type, value: plain(m.value) as SparkplugMetric['value'] };
    if (m.name != null) metric.name = m.name;
    if (m.alias != null) metric.alias = num(m.alias);
    if (m.timestamp != null) metric.timestamp = num(m.timestamp);
    if (m.isHistorical) metric.isHistorical = true;
    if (m.isTransient) metric.isTransient = true;
    if (m.isNull) {
      metric.isNull = true;
      metric.value = null;
    }
    if (m.properties) {
      metric.properties = {};
      for (const [k, v] of Object.entries(m.properties as Record<string, Loose>))
        metric.properties[k] = { type: v.type, value: plain(v.value) as SparkplugProperty['value'] };
    }
    metrics.push(metric);
  }
  const out: SparkplugPayload = { metrics };
  if (raw.timestamp != null) out.timestamp = num(raw.timestamp);
  if (raw.seq != null) out.seq = num(raw.seq);
  if (raw.uuid != null) out.uuid = raw.uuid;
  if (raw.body != null) out.body = raw.body;
  return out;
}

function num(v: Loose): number {
  return typeof v === 'number' ? v : typeof v?.toNumber === 'function' ? v.toNumber() : Number(v);
}

function plain(v: Loose): unknown {
  return v !== null && typeof v === 'object' && typeof v.toNumber === 'function' ? v.toNumber() : v;
}

/** The metric type a point's values travel as. */
export function metricTypeOf(pointType: 'number' | 'boolean' | 'string'): SparkplugType {
  return pointType === 'number' ? 'Double' : pointType === 'boolean' ? 'Boolean' : 'String';
}

/** A metric's value as a point value: numbers of every width, booleans, strings; undefined for the rest. */
export function pointValueOf(m: SparkplugMetric): PointValue | undefined {
  const v = m.value;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return undefined;
}

/**
 * Quality as a metric property: `Quality` (Int32), the OPC codes Ignition uses (192 good, 64 uncertain, 0 bad).
 * The hub sends it only when a value is not good; a metric without it is good.
 */
export const QUALITY_PROPERTY = 'Quality';
export const QUALITY_CODE: Record<Quality, number> = { good: 192, uncertain: 64, bad: 0 };

export function qualityOf(m: SparkplugMetric): Quality {
  const q = m.properties?.[QUALITY_PROPERTY]?.value;
  if (typeof q !== 'number' || q >= 192) return 'good';
  return q >= 64 ? 'uncertain' : 'bad';
}

/** A metric's engineering unit as a property (`engUnit`, as Ignition names it). */
export const UNIT_PROPERTY = 'engUnit';

/** The next message's seq after this one (0–255, wrapping). */
export function nextSeq(seq: number): number {
  return (seq + 1) % 256;
}

/** The edge node's control metrics (Sparkplug 3.0, 6.4.x) and the death certificate's sequence. */
export const NODE_CONTROL = {
  rebirth: 'Node Control/Rebirth',
  bdSeq: 'bdSeq',
} as const;
