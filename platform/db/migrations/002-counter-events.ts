import type { Migration } from './index.js';

/** Counter rollovers and resets (meter replacements) as the pipeline sees them. */
export const counterEvents: Migration = {
  version: 2,
  name: 'counter-events',
  sql: `
CREATE TABLE counter_events (
  id INTEGER PRIMARY KEY,
  point_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,                  -- rollover | reset
  from_value REAL NOT NULL,
  to_value REAL NOT NULL
);
CREATE INDEX counter_events_point ON counter_events(point_id, ts);
`,
};
