/**
 * Linear unit conversions the pipeline can apply (value_to = value_from × factor + offset).
 * Units are written as in the point names: W, kW, Wh, kWh, degC, degF, Pa, kPa, bar, L, m3, ...
 */
interface Linear {
  factor: number;
  offset: number;
}

const BASE: Record<string, { dimension: string; toBase: Linear }> = {
  W: { dimension: 'power', toBase: { factor: 1, offset: 0 } },
  kW: { dimension: 'power', toBase: { factor: 1e3, offset: 0 } },
  MW: { dimension: 'power', toBase: { factor: 1e6, offset: 0 } },
  Wh: { dimension: 'energy', toBase: { factor: 1, offset: 0 } },
  kWh: { dimension: 'energy', toBase: { factor: 1e3, offset: 0 } },
  MWh: { dimension: 'energy', toBase: { factor: 1e6, offset: 0 } },
  degC: { dimension: 'temperature', toBase: { factor: 1, offset: 0 } },
  degF: { dimension: 'temperature', toBase: { factor: 5 / 9, offset: -32 * (5 / 9) } },
  K: { dimension: 'temperature', toBase: { factor: 1, offset: -273.15 } },
  Pa: { dimension: 'pressure', toBase: { factor: 1, offset: 0 } },
  kPa: { dimension: 'pressure', toBase: { factor: 1e3, offset: 0 } },
  bar: { dimension: 'pressure', toBase: { factor: 1e5, offset: 0 } },
  mL: { dimension: 'volume', toBase: { factor: 1e-3, offset: 0 } },
  L: { dimension: 'volume', toBase: { factor: 1, offset: 0 } },
  m3: { dimension: 'volume', toBase: { factor: 1e3, offset: 0 } },
  'L/s': { dimension: 'flow', toBase: { factor: 1, offset: 0 } },
  'm3/h': { dimension: 'flow', toBase: { factor: 1000 / 3600, offset: 0 } },
  V: { dimension: 'voltage', toBase: { factor: 1, offset: 0 } },
  kV: { dimension: 'voltage', toBase: { factor: 1e3, offset: 0 } },
  A: { dimension: 'current', toBase: { factor: 1, offset: 0 } },
  mA: { dimension: 'current', toBase: { factor: 1e-3, offset: 0 } },
  s: { dimension: 'time', toBase: { factor: 1, offset: 0 } },
  min: { dimension: 'time', toBase: { factor: 60, offset: 0 } },
  h: { dimension: 'time', toBase: { factor: 3600, offset: 0 } },
};

export const KNOWN_UNITS = Object.keys(BASE);

/** The conversion from one unit to another, or undefined when they are not of one dimension. */
export function unitConversion(from: string, to: string): Linear | undefined {
  if (from === to) return { factor: 1, offset: 0 };
  const a = BASE[from];
  const b = BASE[to];
  if (!a || !b || a.dimension !== b.dimension) return undefined;
  // to base: x·fa + oa; from base: (y − ob) / fb
  return {
    factor: a.toBase.factor / b.toBase.factor,
    offset: (a.toBase.offset - b.toBase.offset) / b.toBase.factor,
  };
}
