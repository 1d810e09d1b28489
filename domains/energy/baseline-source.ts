/** Learned baselines, which the energy domain offers the rules engine: for the after-hours and budget conditions that ask for them. */
export interface BaselineSource {
  /** The mean load (kW) expected of the asset's electricity meter in the local hour of ts; undefined until learned. */
  expectedKw(assetId: string, ts: number): number | undefined;
  /** The consumption expected of the meter on this counter point over [from, to), in the point's unit; undefined until learned. */
  expectedUse(pointId: string, from: number, to: number): number | undefined;
}
