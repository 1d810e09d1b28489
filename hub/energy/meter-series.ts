import type { Meter } from './meters.js';
import type { SlotSeries } from './slot-calendar.js';

/**
 * Every meter's slots in its unit: a physical meter's ledger slots × its factor; a virtual meter's the sum of
 * its added meters minus its subtracted ones, known only in slots where every part is known (a missing
 * part would make a difference look like a loss), spanning the widest of its parts.
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
      const values = new Float64Array(n);
      const spans = new Uint8Array(n);
      const parts = [
        ...m.add.map((id) => [of(byId.get(id)!), 1] as const),
        ...m.subtract.map((id) => [of(byId.get(id)!), -1] as const),
      ];
      for (const [part, sign] of parts)
        for (let i = 0; i < n; i++) {
          values[i]! += sign * part.values[i]!; // NaN stays NaN
          if (part.spans[i]! > spans[i]!) spans[i] = part.spans[i]!;
        }
      for (let i = 0; i < n; i++) if (Number.isNaN(values[i]!)) spans[i] = 0;
      series = { values, spans };
    }
    out.set(m.id, series);
    return series;
  };
  for (const m of meters) of(m);
  return out;
}

/** The slot-wise sum of several series (a building's main meters): known where all are. */
export function sumSeries(list: readonly SlotSeries[], n: number): SlotSeries {
  const values = new Float64Array(n);
  const spans = new Uint8Array(n);
  if (!list.length) values.fill(Number.NaN);
  for (const s of list)
    for (let i = 0; i < n; i++) {
      values[i]! += s.values[i]!;
      if (s.spans[i]! > spans[i]!) spans[i] = s.spans[i]!;
    }
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i]!)) spans[i] = 0;
  return { values, spans };
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
