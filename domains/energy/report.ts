import type { ZoneConfig } from '../../core/config/site-schema.js';
import { compareToBaseline, expectedSeries, learnBaseline } from './baseline.js';
import type { EnergyConfig, Medium } from './energy-schema.js';
import { peakDemand, sumRange, sumSeries } from './meter-series.js';
import type { Meter } from './meters.js';
import { SLOT_MS, type SlotCalendar, type SlotSeries } from './slot-calendar.js';
import { type BandCost, demandCharge, flatCost, priceSeries, type TariffPlan } from './tariff.js';

/** Slot index ranges in one SlotCalendar: the report's period, the one before, the baseline's weeks. */
export interface ReportWindows {
  kind: 'daily' | 'monthly';
  label: string;
  period: [number, number];
  previous: [number, number];
  learn: [number, number];
  /** Slots of the period that have happened (completeness is counted over these). */
  elapsed: number;
}

export interface ReportInputs {
  cal: SlotCalendar;
  windows: ReportWindows;
  meters: readonly Meter[];
  series: ReadonlyMap<string, SlotSeries>;
  energy: EnergyConfig;
  plan?: TariffPlan;
  zones: readonly ZoneConfig[];
  /** The report's zone (a building), or undefined for the whole site with a section per building. */
  zoneId?: string;
}

export interface MeterFigures {
  /** null when no slot of the period has a value: a gap, never 0. */
  consumption: number | null;
  /** Share of the period's elapsed slots with a value (data completeness). */
  completeness: number;
  cost: number | null;
  byBand?: BandCost[];
  carbonKg: number | null;
  peakDemandKw?: number;
  peakAt?: number;
  previous: { consumption: number | null; completeness: number; cost: number | null };
  /** Change against the previous period, % (null when it had nothing). */
  changePct: number | null;
  baseline: { expected: number; actual: number; deviationPct: number | null; coverage: number } | null;
  afterHours: { consumption: number | null; waste: number | null } | null;
}

export interface MeterRow extends MeterFigures {
  id: string;
  name: string;
  medium: Medium;
  unit: string;
  zone: string;
  parent: string | null;
  virtual: boolean;
}

export interface MediumTotal extends Omit<MeterFigures, 'byBand' | 'peakAt'> {
  medium: Medium;
  unit: string;
  peakAt?: number;
  demandCharge?: number;
  /** The meters the total is the sum of: the top of the hierarchy within the scope. */
  mainMeters: string[];
}

export interface ScopeSection {
  zone: string | null;
  name: string;
  totals: MediumTotal[];
  cost: number;
  carbonKg: number;
  topConsumers: {
    meter: string;
    name: string;
    medium: Medium;
    consumption: number | null;
    unit: string;
    cost: number | null;
    sharePct: number | null;
  }[];
}

export interface EnergyReport extends ScopeSection {
  kind: 'daily' | 'monthly';
  period: { label: string; from: number; to: number };
  previousPeriod: { from: number; to: number };
  timezone: string;
  currency: string;
  generatedAt?: number;
  buildings: ScopeSection[];
  meters: MeterRow[];
  /** Monthly reports: each day's consumption per medium. */
  days?: { date: string; electricity: number | null; water: number | null; gas: number | null }[];
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));
const pct = (now: number, before: number) => (before > 0 ? round(((now - before) / before) * 100, 1) : null);

/**
 * One daily or monthly report over a scope (the site or a building): per meter consumption, data
 * completeness, cost (time-of-use for electricity), carbon, peak demand, the previous period and the
 * learned baseline (the `baselineWeeks` before the period, by day type and hour), after-hours use and its
 * waste over the baseline; per medium totals over the scope's main meters (the top of its hierarchy), with
 * the demand charge on billing meters in monthly reports; the top consumers among the leaf meters.
 */
