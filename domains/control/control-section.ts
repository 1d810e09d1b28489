import type { SiteSection } from '../../core/config/validate-site.js';
import { checkArray } from './array-schema.js';
import { ControlSchema } from './control-schema.js';
import { checkDemand } from './demand-schema.js';
import { checkOccupancy } from './occupancy-schema.js';
import { checkScene } from './scene-schema.js';
import { checkSchedule } from './schedule-schema.js';

/** The site file's `control:` section. */
export const controlSection: SiteSection = {
  shape: { control: ControlSchema.prefault({}) },
  check(config, site, fail) {
    for (const check of [checkArray, checkSchedule, checkScene, checkOccupancy, checkDemand])
      check(config, site, fail);
  },
};
