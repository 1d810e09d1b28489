import type { Migration } from './index.js';

/**
 * Logins are throttled per (account, client address) in the hub's memory (platform/security/login-throttle.ts)
 * instead of locking the account. An admin's unlock is recorded here, so that one made with the admin CLI
 * while the hub runs lifts the hub's throttles too. `failed_logins` and `locked_until` are no longer written.
 */
export const loginResets: Migration = {
  version: 11,
  name: 'login-resets',
  sql: `
ALTER TABLE users ADD COLUMN logins_reset_at INTEGER;
UPDATE users SET failed_logins = 0, locked_until = NULL;
`,
};
