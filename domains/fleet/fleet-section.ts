import type { SiteSection } from '../../core/config/validate-site.js';
import { CentralSchema, UpstreamSchema } from './fleet-schema.js';

/** The site file's `upstream:` (an edge node) and `central:` (the host application of `hub.mode: central`). */
export const fleetSection: SiteSection = {
  shape: { upstream: UpstreamSchema.optional(), central: CentralSchema.optional() },
  check(config, _site, fail) {
    const central = config.hub.mode === 'central';
    if (central && !config.central) fail(['central'], 'expected a central: section with hub.mode: central');
    if (!central && config.central) fail(['hub', 'mode'], 'expected central (the central: section needs it)');
    if (central && config.upstream)
      fail(['upstream'], 'a central hub is not an edge node: remove upstream: or set hub.mode: site');
  },
};
