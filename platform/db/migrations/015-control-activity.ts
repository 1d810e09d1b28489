import type { Migration } from './index.js';

/**
 * When each automation measure acted on which point (the energy savings attribute consumption below the
 * baseline to the measures acting in each 15-minute slot): an interval per point and writer, open (to_ts NULL)
 * while it still acts. Written by the hub from the priority arrays' changes and by the demo's history.
 */
export const controlActivity: Migration = {
  version: 15,
  name: 'control-activity',
  sql: `
CREATE TABLE control_activity (
  id INTEGER PRIMARY KEY,
  measure TEXT NOT NULL CHECK (measure IN ('schedule', 'dcv', 'demand-limit')),
  source TEXT NOT NULL,               -- schedule:office-ahus, occupancy:b1-f2, demand-limit:b1
  point_id TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER                       -- NULL: acting now
);
CREATE INDEX control_activity_from ON control_activity (from_ts);
CREATE INDEX control_activity_open ON control_activity (point_id) WHERE to_ts IS NULL;
`,
};
