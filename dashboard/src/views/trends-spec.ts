import type { AssetAnswer, LatestValue, PointAnswer } from '../hub-types.js';
import { href } from '../router.js';

/**
 * What the trends view shows, as its URL says it: the points, and the range (a preset ending now, or from
 * and to): `#/trends?points=a/x,b/y&range=24h` or `…&range=custom&from=<ISO>&to=<ISO>`.
 */

export const PRESETS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type Preset = keyof typeof PRESETS;
export const MAX_POINTS = 12;

/** A point of GET /assets, with its asset. */
export type TrendPoint = PointAnswer & { asset: AssetAnswer };
/** A point's newest value as the chips show it. */
export type Latest = Pick<LatestValue, 'value' | 'quality' | 'ts'>;

export interface Spec {
  points: string[];
  range: Preset | 'custom';
  from?: number;
  to?: number;
}

const parseInstant = (s: string | null) => {
  if (!s) return undefined;
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
};
const isoOf = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/:00\.000Z$/, 'Z')
    .replace(/\.000Z$/, 'Z');

export function parseSpec(q: URLSearchParams): Spec {
  const points = [...new Set((q.get('points') ?? '').split(',').filter(Boolean))].slice(0, MAX_POINTS);
  const range = q.get('range') ?? '24h';
  if (range === 'custom') {
    const from = parseInstant(q.get('from'));
    const to = parseInstant(q.get('to'));
    if (from !== undefined && to !== undefined && from < to) return { points, range, from, to };
  }
  return { points, range: range in PRESETS ? (range as Preset) : '24h' };
}

export function specHref(s: Spec): string {
  const query: Record<string, string> = {};
  if (s.points.length) query.points = s.points.join(',');
  query.range = s.range;
  if (s.range === 'custom' && s.from !== undefined && s.to !== undefined) {
    query.from = isoOf(s.from);
    query.to = isoOf(s.to);
  }
  // commas and slashes kept readable: the link is meant to be shared
  return href('trends', [], query).replace(/%2C/g, ',').replace(/%2F/g, '/');
}

/** A preset of exactly this span, if the range ends now. */
export function asPreset(from: number, to: number, now: number): Preset | undefined {
  if (now - to > 5_000) return undefined;
  return (Object.keys(PRESETS) as Preset[]).find((p) => Math.abs(PRESETS[p] - (to - from)) < 1_000);
}
