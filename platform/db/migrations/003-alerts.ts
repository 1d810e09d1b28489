import type { Migration } from './index.js';

/**
 * Alerts (one row per rule instance, its ISA-18.2 state), every transition with who and when, and the assets
 * out of service (their alerts are suppressed; the table is `maintenance`, named before the tickets existed).
 */
export const alerts: Migration = {
  version: 3,
  name: 'alerts',
  sql: `
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,            -- <ruleId>|<assetId>|<pointId or ''>
  rule_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  point_id TEXT,
  severity TEXT NOT NULL,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL,                 -- normal | unacked | acked | rtn-unacked | shelved | suppressed
  active INTEGER NOT NULL,             -- the condition, remembered while shelved or suppressed
  message TEXT NOT NULL,
  value TEXT,                          -- JSON
  raised_at INTEGER,
  cleared_at INTEGER,
  acked_at INTEGER,
  acked_by TEXT,
  ack_comment TEXT,
  shelved_until INTEGER,
  shelved_by TEXT,
  flapping INTEGER NOT NULL DEFAULT 0,
  flap_window_ms INTEGER,              -- the rule's chatter window: flapping ends after this long quiet
  last_flip_at INTEGER,
  occurrences INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX alerts_state ON alerts(state, shelved_until);
CREATE INDEX alerts_asset ON alerts(asset_id);
CREATE INDEX alerts_flapping ON alerts(flapping) WHERE flapping = 1;

CREATE TABLE alert_transitions (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  ts INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  via TEXT NOT NULL,
  comment TEXT,
  value TEXT                           -- JSON
);
CREATE INDEX alert_transitions_alert ON alert_transitions(alert_id, id);

CREATE TABLE maintenance (
  asset_id TEXT PRIMARY KEY,
  since INTEGER NOT NULL,
  until INTEGER,
  "by" TEXT NOT NULL,
  comment TEXT
);
`,
};
