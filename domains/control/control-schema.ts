import { z } from 'zod';
import { ArrayShape } from './array-schema.js';
import { DemandShape } from './demand-schema.js';
import { OccupancyShape } from './occupancy-schema.js';
import { SceneShape } from './scene-schema.js';
import { ScheduleShape } from './schedule-schema.js';

/**
 * The site file's `control:` section: the priority arrays' settings, schedules and calendars, scenes, occupancy
 * and demand-limit plans. Each part's keys live in its own file.
 */
export const ControlSchema = z.strictObject({
  ...ArrayShape,
  ...ScheduleShape,
  ...SceneShape,
  ...OccupancyShape,
  ...DemandShape,
});
export type ControlConfig = z.infer<typeof ControlSchema>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    /** Automation: priority arrays, schedules, scenes, occupancy and demand limiting. */
    control: ControlConfig;
  }
}
