import type { Migration } from './index.js';

/**
 * A self-registered visitor's phone and e-mail, kept only to send them their pass code: sealed with a sub-key
 * of the visitors key (AES-256-GCM) and deleted when the host decides (or the visit is cancelled or over).
 */
export const visitorContacts: Migration = {
  version: 18,
  name: 'visitor-contacts',
  sql: `
CREATE TABLE visitor_contacts (
  pass_id INTEGER PRIMARY KEY REFERENCES passes(id) ON DELETE CASCADE,
  sealed TEXT NOT NULL,                -- AES-256-GCM of {name, phone, email, language}
  expires_at INTEGER NOT NULL          -- the pass's valid_until: erased by then whatever happens
);
CREATE INDEX visitor_contacts_expiry ON visitor_contacts(expires_at);
`,
};
