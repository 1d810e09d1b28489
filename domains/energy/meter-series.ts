import type { Meter } from './meters.js';
import type { SlotSeries } from './slot-calendar.js';

/**
 * Every meter's slots in its unit: a physical meter's ledger slots × its factor; a virtual meter's the sum of
 * its added meters minus its subtracted ones, known only in slots where every part is known over the same
 * span (a part missing, or catching up after its own gap, would make a difference look like a loss).
 */
export function meterSeries(
  meters: readonly Meter[],
  ledger: ReadonlyMap<string, SlotSeries>,
  n: number,
): Map<string, SlotSeries> {
  const byId = new Map(meters.map((m) => [m.id, m]));
  const out = new Map<string, SlotSeries>();
  const of = (m: Meter): SlotSeries => {
    const done = out.get(m.id);
    if (done) return done;
    let series: SlotSeries;
    if (m.pointId) {
      const raw = ledger.get(m.pointId);
      const values = new Float64Array(n).fill(Number.NaN);
      const spans = new Uint8Array(n);
      if (raw) {
        for (let i = 0; i < n; i++) values[i] = raw.values[i]! * m.factor;
        spans.set(raw.spans.subarray(0, n));
      }
      series = { values, spans };
    } else {
      const parts = [
        ...m.add.map((id) => [of(byId.get(id)!), 1] as const),
        ...m.subtract.map((id) => [of(byId.get(id)!), -1] as const),
      ];
      series = combine(parts, n);
    }
    out.set(m.id, series);
    return series;
  };
  for (const m of meters) of(m);
  return out;
}

/** Σ sign × part per slot: known where every part is known over the same span (else NaN, span 0). */
function combine(parts: readonly (readonly [SlotSeries, number])[], n: number): SlotSeries {
  const values = new Float64Array(n);
  const spans = new Uint8Array(n);
  if (!parts.length) values.fill(Number.NaN);
  else spans.set(parts[0]![0].spans.subarray(0, n));
  for (const [part, sign] of parts)
    for (let i = 0; i < n; i++) {
      values[i]! += sign * part.values[i]!; // NaN stays NaN
      if (part.spans[i] !== spans[i]) values[i] = Number.NaN;
    }
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i]!)) spans[i] = 0;
  return { values, spans };
}

/** The slot-wise sum of several series (a building's main meters, for their coincident peak). */
export function sumSeries(list: readonly SlotSeries[], n: number): SlotSeries {
  return combine(
    list.map((s) => [s, 1] as const),
    n,
  );
}

/** Σ of the known values in [from, to), and how many slots were known. */
export function sumRange(s: SlotSeries, from: number, to: number): { sum: number; known: number } {
  let sum = 0;
  let known = 0;
  for (let i = from; i < to; i++) {
    const v = s.values[i]!;
    if (!Number.isNaN(v)) {
      sum += v;
      known++;
    }
  }
  return { sum, known };
}

/** The highest 15-minute demand (kW) in [from, to): slots that follow a reading in the slot before only. */
export function peakDemand(
  s: SlotSeries,
  from: number,
  to: number,
): { kw: number; slot: number } | undefined {
  let best: { kw: number; slot: number } | undefined;
  for (let i = from; i < to; i++) {
    if (s.spans[i] !== 1) continue;
    const kw = s.values[i]! * 4;
    if (!best || kw > best.kw) best = { kw, slot: i };
  }
  return best;
}
