import type { SiteSection } from '../../core/config/validate-site.js';
import { checkEnergy } from './check-energy.js';
import { EnergySchema } from './energy-schema.js';

/** The site file's `energy:` section. */
export const energySection: SiteSection = {
  shape: { energy: EnergySchema.prefault({}) },
  check: checkEnergy,
};
