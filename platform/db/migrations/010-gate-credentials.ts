import type { Migration } from './index.js';

/**
 * The credential of each gate decision as a keyed hash (domains/visitors/gate-service.ts), so a retry of a scan
 * (same gate, same nonce) is answered again only when it presents the same credential.
 */
export const gateCredentials: Migration = {
  version: 10,
  name: 'gate-credentials',
  sql: `
ALTER TABLE gate_decisions ADD COLUMN credential_hash TEXT;
`,
};
