import type { Migration } from './index.js';

/**
 * Pass codes sealed with the visitors key, for the gates' offline allow-lists (domains/visitors/code-seal.ts); the
 * passages of a pass or badge in time order (who is inside follows the latest one, whatever order they came in).
 */
export const passSeal: Migration = {
  version: 7,
  name: 'pass-seal',
  sql: `
ALTER TABLE passes ADD COLUMN code_sealed TEXT;
ALTER TABLE gate_passages ADD COLUMN nonce TEXT;
-- a passage that follows a scan is reported once per scan, even when a gate sends it twice (live and in sync)
CREATE UNIQUE INDEX gate_passages_nonce ON gate_passages(gate_id, nonce) WHERE nonce IS NOT NULL;
CREATE INDEX gate_passages_pass ON gate_passages(pass_id, ts) WHERE pass_id IS NOT NULL;
CREATE INDEX gate_passages_badge ON gate_passages(badge_id, ts) WHERE badge_id IS NOT NULL;
`,
};
