import { adapterFactories } from '../adapters/index.js';
import { loadSite, parseSite } from '../core/config/load-config.js';
import type { SiteSpec } from '../core/config/validate-site.js';
import type { SiteModel } from '../core/model/site-model.js';
import { alertsSection } from '../domains/alerts/alerts-section.js';
import { controlSection } from '../domains/control/control-section.js';
import { energySection } from '../domains/energy/energy-section.js';
import { fleetSection } from '../domains/fleet/fleet-section.js';
import { peopleSection } from '../domains/people/people-section.js';
import { rulesSection } from '../domains/rules/rules-section.js';
import { maintenanceSection } from '../domains/tickets/maintenance-section.js';
import { visitorsSection } from '../domains/visitors/visitors-section.js';

/**
 * The hub's site file: core's keys, every protocol's devices and points, and the domains' sections, checked in
 * this order (the errors of one file come out in it).
 */
export const HUB_SITE: SiteSpec = {
  factories: adapterFactories,
  sections: [
    alertsSection,
    maintenanceSection,
    visitorsSection,
    energySection,
    rulesSection,
    controlSection,
    peopleSection,
    fleetSection,
  ],
};

/** Read, parse and validate the hub's site file, with the environment's overrides applied. */
export function loadSiteFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  spec = HUB_SITE,
): Promise<SiteModel> {
  return loadSite(file, spec, env);
}

/** The same from text (tests, the site routes' import). */
export function parseSiteText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = {},
  spec = HUB_SITE,
): SiteModel {
  return parseSite(text, file, spec, env);
}
