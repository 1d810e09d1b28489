import type { Migration } from './index.js';

/**
 * Schedules and calendars made through the API (the site file's stay in the file), and optimum start's record of
 * each morning: the lead it used, when the zone reached its setpoint, how far off it was.
 */
export const schedules: Migration = {
  version: 13,
  name: 'schedules',
  sql: `
CREATE TABLE control_schedules (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,                  -- the schedule as given (JSON)
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE control_calendars (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE optimum_start_mornings (
  schedule_id TEXT NOT NULL,
  date TEXT NOT NULL,                  -- the local date of the morning
  occupied_at INTEGER NOT NULL,        -- when the first period starts (the setpoint is wanted by then), ms UTC
  lead_minutes REAL NOT NULL,          -- how early the equipment was started
  started_at INTEGER,                  -- when it was started
  indoor REAL,                         -- zone temperature at the start
  outdoor REAL,
  reached_at INTEGER,                  -- when the zone came within the tolerance of the setpoint
  miss_minutes REAL,                   -- reached_at - occupied_at: > 0 late, < 0 early
  PRIMARY KEY (schedule_id, date)
);
`,
};
