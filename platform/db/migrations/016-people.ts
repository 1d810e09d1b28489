import type { Migration } from './index.js';

/**
 * Personal notifications (issue 22): each user's profile (language, contacts, channels per kind of message,
 * quiet hours) and the delivery log: one row per delivery to one action, from queued (or held for quiet hours,
 * or unreachable) to sent, failed (why) or dropped.
 */
export const people: Migration = {
  version: 16,
  name: 'people',
  sql: `
CREATE TABLE user_profiles (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  language TEXT CHECK (language IN ('zh-CN', 'en')),  -- NULL: the site's default
  contacts TEXT NOT NULL DEFAULT '{}',                 -- JSON: email, mobile, wecomId, dingtalkId, feishuId
  channels TEXT NOT NULL DEFAULT '{}',                 -- JSON: kind of message -> channel kinds in order
  quiet_start TEXT,                                    -- HH:MM in the site's time zone, both or neither
  quiet_end TEXT,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE notify_deliveries (
  seq INTEGER PRIMARY KEY,             -- order of creation (paging)
  id TEXT NOT NULL UNIQUE,             -- the delivery id (x-hub-delivery)
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('held', 'queued', 'sent', 'failed', 'dropped', 'unreachable')),
  action_id TEXT,                      -- NULL when unreachable
  channel TEXT,                        -- the action's type (webhook, email, sms, ...)
  channel_kind TEXT,                   -- personal deliveries: the person's channel kind (email, sms, wecom, ...)
  recipient TEXT,                      -- a username, or an outside person's masked address; NULL: the action's own receivers
  topic TEXT NOT NULL,
  event TEXT NOT NULL,
  subject_id TEXT,
  summary TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,                          -- why it failed, was dropped, or is unreachable
  release_at INTEGER,                  -- held: when quiet hours end
  sent_at INTEGER,
  pending TEXT                         -- held: the message to send (JSON, with the address); cleared once released
);
CREATE INDEX notify_deliveries_state ON notify_deliveries (state, seq);
CREATE INDEX notify_deliveries_held ON notify_deliveries (release_at) WHERE state = 'held';
CREATE INDEX notify_deliveries_recipient ON notify_deliveries (recipient, seq);
CREATE INDEX notify_deliveries_created ON notify_deliveries (created_at);
`,
};
