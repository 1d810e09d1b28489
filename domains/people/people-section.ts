import type { SiteSection } from '../../core/config/validate-site.js';
import { checkOncall } from './check-oncall.js';
import { checkRouting } from './check-routing.js';
import { PeopleSchema } from './people-schema.js';

/** The site file's `people:` section. */
export const peopleSection: SiteSection = {
  shape: { people: PeopleSchema.prefault({}) },
  check(config, _site, fail) {
    checkRouting(config, fail);
    checkOncall(config, fail);
  },
};
