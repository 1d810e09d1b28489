import type { SiteSection } from '../../core/config/validate-site.js';
import { checkMaintenance } from './check-maintenance.js';
import { MaintenanceSchema } from './maintenance-schema.js';

/** The site file's `maintenance:` section. */
export const maintenanceSection: SiteSection = {
  shape: { maintenance: MaintenanceSchema.prefault({}) },
  check: checkMaintenance,
};
