import type { SiteSection } from '../../core/config/validate-site.js';
import { checkVisitors } from './check-visitors.js';
import { VisitorsSchema } from './visitor-schema.js';

/** The site file's `visitors:` section. */
export const visitorsSection: SiteSection = {
  shape: { visitors: VisitorsSchema.prefault({}) },
  check: checkVisitors,
};
