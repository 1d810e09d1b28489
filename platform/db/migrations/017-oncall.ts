import type { Migration } from './index.js';

/**
 * On-call (issue 22): overrides of the rotas (who covers a team from–to), each alert's escalation chain (where it
 * stands and when its next step is due, so a restart continues it rather than starting over), who was told at
 * each step, and the low-severity alerts waiting for their person's digest.
 */
export const oncall: Migration = {
  version: 17,
  name: 'oncall',
  sql: `
CREATE TABLE oncall_overrides (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  username TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts > from_ts),
  note TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX oncall_overrides_team ON oncall_overrides (team, to_ts);

CREATE TABLE oncall_escalations (
  alert_id INTEGER PRIMARY KEY,
  team TEXT,                          -- NULL: no rota covers the asset (unrouted)
  severity TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  step INTEGER NOT NULL DEFAULT 0,    -- the next step to run
  next_at INTEGER,                    -- when it is due; NULL once the chain stopped or ran out
  state TEXT NOT NULL CHECK (state IN ('running', 'acknowledged', 'cleared', 'exhausted', 'unrouted')),
  stopped_at INTEGER,
  stopped_by TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX oncall_escalations_due ON oncall_escalations (next_at) WHERE state = 'running';

CREATE TABLE oncall_notices (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  target TEXT NOT NULL,               -- oncall | next | supervisor
  username TEXT NOT NULL,
  ts INTEGER NOT NULL,
  outcome TEXT NOT NULL,              -- queued | held | unreachable
  detail TEXT
);
CREATE INDEX oncall_notices_alert ON oncall_notices (alert_id, id);

CREATE TABLE oncall_digest (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL,
  alert_id INTEGER NOT NULL,
  severity TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  message TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  sent_at INTEGER                     -- NULL: waiting for the next digest
);
CREATE INDEX oncall_digest_waiting ON oncall_digest (username) WHERE sent_at IS NULL;
`,
};
