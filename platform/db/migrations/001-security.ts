import type { Migration } from './index.js';

/** Users, sessions, API tokens, device credentials, the append-only audit log, loaded site files. */
export const security: Migration = {
  version: 1,
  name: 'security',
  sql: `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,                 -- JSON array of role names
  password_hash TEXT NOT NULL,         -- scrypt$N$r$p$salt$hash
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  password_changed_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_login_at INTEGER
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,            -- sha256 of the cookie value; the value itself is never stored
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,                 -- the public part of the token
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,           -- sha256 of the secret part
  scopes TEXT NOT NULL,                -- JSON array of permissions
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE device_credentials (
  device_id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,           -- sha256 of a generated 192-bit secret
  created_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  actor TEXT NOT NULL,                 -- a username, 'system', 'site-file' or a device id
  via TEXT NOT NULL,                   -- session | token | cli | system | device | anonymous
  token_id TEXT,
  ip TEXT,
  action TEXT NOT NULL,
  target TEXT,
  outcome TEXT NOT NULL,               -- ok | denied | failed
  before TEXT,                         -- JSON
  after TEXT,                          -- JSON
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL                   -- sha256 over prev_hash and this row: edits break the chain
);
CREATE INDEX audit_ts ON audit_log(ts);
CREATE INDEX audit_action ON audit_log(action, ts);
CREATE INDEX audit_actor ON audit_log(actor, ts);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE site_versions (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  loaded_at INTEGER NOT NULL,
  config TEXT NOT NULL                 -- the validated site file as JSON (no secrets: those come from the environment)
);
`,
};
