import type { PointValue, RawReading } from '../../core/model/reading.js';
import type { RouteField, TopicRoute } from './topic-routes.js';

/** A device clock more than this far ahead of the hub is not believed: the arrival time is used. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Decode one message into readings appended to `out`. Returns undefined when all is well, or what was
 * wrong; good fields of a partly bad message are still appended.
 *
 * Payloads: a JSON object `{"ts": 1732451000000, "temp_c": 21.4, "rh_pct": 48}` (ts optional, ms since
 * the epoch or ISO-8601; fields found by each point's path), or a bare JSON value when a point's path is `$`.
 */
export function decodePayload(
  route: TopicRoute,
  payload: Buffer,
  arrivalMs: number,
  out: RawReading[],
): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  const isObject = doc !== null && typeof doc === 'object' && !Array.isArray(doc);
  if (!isObject && !route.bare) return 'expected a JSON object';

  let ts = arrivalMs;
  let problem: string | undefined;
  if (isObject) {
    const rawTs = (doc as Record<string, unknown>).ts;
    if (rawTs !== undefined) {
      const parsed =
        typeof rawTs === 'number' ? rawTs : typeof rawTs === 'string' ? Date.parse(rawTs) : Number.NaN;
      if (!Number.isFinite(parsed) || parsed <= 0)
        problem = 'ts is not a timestamp (ms since the epoch or ISO-8601)';
      else if (parsed <= arrivalMs + MAX_FUTURE_SKEW_MS) ts = parsed;
      else problem = 'ts is in the future';
    }
  }

  let found = 0;
  const fields = route.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = field.path.length === 0 ? (isObject ? undefined : doc) : lookup(doc, field.path);
    if (value === undefined) continue;
    found++;
    if (!isOfType(value, field)) {
      problem ??= `${field.path.join('.') || '$'}: expected ${field.type}, got ${describe(value)}`;
      continue;
    }
    out.push({ pointId: field.pointId, value: value as PointValue, quality: 'good', ts });
  }
  if (found === 0) problem ??= 'no known field';
  return problem;
}

function lookup(doc: unknown, path: string[]): unknown {
  let at = doc;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    // Own keys only: a path such as `constructor` or `toString` must not find Object.prototype's.
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function isOfType(value: unknown, field: RouteField): boolean {
  switch (field.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean' || value === 0 || value === 1;
    default:
      return typeof value === 'string';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 20 ? `${value.slice(0, 17)}...` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
