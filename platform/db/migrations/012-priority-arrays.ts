import type { Migration } from './index.js';

/**
 * The command priority arrays (domains/control): every non-null level of every command point, and what each
 * point's device last took from the hub. A slot survives a restart; the hub re-asserts effective values from it.
 */
export const priorityArrays: Migration = {
  version: 12,
  name: 'priority-arrays',
  sql: `
CREATE TABLE control_slots (
  point_id TEXT NOT NULL,
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 16),
  value TEXT NOT NULL,                 -- JSON: a number, boolean or string
  source TEXT NOT NULL,                -- operator:alice, schedule:office-ahus, rule:setback, site-file, ...
  actor TEXT NOT NULL,
  reason TEXT,
  since INTEGER NOT NULL,
  expires_at INTEGER,                  -- operator overrides relinquish themselves then (ms UTC)
  PRIMARY KEY (point_id, level)
);
CREATE TABLE control_last_writes (
  point_id TEXT PRIMARY KEY,
  value TEXT,                          -- JSON; NULL: a level was relinquished
  level INTEGER,
  ts INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error TEXT
);
`,
};
