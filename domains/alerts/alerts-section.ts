import { z } from 'zod';
import type { SiteSection } from '../../core/config/validate-site.js';
import { intIn } from '../../core/config/zod-helpers.js';

/** The site file's `alerts:` section: how long a person may hide an alert or silence an asset. */
export const AlertsSchema = z.strictObject({
  /** The longest shelf a person may put on an alert (hours). */
  maxShelveHours: intIn(1, 24 * 30).default(168),
  /** The longest out-of-service window; every window has an end, at most this far ahead (hours). */
  maxOutOfServiceHours: intIn(1, 24 * 90).default(72),
});

export type AlertsConfig = z.infer<typeof AlertsSchema>;

/** The defaults, for an alert service built without a site file (unit tests, benchmarks). */
export const DEFAULT_ALERTS_CONFIG: AlertsConfig = AlertsSchema.parse({});

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    /** Limits on shelving alerts and taking assets out of service. */
    alerts: AlertsConfig;
  }
}

export const alertsSection: SiteSection = {
  shape: { alerts: AlertsSchema.prefault({}) },
};