export function buildReport(inp: ReportInputs): EnergyReport {
  const { cal, windows, meters, series, energy, plan } = inp;
  const [p0, p1] = windows.period;
  const [q0, q1] = windows.previous;
  const [l0, l1] = windows.learn;
  const hasWorkingHours = energy.workingHours !== undefined;

  const figures = new Map<string, MeterFigures>();
  const priceOf = (m: Meter, s: SlotSeries, a: number, b: number) => {
    if (m.medium === 'electricity') {
      if (!plan) return { cost: null };
      const priced = priceSeries(plan, s, a, b);
      return { cost: priced.cost, byBand: priced.byBand };
    }
    const tariff = energy.tariffs[m.medium];
    return { cost: tariff ? flatCost(tariff.price, sumRange(s, a, b).sum) : null };
  };
  for (const m of meters) {
    const s = series.get(m.id)!;
    const now = sumRange(s, p0, p1);
    const before = sumRange(s, q0, q1);
    const priced = priceOf(m, s, p0, p1);
    const carbon = energy.carbon[m.medium];
    const base = learnBaseline(s, cal, l0, l1);
    const expected = expectedSeries(base, cal, p0, p1);
    const cmp = compareToBaseline(s, expected, cal, p0, p1);
    const after = hasWorkingHours
      ? compareToBaseline(s, expected, cal, p0, p1, { afterHoursOnly: true })
      : undefined;
    let afterHoursUse = 0;
    let afterHoursKnown = 0;
    if (hasWorkingHours)
      for (let i = p0; i < p1; i++)
        if (!cal.working[i] && !Number.isNaN(s.values[i]!)) {
          afterHoursUse += s.values[i]!;
          afterHoursKnown++;
        }
    const peak = m.medium === 'electricity' ? peakDemand(s, p0, p1) : undefined;
    figures.set(m.id, {
      consumption: now.known ? round(now.sum) : null,
      completeness: windows.elapsed ? round(Math.min(now.known, windows.elapsed) / windows.elapsed, 4) : 0,
      cost: priced.cost === null || !now.known ? null : round(priced.cost, 2),
      ...(priced.byBand
        ? { byBand: priced.byBand.map((b) => ({ ...b, energy: round(b.energy), cost: round(b.cost, 2) })) }
        : {}),
      carbonKg: carbon === undefined || !now.known ? null : round(now.sum * carbon, 1),
      ...(peak ? { peakDemandKw: round(peak.kw), peakAt: cal.from + peak.slot * SLOT_MS } : {}),
      previous: {
        consumption: before.known ? round(before.sum) : null,
        completeness: q1 > q0 ? round(before.known / (q1 - q0), 4) : 0,
        cost: (() => {
          const c = priceOf(m, s, q0, q1).cost;
          return c === null || !before.known ? null : round(c, 2);
        })(),
      },
      changePct: before.known && now.known ? pct(now.sum, before.sum) : null,
      baseline:
        cmp.coverage > 0
          ? {
              expected: round(cmp.expected),
              actual: round(cmp.actual),
              deviationPct: pct(cmp.actual, cmp.expected),
              coverage: round(cmp.coverage, 4),
            }
          : null,
      afterHours: hasWorkingHours
        ? {
            consumption: afterHoursKnown ? round(afterHoursUse) : null,
            waste: after && after.coverage > 0 ? round(after.excess) : null,
          }
        : null,
    });
  }

  const zoneParent = new Map(inp.zones.map((z) => [z.id, z.parent]));
  const inZone = (zoneId: string, scope: string) => {
    for (let z: string | undefined = zoneId; z !== undefined; z = zoneParent.get(z))
      if (z === scope) return true;
    return false;
  };
  const section = (zone: ZoneConfig | undefined): ScopeSection => {
    const scoped = meters.filter((m) => !zone || inZone(m.zoneId, zone.id));
    const ids = new Set(scoped.map((m) => m.id));
    const main = scoped.filter((m) => !m.parentId || !ids.has(m.parentId));
    const totals: MediumTotal[] = [];
    for (const medium of ['electricity', 'water', 'gas'] as const) {
      const mains = main.filter((m) => m.medium === medium);
      if (!mains.length) continue;
      const f = mains.map((m) => figures.get(m.id)!);
      /** The sum of the meters that have a figure (their completeness shows what is missing); null if none. */
      const sumKnown = (pick: (x: MeterFigures) => number | null | undefined) => {
        const known = f.map(pick).filter((v): v is number => v !== null && v !== undefined);
        return known.length
          ? round(
              known.reduce((a, b) => a + b, 0),
              3,
            )
          : null;
      };
      const consumption = sumKnown((x) => x.consumption);
      const previous = sumKnown((x) => x.previous.consumption);
      const coincident =
        medium === 'electricity'
          ? peakDemand(
              sumSeries(
                mains.map((m) => series.get(m.id)!),
                cal.n,
              ),
              p0,
              p1,
            )
          : undefined;
      const charge =
        windows.kind === 'monthly' && medium === 'electricity' && energy.tariffs.electricity
          ? scoped
              .filter((m) => m.billing && m.medium === 'electricity')
              .reduce(
                (acc, m) =>
                  acc + demandCharge(energy.tariffs.electricity!, figures.get(m.id)!.peakDemandKw ?? 0),
                0,
              )
          : undefined;
      const energyCost = sumKnown((x) => x.cost);
      const bases = f.map((x) => x.baseline);
      const baseline = bases.every((b) => b !== null)
        ? (() => {
            const expected = bases.reduce((a, b) => a + b!.expected, 0);
            const actual = bases.reduce((a, b) => a + b!.actual, 0);
            return {
              expected: round(expected),
              actual: round(actual),
              deviationPct: pct(actual, expected),
              coverage: round(Math.min(...bases.map((b) => b!.coverage)), 4),
            };
          })()
        : null;
      totals.push({
        medium,
        unit: mains[0]!.unit,
        consumption,
        completeness: round(Math.min(...f.map((x) => x.completeness)), 4),
        cost: energyCost === null ? null : round(energyCost + (charge ?? 0), 2),
        ...(charge !== undefined ? { demandCharge: round(charge, 2) } : {}),
        carbonKg: sumKnown((x) => x.carbonKg),
        ...(coincident
          ? { peakDemandKw: round(coincident.kw), peakAt: cal.from + coincident.slot * SLOT_MS }
          : {}),
        previous: {
          consumption: previous,
          completeness: round(Math.min(...f.map((x) => x.previous.completeness)), 4),
          cost: sumKnown((x) => x.previous.cost),
        },
        changePct: consumption !== null && previous !== null ? pct(consumption, previous) : null,
        baseline,
        afterHours: hasWorkingHours
          ? {
              consumption: sumKnown((x) => x.afterHours?.consumption),
              waste: sumKnown((x) => x.afterHours?.waste),
            }
          : null,
        mainMeters: mains.map((m) => m.id),
      });
    }
    const leaves = scoped.filter((m) => !m.children.some((c) => ids.has(c)));
    const totalOf = (medium: Medium) => totals.find((t) => t.medium === medium)?.consumption ?? 0;
    const ranked = leaves
      .map((m) => ({ m, f: figures.get(m.id)! }))
      .sort(
        (a, b) => (b.f.cost ?? -1) - (a.f.cost ?? -1) || (b.f.consumption ?? -1) - (a.f.consumption ?? -1),
      )
      .slice(0, 10);
    return {
      zone: zone?.id ?? null,
      name: zone?.name ?? 'Site',
      totals,
      cost: round(
        totals.reduce((a, t) => a + (t.cost ?? 0), 0),
        2,
      ),
      carbonKg: round(
        totals.reduce((a, t) => a + (t.carbonKg ?? 0), 0),
        1,
      ),
      topConsumers: ranked.map(({ m, f }) => ({
        meter: m.id,
        name: m.name,
        medium: m.medium,
        consumption: f.consumption,
        unit: m.unit,
        cost: f.cost,
        sharePct:
          f.consumption !== null && totalOf(m.medium) > 0
            ? round((f.consumption / totalOf(m.medium)) * 100, 1)
            : null,
      })),
    };
  };

  const scopeZone = inp.zoneId ? inp.zones.find((z) => z.id === inp.zoneId) : undefined;
  const main = section(scopeZone);
  const buildings = inp.zones
    .filter(
      (z) => z.kind === 'building' && z.id !== scopeZone?.id && (!scopeZone || inZone(z.id, scopeZone.id)),
    )
    .map(section)
    .filter((b) => b.totals.length);
  const scopedMeters = meters.filter((m) => !scopeZone || inZone(m.zoneId, scopeZone.id));
  const report: EnergyReport = {
    kind: windows.kind,
    period: { label: windows.label, from: cal.from + p0 * SLOT_MS, to: cal.from + p1 * SLOT_MS },
    previousPeriod: { from: cal.from + q0 * SLOT_MS, to: cal.from + q1 * SLOT_MS },
    timezone: cal.timeZone,
    currency: energy.currency,
    ...main,
    buildings,
    meters: scopedMeters.map((m) => ({
      id: m.id,
      name: m.name,
      medium: m.medium,
      unit: m.unit,
      zone: m.zoneId,
      parent: m.parentId ?? null,
      virtual: !m.pointId,
      ...figures.get(m.id)!,
    })),
  };
  if (windows.kind === 'monthly') {
    const mains = new Map(main.totals.map((t) => [t.medium, t.mainMeters.map((id) => series.get(id)!)]));
    report.days = cal.days
      .filter((d) => d.firstSlot >= p0 && d.firstSlot < p1)
      .map((d) => {
        const total = (medium: Medium) => {
          const list = mains.get(medium);
          if (!list) return null;
          let sum = 0;
          let known = 0;
          for (const s of list) {
            const r = sumRange(s, d.firstSlot, d.firstSlot + d.slots);
            sum += r.sum;
            known += r.known;
          }
          return known ? round(sum) : null;
        };
        return { date: d.date, electricity: total('electricity'), water: total('water'), gas: total('gas') };
      });
  }
  return report;
}
