import type { Migration } from './index.js';

/** Rules managed through the API (the site file's own rules stay in the file). */
export const apiRules: Migration = {
  version: 4,
  name: 'api-rules',
  sql: `
CREATE TABLE rules (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,                  -- the rule as given (JSON; a template entry stays a template entry)
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
`,
};
