import type { Migration } from './index.js';

/**
 * The audit chain is keyed (HMAC-SHA256 with `<dataDir>/audit.key`, platform/audit/audit-key.ts). Every row says
 * how its hash was made; the rows already there were plain SHA-256 and stay so (verified as such, before the
 * keyed chain's start record the hub writes when it creates the key). ALTER TABLE fires no UPDATE trigger.
 */
export const auditKeyed: Migration = {
  version: 9,
  name: 'audit-keyed',
  sql: `
ALTER TABLE audit_log ADD COLUMN chain TEXT NOT NULL DEFAULT 'sha256'; -- sha256 | hmac-sha256
`,
};
