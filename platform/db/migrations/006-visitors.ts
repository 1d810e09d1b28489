import type { Migration } from './index.js';

/**
 * Visitors and their passes, staff badges, and what the gates saw: every decision, passage and door event.
 * Personal data is kept hashed or masked (an ID number is never stored) and purged after the retention.
 */
export const visitors: Migration = {
  version: 6,
  name: 'visitors',
  sql: `
CREATE TABLE visitors (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  phone_masked TEXT,                   -- 138****5678
  phone_hash TEXT,                     -- HMAC-SHA256 of the normalised number (find a returning visitor)
  id_masked TEXT,                      -- 3401**********123X
  id_hash TEXT,                        -- HMAC-SHA256 of the normalised ID number; the number itself is never kept
  company TEXT,
  created_at INTEGER NOT NULL,
  purge_after INTEGER NOT NULL         -- retention: personal fields are erased after this
);
CREATE INDEX visitors_id_hash ON visitors(id_hash);
CREATE INDEX visitors_purge ON visitors(purge_after);

CREATE TABLE passes (
  id INTEGER PRIMARY KEY,
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  host TEXT NOT NULL,                  -- the username of the person visited, who approves
  purpose TEXT NOT NULL,
  state TEXT NOT NULL,                 -- requested | approved | declined | revoked | cancelled
  valid_from INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  max_entries INTEGER NOT NULL,        -- 0: any number within the window
  entries_used INTEGER NOT NULL DEFAULT 0,
  code_hash TEXT UNIQUE,               -- HMAC of the pass code (set when issued); the code is shown once
  gates TEXT,                          -- JSON array of gate asset ids; null: every visitor gate
  inside INTEGER NOT NULL DEFAULT 0,   -- anti-passback: 1 after an entry, 0 after an exit
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  decision_comment TEXT,
  revoked_at INTEGER,
  revoked_by TEXT
);
CREATE INDEX passes_state ON passes(state, valid_until);
CREATE INDEX passes_host ON passes(host, id);
CREATE INDEX passes_visitor ON passes(visitor_id);

CREATE TABLE staff_badges (
  id INTEGER PRIMARY KEY,
  badge_hash TEXT NOT NULL UNIQUE,     -- HMAC of the card number
  badge_masked TEXT NOT NULL,
  holder TEXT NOT NULL,
  zones TEXT NOT NULL,                 -- JSON array of zone ids whose gates it opens (sub-zones included)
  schedule TEXT,                       -- a schedule id: only while it is on
  inside INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE gate_decisions (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  gate_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  credential_type TEXT NOT NULL,
  decision TEXT NOT NULL,              -- open | deny
  reason TEXT,
  pass_id INTEGER,
  badge_id INTEGER,
  direction TEXT,
  offline INTEGER NOT NULL DEFAULT 0,  -- decided by the gate from its allow-list, reported by its sync
  latency_ms REAL
);
CREATE UNIQUE INDEX gate_decisions_nonce ON gate_decisions(gate_id, nonce);
CREATE INDEX gate_decisions_ts ON gate_decisions(ts);

CREATE TABLE gate_passages (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  gate_id TEXT NOT NULL,
  direction TEXT NOT NULL,             -- in | out
  pass_id INTEGER,
  badge_id INTEGER,
  offline INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX gate_passages_ts ON gate_passages(ts);

CREATE TABLE gate_door_events (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  gate_id TEXT NOT NULL,
  event TEXT NOT NULL,                 -- opened | closed | forced | held-open
  offline INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX gate_door_events_ts ON gate_door_events(ts);
`,
};
