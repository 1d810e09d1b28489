import type { Migration } from './index.js';

/**
 * Scenes and demand-limit plans (domains/control): scenes made through the API, which scenes are active (who
 * activated them, when, why), and each demand-limit plan's sheds, so a restart keeps them.
 */
export const scenesPlans: Migration = {
  version: 14,
  name: 'scenes-plans',
  sql: `
CREATE TABLE control_scenes (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,                  -- the scene as given (JSON, the site file's schema)
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE control_scene_active (
  scene_id TEXT PRIMARY KEY,
  level INTEGER NOT NULL,
  activated_at INTEGER NOT NULL,
  activated_by TEXT NOT NULL,
  reason TEXT
);
CREATE TABLE control_demand_state (
  plan_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,                 -- JSON: the loads shed (steps, since, the raised setpoints' base), last shed/restore
  updated_at INTEGER NOT NULL
);
`,
};
