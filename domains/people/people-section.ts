import type { SiteSection } from '../../core/config/validate-site.js';
import { PeopleSchema } from './people-schema.js';

/** The site file's `people:` section. */
export const peopleSection: SiteSection = {
  shape: { people: PeopleSchema.prefault({}) },
  check(_config, _site, _fail) {},
};
