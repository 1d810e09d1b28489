import type { Migration } from './index.js';

/**
 * Maintenance tickets (faults reported by people or raised from alerts, preventive maintenance and
 * inspection work orders), their timeline, photos and evidence, and the plans' progress.
 */
export const tickets: Migration = {
  version: 5,
  name: 'tickets',
  sql: `
CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,                  -- fault | preventive | inspection
  source TEXT NOT NULL,                -- person | alert | plan
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  asset_id TEXT,
  zone_id TEXT,
  asset_kind TEXT,
  location TEXT,                       -- free text from a reporter, when no asset is named
  priority INTEGER NOT NULL,           -- 1 urgent … 4 low
  state TEXT NOT NULL,
  requester TEXT NOT NULL,             -- a username, or 'system'
  department TEXT,
  rule_id TEXT,
  alert_id INTEGER,
  plan_id TEXT,
  -- '<asset>|<rule>' while a ticket raised from alerts is not finished: at most one per pair
  dedupe_key TEXT,
  occurrences INTEGER NOT NULL DEFAULT 1,
  linked_ticket_id INTEGER REFERENCES tickets(id),
  assignee TEXT,
  team TEXT,
  eta_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  approved_at INTEGER,
  dispatched_at INTEGER,
  accepted_at INTEGER,
  started_at INTEGER,
  resolved_at INTEGER,
  closed_at INTEGER,
  respond_due_at INTEGER,
  resolve_due_at INTEGER,
  respond_breached_at INTEGER,
  resolve_breached_at INTEGER,
  resolution TEXT,
  rating INTEGER,
  rating_comment TEXT,
  reopened INTEGER NOT NULL DEFAULT 0,
  alert_cleared_at INTEGER,            -- the source alert cleared (a transient fault may close by itself)
  checklist TEXT,                      -- JSON: the plan's checklist
  checklist_results TEXT               -- JSON: what the technician recorded
);
CREATE UNIQUE INDEX tickets_dedupe ON tickets(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX tickets_state ON tickets(state);
CREATE INDEX tickets_asset ON tickets(asset_id, id);
CREATE INDEX tickets_rule ON tickets(asset_id, rule_id, id);
CREATE INDEX tickets_created ON tickets(created_at);

CREATE TABLE ticket_events (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  ts INTEGER NOT NULL,
  event TEXT NOT NULL,                 -- submit, approve, dispatch, accept, ..., note, occurrence, escalate
  from_state TEXT,
  to_state TEXT,
  actor TEXT NOT NULL,
  via TEXT NOT NULL,
  comment TEXT,
  data TEXT                            -- JSON
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE ticket_photos (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  file TEXT NOT NULL UNIQUE,           -- a generated name under <dataDir>/photos
  mime TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  stage TEXT NOT NULL,                 -- report | work | resolution
  uploaded_by TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX ticket_photos_ticket ON ticket_photos(ticket_id);

CREATE TABLE ticket_evidence (
  ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
  alert TEXT NOT NULL,                 -- JSON: the alert as raised
  trend TEXT,                          -- JSON: { from, to, stepMs, series } or null while it is fetched
  trend_error TEXT,
  captured_at INTEGER
);

-- a plan's progress per asset: the last instant its cron was checked, the counter value that makes it due
CREATE TABLE plan_progress (
  plan_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  checked_at INTEGER,
  next_due_value REAL,
  last_ticket_id INTEGER,
  PRIMARY KEY (plan_id, asset_id)
);
`,
};
