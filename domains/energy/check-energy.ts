import type { SiteConfig } from '../../core/config/site-schema.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { resolveMeters } from './meters.js';
import { checkElectricityTariff } from './tariff.js';

type Fail = (path: PropertyKey[], message: string) => void;

/** The energy section once the whole site is known: schedules, the meter hierarchy, the tariff's coverage. */
export function checkEnergy(config: SiteConfig, site: SiteModel, fail: Fail): void {
  const e = config.energy;
  for (const key of ['calendar', 'workingHours'] as const) {
    const id = e[key];
    if (id && !config.schedules.some((s) => s.id === id))
      fail(['energy', key], `no schedule "${id}" (schedules:)`);
  }
  resolveMeters(config, site, fail);
  if (e.tariffs.electricity)
    for (const error of checkElectricityTariff(e.tariffs.electricity)) {
      const at = error.indexOf(': ');
      fail([error.slice(0, at)], error.slice(at + 2));
    }
}
