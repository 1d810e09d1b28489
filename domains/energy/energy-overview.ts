import type { LatestValues } from '../../core/latest-values.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { EnergyService } from './energy-service.js';

const KW: Record<string, number> = { W: 0.001, kW: 1, MW: 1000 };

/** The dashboard's energy overview: the site's power now and today's consumption per medium. */
export class EnergyOverview {
  constructor(
    private readonly d: {
      energy: EnergyService;
      latest: LatestValues;
      site: SiteModel;
      /** Whether there is history to report from (storage on). */
      hasHistory: () => boolean;
    },
  ) {}

  /** Site power from the latest good readings of its power points; today's totals against the baseline. */
  async now() {
    const { energy, latest, site } = this.d;
    let powerKw: number | null = null;
    let at: number | null = null;
    const powerPoints = energy.sitePowerPoints();
    for (const id of powerPoints) {
      const v = latest.get(id);
      if (typeof v?.value !== 'number' || v.quality === 'bad') continue;
      powerKw = (powerKw ?? 0) + v.value * KW[site.pointById.get(id)!.unit]!;
      at = Math.max(at ?? 0, v.ts ?? 0);
    }
    // without storage there is no history: power only
    const report = this.d.hasHistory() ? await energy.report('daily', energy.today()) : undefined;
    return {
      powerKw: powerKw === null ? null : Number(powerKw.toFixed(3)),
      at,
      powerPoints: powerPoints.map((id) => ({ id, unit: site.pointById.get(id)!.unit })),
      today: (report?.totals ?? []).map((t) => ({
        medium: t.medium,
        unit: t.unit,
        consumption: t.consumption,
        completeness: t.completeness,
        baseline: t.baseline,
        cost: t.cost,
      })),
      currency: site.config.energy.currency,
    };
  }
}
